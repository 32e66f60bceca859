"""Tiny ipadapter files (see ../pack_fixtures.py MODELS): what ComfyUI_IPAdapter_plus's IPAdapterUnifiedLoader
finds for the preset 'PLUS (high strength)' on an SD1.5 model.

- clip_vision: the ViT-H image encoder (CLIP-ViT-H-14-laion2B-s32B-b79K's layout). ComfyUI's clip_vision.load picks
  clip_vision_config_h.json by layer count, so it keeps its 32 layers x 1280 (632M parameters, fixed).
- ipadapter: ip-adapter-plus_sd15's layout. `image_proj.*`: the pack's own Resampler as its loader builds it for an
  SD1.5 plus file (768 wide, 4 layers, 12 heads, 16 queries, fed ViT-H's 1280-wide penultimate hidden states);
  `ip_adapter.N.to_k_ip/to_v_ip.weight` (N = 1, 3, ... 31): one pair per cross-attention of the SD1.5 UNet, in the
  pack's order (input blocks 1 2 4 5 7 8, output blocks 3 to 11, middle), 768 -> that block's width.
- controlnet_openpose: control_v11p_sd15_openpose's format (`control_model.*`, ComfyUI's cldm ControlNet) for the
  AnimateDiff fixture's full-layout checkpoint that pose_animation runs on: SD1.5's encoder widths 320/640/1280/1280,
  2 res blocks a level (the 12 + 1 residuals that UNet takes), a spatial transformer only where that checkpoint has
  one (the first block, the middle), a 3-channel hint.
"""

import os
import sys

import torch

SD15_CROSS_ATTENTION_WIDTHS = [320, 320, 640, 640, 1280, 1280] + [1280] * 3 + [640] * 3 + [320] * 3 + [1280]
CONTEXT_DIM = 768  # SD1.5's text context: what to_k_ip / to_v_ip read (the Resampler's output)
VIT_H_HIDDEN = 1280


def build(kit):
    import comfy.clip_vision

    vision = comfy.clip_vision.ClipVisionModel(os.path.join(kit.comfy_path, "comfy", "clip_vision_config_h.json"))
    kit.save(kit.randomise(vision.model).state_dict(), "clip_vision")
    del vision
    sys.path.insert(0, kit.pack_path("ComfyUI_IPAdapter_plus"))
    from image_proj_models import Resampler

    # IPAdapterPlus.IPAdapter.init_proj_plus for is_plus, not is_sdxl: cross_attention_dim = output_cross_attention_dim
    # = the to_k_ip input width (768), clip_extra_context_tokens 16, clip_embeddings_dim = the encoder's hidden width
    resampler = Resampler(
        dim=CONTEXT_DIM,
        depth=4,
        dim_head=64,
        heads=12,
        num_queries=16,
        embedding_dim=VIT_H_HIDDEN,
        output_dim=CONTEXT_DIM,
        ff_mult=4,
    )
    state = {"image_proj." + k: v for k, v in kit.randomise(resampler).state_dict().items()}
    for index, width in enumerate(SD15_CROSS_ATTENTION_WIDTHS):
        for projection in ("to_k_ip", "to_v_ip"):
            layer = torch.nn.Linear(CONTEXT_DIM, width, bias=False)
            state[f"ip_adapter.{index * 2 + 1}.{projection}.weight"] = kit.randomise(layer).weight
    kit.save(state, "ipadapter")
    del state, resampler
    from comfy.cldm.cldm import ControlNet

    control = ControlNet(
        image_size=32,
        in_channels=4,
        model_channels=320,
        hint_channels=3,
        num_res_blocks=2,
        channel_mult=(1, 2, 4, 4),
        num_heads=8,
        use_spatial_transformer=True,
        transformer_depth=[1] + [0] * 7,
        transformer_depth_middle=1,
        context_dim=CONTEXT_DIM,
        use_linear_in_transformer=False,
        legacy=False,
        dtype=torch.float32,
        device="cpu",
        operations=kit.ops,
    )
    kit.save({"control_model." + k: v for k, v in kit.randomise(control).state_dict().items()}, "controlnet_openpose")
