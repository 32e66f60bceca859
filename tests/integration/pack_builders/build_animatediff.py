"""Tiny animatediff files (see ../pack_fixtures.py MODELS)."""

import sys

import torch


def build(kit):
    import comfy.sd1_clip
    import comfy.taesd.taesd
    from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel

    # SD1.5's block structure (what the motion module is injected into); spatial transformers only in the first block
    # (ComfyUI reads context_dim 768 there) and the middle
    unet = UNetModel(
        image_size=32,
        in_channels=4,
        out_channels=4,
        model_channels=320,
        num_res_blocks=2,
        channel_mult=(1, 2, 4, 4),
        num_heads=8,
        use_spatial_transformer=True,
        transformer_depth=[1] + [0] * 7,
        transformer_depth_middle=1,
        transformer_depth_output=[0] * 12,
        context_dim=768,
        use_linear_in_transformer=False,
        legacy=False,
        dtype=torch.float32,
        device="cpu",
        operations=kit.ops,
    )
    state = {"model.diffusion_model." + k: v for k, v in kit.randomise(unet).state_dict().items()}
    del unet
    clip = kit.randomise(comfy.sd1_clip.SDClipModel(device="cpu", dtype=torch.float32))
    state.update({"cond_stage_model." + k: v for k, v in clip.state_dict().items()})
    taesd = kit.randomise(comfy.taesd.taesd.TAESD(), std=0.05)
    state.update({"first_stage_model." + k: v for k, v in taesd.state_dict().items()})
    state["first_stage_model.vae_scale"] = torch.tensor(1.0)
    state["first_stage_model.vae_shift"] = torch.tensor(0.0)
    kit.save(state, "checkpoint")
    del state
    sys.path.insert(0, kit.pack_path("ComfyUI-AnimateDiff-Evolved"))
    from animatediff.motion_module_ad import AnimateDiffFormat, AnimateDiffInfo, AnimateDiffModel, AnimateDiffVersion
    from animatediff.utils_model import ModelTypeSD

    pe = "temporal_transformer.transformer_blocks.0.attention_blocks.1.pos_encoder.pe"
    # what the loader reads from the keys: 4 down / 4 up blocks (SD1.5), a mid block (v2), 32 positions
    layout = {
        f"down_blocks.3.motion_modules.1.{pe}": torch.zeros(1, 32, 1280),
        f"up_blocks.3.motion_modules.2.{pe}": torch.zeros(1, 32, 320),
        f"mid_block.motion_modules.0.{pe}": torch.zeros(1, 32, 1280),
    }
    info = AnimateDiffInfo(ModelTypeSD.SD1_5, AnimateDiffFormat.ANIMATEDIFF, AnimateDiffVersion.V2, "mm_sd_v15_v2")
    model = kit.randomise(AnimateDiffModel(layout, info, {}))
    kit.save(model.state_dict(), "motion_module")
