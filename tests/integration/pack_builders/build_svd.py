"""Tiny svd files (see ../pack_fixtures.py MODELS)."""

import os

import torch


def build(kit):
    import comfy.clip_vision
    from comfy.ldm.models.autoencoder import AutoencodingEngine
    from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel

    # what ComfyUI reads as SVD_img2vid: 320 channels, 8 in, context 1024, adm 768, transformer_depth [1]*6 + [0]*2,
    # temporal res blocks and attention; channel_mult is not checked, so every level stays 320 wide
    unet = UNetModel(
        image_size=32,
        in_channels=8,
        out_channels=4,
        model_channels=320,
        num_res_blocks=2,
        channel_mult=(1, 1, 1, 1),
        num_heads=-1,
        num_head_channels=64,
        use_spatial_transformer=True,
        transformer_depth=[1, 1, 1, 1, 1, 1, 0, 0],
        transformer_depth_middle=1,
        transformer_depth_output=[1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        context_dim=1024,
        use_linear_in_transformer=True,
        adm_in_channels=768,
        num_classes="sequential",
        legacy=False,
        extra_ff_mix_layer=True,
        use_spatial_context=True,
        merge_strategy="learned_with_images",
        merge_factor=0.0,
        video_kernel_size=[3, 1, 1],
        use_temporal_resblock=True,
        use_temporal_attention=True,
        disable_temporal_crossattention=False,
        max_ddpm_temb_period=10000,
        dtype=torch.float32,
        device="cpu",
        operations=kit.ops,
    )
    state = {"model.diffusion_model." + k: v for k, v in kit.randomise(unet).state_dict().items()}
    del unet
    # the image encoder: ComfyUI picks the ViT-H config by layer count (32 layers x 1280, 632M parameters, fixed)
    vision = comfy.clip_vision.ClipVisionModel(os.path.join(kit.comfy_path, "comfy", "clip_vision_config_h.json"))
    prefix = "conditioner.embedders.0.open_clip.model.visual."
    state.update({prefix + k: v for k, v in kit.randomise(vision.model).state_dict().items()})
    del vision
    # the temporal VAE of SVD (ComfyUI builds it from a fixed config when decoder.mid.block_1.mix_factor is there)
    config = {
        "double_z": True,
        "z_channels": 4,
        "resolution": 256,
        "in_channels": 3,
        "out_ch": 3,
        "ch": 128,
        "ch_mult": [1, 2, 4, 4],
        "num_res_blocks": 2,
        "attn_resolutions": [],
        "dropout": 0.0,
    }
    vae = AutoencodingEngine(
        regularizer_config={"target": "comfy.ldm.models.autoencoder.DiagonalGaussianRegularizer"},
        encoder_config={"target": "comfy.ldm.modules.diffusionmodules.model.Encoder", "params": config},
        decoder_config={
            "target": "comfy.ldm.modules.temporal_ae.VideoDecoder",
            "params": {**config, "video_kernel_size": [3, 1, 1], "alpha": 0.0},
        },
    )
    state.update({"first_stage_model." + k: v for k, v in kit.randomise(vae).state_dict().items()})
    kit.save(state, "checkpoint")
