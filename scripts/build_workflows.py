#!/usr/bin/env python3
"""Builds the built-in workflow library (workflows/*.json, UI format) from the compact descriptions below.

    python scripts/build_workflows.py            # write every workflow
    python scripts/build_workflows.py --check    # fail if a committed file differs from a fresh build

Widget layouts come from the recorded /object_info in ../shared (core + node packs) plus the project's
own nodes, so each file is correct by construction; `python main.py workflows lint` checks them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "scripts"))  # scripts/workflow_defs: the model families' workflow definitions
from workflow_defs.sheet_families import restyle_input  # noqa: E402
from workflow_defs.video_families import WORKFLOWS as VIDEO_FAMILY_WORKFLOWS  # noqa: E402

SD15 = "v1-5-pruned-emaonly.safetensors"
OPENPOSE = "control_v11p_sd15_openpose_fp16.safetensors"
MOTION = "mm_sd_v15_v2.ckpt"
NEGATIVE = "photo, realistic, blurry, lowres, bad anatomy, extra fingers, watermark, text, signature"
STYLE = "comic book panel, clean ink lines, flat colors, cel shading"
PROJECT_PACK = "inkframe_nodes"


def sd15_base(
    g: Any,
    *,
    width: int | None,
    height: int | None,
    prompt: str,
    negative: str = NEGATIVE,
    steps: int = 25,
    cfg: float = 7.0,
) -> dict[str, Any]:
    """Checkpoint, prompt/negative/seed/steps/cfg/size parameters and text encoders shared by the SD1.5 workflows."""
    p = {
        "checkpoint": g.param(
            "InkframeModel",
            "checkpoint",
            value=SD15,
            group="Model",
            description="SD1.5 checkpoint from models/checkpoints.",
        ),
        "prompt": g.param("InkframeMultilineText", "prompt", value=prompt, group="Prompt", order=0),
        "negative": g.param(
            "InkframeMultilineText", "negative_prompt", value=negative, group="Prompt", order=1, advanced=True
        ),
        "seed": g.param("InkframeSeed", "seed", value=0, group="Sampling", order=0),
        "steps": g.param(
            "InkframeInt", "steps", value=steps, min=1, max=100, step=1, group="Sampling", order=1, advanced=True
        ),
        "cfg": g.param(
            "InkframeFloat", "cfg", value=cfg, min=1.0, max=20.0, step=0.5, group="Sampling", order=2, advanced=True
        ),
    }
    if width is not None and height is not None:  # a workflow whose size comes from its input image has none
        p["width"] = g.param("InkframeInt", "width", value=width, min=256, max=2048, step=64, group="Size", order=0)
        p["height"] = g.param("InkframeInt", "height", value=height, min=256, max=2048, step=64, group="Size", order=1)
    p["ckpt"] = g.node("CheckpointLoaderSimple", ckpt_name=p["checkpoint"][0])
    return p


def encode(g: Any, p: dict[str, Any], clip: Any) -> tuple[Any, Any]:
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip, _title="Positive prompt")
    negative = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip, _title="Negative prompt")
    return positive, negative


def sample(g: Any, p: dict[str, Any], model: Any, positive: Any, negative: Any, latent: Any, denoise: Any = 1.0) -> Any:
    return g.node(
        "KSampler",
        model=model,
        seed=p["seed"][0],
        steps=p["steps"][0],
        cfg=p["cfg"][0],
        sampler_name="dpmpp_2m",
        scheduler="karras",
        positive=positive,
        negative=negative,
        latent_image=latent,
        denoise=denoise,
    )


def lora(g: Any, p: dict[str, Any]) -> Any:
    """LoraLoader, bypassed until a LoRA is chosen (un-bypass it in ComfyUI after picking the file)."""
    name = g.param(
        "InkframeLora",
        "lora",
        value="your_style_lora.safetensors",
        group="Model",
        order=1,
        advanced=True,
        description="Style or character LoRA from models/loras; the LoRA node ships bypassed.",
    )
    strength = g.param(
        "InkframeFloat", "lora_strength", value=0.8, min=0.0, max=2.0, step=0.05, group="Model", order=2, advanced=True
    )
    return g.node(
        "LoraLoader",
        model=p["ckpt"][0],
        clip=p["ckpt"][1],
        lora_name=name[0],
        strength_model=strength[0],
        strength_clip=strength[0],
        _mode=4,
        _title="LoRA (un-bypass to use)",
    )


def output_image(g: Any, images: Any, name: str, prefix: str) -> Any:
    """Core SaveImage; the title "Output: NAME" is what the app calls the image (app.workflows.output_name)."""
    return g.node("SaveImage", images=images, filename_prefix=f"inkframe/{prefix}", _title=f"Output: {name}")


def video_out(g: Any, images: Any, prefix: str, fps: Any = 8) -> Any:
    return g.node(
        "VHS_VideoCombine",
        images=images,
        frame_rate=fps,
        loop_count=0,
        filename_prefix=f"inkframe/{prefix}",
        format="video/webm",
        pingpong=False,
        save_output=True,
        _title="Output: video",
    )


def panel(g: Any) -> None:
    p = sd15_base(g, width=768, height=512, prompt=f"{STYLE}, a detective in a rainy alley at night, dramatic lighting")
    lo = lora(g, p)
    reference = g.param(
        "InkframeImage",
        "reference_image",
        image="example.png",
        group="Optional",
        order=0,
        advanced=True,
        description="Character reference for IPAdapter (un-bypass the IPAdapter nodes to use it).",
    )
    pose = g.param(
        "InkframeImage",
        "pose_image",
        image="example.png",
        group="Optional",
        order=1,
        advanced=True,
        description="OpenPose skeleton image (un-bypass the ControlNet node to use it).",
    )
    loader = g.node(
        "IPAdapterUnifiedLoader",
        model=lo[0],
        preset="PLUS (high strength)",
        _mode=4,
        _title="IPAdapter loader (optional)",
    )
    model = g.node(
        "IPAdapter",
        model=loader[0],
        ipadapter=loader[1],
        image=reference[0],
        weight=0.7,
        start_at=0.0,
        end_at=1.0,
        weight_type="standard",
        _mode=4,
        _title="IPAdapter (optional)",
    )
    positive, negative = encode(g, p, lo[1])
    control = g.node("ControlNetLoader", control_net_name=OPENPOSE, _mode=4, _title="OpenPose ControlNet (optional)")
    cond = g.node(
        "ControlNetApplyAdvanced",
        positive=positive[0],
        negative=negative[0],
        control_net=control[0],
        image=pose[0],
        strength=0.8,
        start_percent=0.0,
        end_percent=1.0,
        _mode=4,
        _title="Apply pose (optional)",
    )
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = sample(g, p, model[0], cond[0], cond[1], latent[0])
    output_image(g, g.node("VAEDecode", samples=samples[0], vae=p["ckpt"][2])[0], "panel", "panel")
    g.note(
        "Panel: SD1.5 checkpoint + LoRA. The LoRA, IPAdapter and ControlNet nodes ship bypassed "
        "(Ctrl+B in ComfyUI to enable); bypassed nodes pass their inputs through, so the graph runs either way."
    )


def character_sheet(g: Any) -> None:
    p = sd15_base(
        g,
        width=1024,
        height=512,
        prompt=f"{STYLE}, character turnaround sheet of a young inventor with goggles, "
        "front view, side view, back view, full body, plain white background",
    )
    expressions = g.param(
        "InkframeMultilineText",
        "expressions_prompt",
        group="Prompt",
        order=2,
        value=f"{STYLE}, expression sheet of a young inventor with goggles, happy, angry, surprised, sad, "
        "head and shoulders, white background",
    )
    pose = g.param(
        "InkframeImage",
        "turnaround_pose",
        image="example.png",
        group="Pose",
        description="Pose sheet with front, side and back skeletons.",
    )
    strength = g.param(
        "InkframeFloat", "pose_strength", value=0.85, min=0.0, max=2.0, step=0.05, group="Pose", order=1, advanced=True
    )
    positive, negative = encode(g, p, p["ckpt"][1])
    control = g.node("ControlNetLoader", control_net_name=OPENPOSE)
    cond = g.node(
        "ControlNetApplyAdvanced",
        positive=positive[0],
        negative=negative[0],
        control_net=control[0],
        image=pose[0],
        strength=strength[0],
        start_percent=0.0,
        end_percent=1.0,
    )
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    sheet = sample(g, p, p["ckpt"][0], cond[0], cond[1], latent[0])
    output_image(g, g.node("VAEDecode", samples=sheet[0], vae=p["ckpt"][2])[0], "turnaround", "character_turnaround")
    faces = g.node("CLIPTextEncode", text=expressions[0], clip=p["ckpt"][1], _title="Expressions prompt")
    faces_latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    faces_samples = sample(g, p, p["ckpt"][0], faces[0], negative[0], faces_latent[0])
    output_image(
        g, g.node("VAEDecode", samples=faces_samples[0], vae=p["ckpt"][2])[0], "expressions", "character_expressions"
    )


def background(g: Any) -> None:
    p = sd15_base(
        g,
        width=768,
        height=512,
        prompt=f"{STYLE}, empty city street at dusk, wide establishing shot, detailed background, no humans",
        negative=f"{NEGATIVE}, person, people, character, crowd",
    )
    positive, negative = encode(g, p, p["ckpt"][1])
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = sample(g, p, p["ckpt"][0], positive[0], negative[0], latent[0])
    output_image(g, g.node("VAEDecode", samples=samples[0], vae=p["ckpt"][2])[0], "background", "background")


def img2img_restyle(g: Any) -> None:
    p = sd15_base(g, width=768, height=512, prompt=f"{STYLE}, same composition redrawn as a comic panel")
    latent, strength = restyle_input(g, p, p["ckpt"][2])  # the picture, scaled and encoded; restyle_strength
    positive, negative = encode(g, p, p["ckpt"][1])
    samples = sample(g, p, p["ckpt"][0], positive[0], negative[0], latent, denoise=strength[0])
    output_image(g, g.node("VAEDecode", samples=samples[0], vae=p["ckpt"][2])[0], "restyled", "restyle")


def inpaint_region(g: Any) -> None:
    p = sd15_base(g, width=None, height=None, prompt=f"{STYLE}, a speech-free close-up of the hero's face")
    source = g.param(
        "InkframeImage",
        "image",
        image="example.png",
        group="Input",
        description="The panel; paint the region to redraw as transparent (ComfyUI's mask editor does this).",
    )
    grow = g.param("InkframeInt", "grow_mask", value=8, min=0, max=64, step=1, group="Input", order=1, advanced=True)
    latent = g.node("VAEEncodeForInpaint", pixels=source[0], vae=p["ckpt"][2], mask=source[1], grow_mask_by=grow[0])
    positive, negative = encode(g, p, p["ckpt"][1])
    samples = sample(g, p, p["ckpt"][0], positive[0], negative[0], latent[0])
    output_image(g, g.node("VAEDecode", samples=samples[0], vae=p["ckpt"][2])[0], "inpainted", "inpaint")


def upscale_face_restore(g: Any) -> None:
    source = g.param("InkframeImage", "image", image="example.png", group="Input")
    scale = g.param(
        "InkframeFloat",
        "scale",
        value=0.5,
        min=0.25,
        max=1.0,
        step=0.05,
        group="Input",
        order=1,
        description="Resize after the 4x upscale (0.5 gives 2x the original size).",
    )
    visibility = g.param(
        "InkframeFloat", "face_restore_strength", value=0.8, min=0.0, max=1.0, step=0.05, group="Faces", order=0
    )
    model = g.node("UpscaleModelLoader", model_name="RealESRGAN_x4plus.pth")
    upscaled = g.node("ImageUpscaleWithModel", upscale_model=model[0], image=source[0])
    restored = g.node(
        "ReActorRestoreFace",
        image=upscaled[0],
        facedetection="retinaface_resnet50",
        model="GFPGANv1.4.pth",
        visibility=visibility[0],
        codeformer_weight=0.5,
    )
    resized = g.node("ImageScaleBy", image=restored[0], upscale_method="lanczos", scale_by=scale[0])
    output_image(g, resized[0], "upscaled", "upscale")


def pose_extraction(g: Any) -> None:
    video = g.param(
        "InkframeVideo",
        "video",
        value="input/dance.mp4",
        group="Input",
        description="Driving video (path on the ComfyUI machine).",
    )
    frames = g.param(
        "InkframeInt",
        "max_frames",
        value=48,
        min=0,
        max=2000,
        step=1,
        group="Input",
        order=1,
        description="Frames to read (0 = all).",
    )
    hands = g.param(
        "InkframeChoice", "detect_hands", value="enable", choices="enable\ndisable", group="Detection", advanced=True
    )
    loaded = g.node(
        "VHS_LoadVideoPath",
        video=video[0],
        force_rate=8,
        custom_width=0,
        custom_height=0,
        frame_load_cap=frames[0],
        skip_first_frames=0,
        select_every_nth=1,
        format="AnimateDiff",
    )
    poses = g.node(
        "DWPreprocessor",
        image=loaded[0],
        detect_hand=hands[0],
        detect_body="enable",
        detect_face="enable",
        resolution=512,
        bbox_detector="yolox_l.onnx",
        pose_estimator="dw-ll_ucoco_384_bs5.torchscript.pt",
        scale_stick_for_xinsr_cn="disable",
    )
    video_out(g, poses[0], "pose")
    output_image(g, poses[0], "pose_frames", "pose")


def pose_animation(g: Any) -> None:
    p = sd15_base(
        g, width=512, height=512, prompt=f"{STYLE}, the hero dancing on a rooftop, full body", steps=20, cfg=7.0
    )
    reference = g.param(
        "InkframeImage",
        "character_reference",
        image="example.png",
        group="Character",
        description="Image of the character; IPAdapter keeps their look across frames.",
    )
    likeness = g.param(
        "InkframeFloat", "reference_strength", value=0.7, min=0.0, max=1.5, step=0.05, group="Character", order=1
    )
    video = g.param(
        "InkframeVideo",
        "pose_video",
        value="input/dance.mp4",
        group="Motion",
        description="Driving video; poses are extracted with DWPose.",
    )
    frames = g.param("InkframeInt", "frames", value=16, min=8, max=256, step=1, group="Motion", order=1)
    fps = g.param(
        "InkframeFloat", "fps", value=8.0, min=1.0, max=30.0, step=1.0, group="Motion", order=2, advanced=True
    )
    loaded = g.node(
        "VHS_LoadVideoPath",
        video=video[0],
        force_rate=fps[0],
        custom_width=p["width"][0],
        custom_height=p["height"][0],
        frame_load_cap=frames[0],
        skip_first_frames=0,
        select_every_nth=1,
        format="AnimateDiff",
    )
    poses = g.node(
        "DWPreprocessor",
        image=loaded[0],
        detect_hand="enable",
        detect_body="enable",
        detect_face="enable",
        resolution=512,
        bbox_detector="yolox_l.onnx",
        pose_estimator="dw-ll_ucoco_384_bs5.torchscript.pt",
        scale_stick_for_xinsr_cn="disable",
    )
    loader = g.node("IPAdapterUnifiedLoader", model=p["ckpt"][0], preset="PLUS (high strength)")
    styled = g.node(
        "IPAdapter",
        model=loader[0],
        ipadapter=loader[1],
        image=reference[0],
        weight=likeness[0],
        start_at=0.0,
        end_at=1.0,
        weight_type="standard",
    )
    context = g.node(
        "ADE_StandardUniformContextOptions",
        context_length=16,
        context_stride=1,
        context_overlap=4,
        fuse_method="pyramid",
    )
    animated = g.node(
        "ADE_AnimateDiffLoaderGen1",
        model=styled[0],
        model_name=MOTION,
        beta_schedule="autoselect",
        context_options=context[0],
    )
    positive, negative = encode(g, p, p["ckpt"][1])
    control = g.node("ControlNetLoader", control_net_name=OPENPOSE)
    cond = g.node(
        "ControlNetApplyAdvanced",
        positive=positive[0],
        negative=negative[0],
        control_net=control[0],
        image=poses[0],
        strength=1.0,
        start_percent=0.0,
        end_percent=1.0,
    )
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=loaded[1])
    samples = sample(g, p, animated[0], cond[0], cond[1], latent[0])
    video_out(g, g.node("VAEDecode", samples=samples[0], vae=p["ckpt"][2])[0], "pose_animation", fps=fps[0])


def portrait_animation(g: Any) -> None:
    portrait = g.param(
        "InkframeImage", "portrait", image="example.png", group="Input", description="The face to animate."
    )
    video = g.param(
        "InkframeVideo",
        "driving_video",
        value="input/talking.mp4",
        group="Input",
        order=1,
        description="Video of a face whose motion is copied.",
    )
    frames = g.param(
        "InkframeInt", "max_frames", value=96, min=0, max=2000, step=1, group="Input", order=2, advanced=True
    )
    lips = g.param(
        "InkframeBoolean",
        "lip_zero",
        value=False,
        group="Motion",
        advanced=True,
        description="Close the lips when the driver's are nearly closed.",
    )
    loaded = g.node(
        "VHS_LoadVideoPath",
        video=video[0],
        force_rate=0,
        custom_width=0,
        custom_height=0,
        frame_load_cap=frames[0],
        skip_first_frames=0,
        select_every_nth=1,
        format="None",
    )
    pipeline = g.node("DownloadAndLoadLivePortraitModels", precision="auto", mode="human")
    cropper = g.node("LivePortraitLoadMediaPipeCropper", landmarkrunner_onnx_device="CPU", keep_model_loaded=True)
    cropped = g.node(
        "LivePortraitCropper",
        pipeline=pipeline[0],
        cropper=cropper[0],
        source_image=portrait[0],
        dsize=512,
        scale=2.3,
        vx_ratio=0.0,
        vy_ratio=-0.125,
        face_index=0,
        face_index_order="large-small",
        rotate=True,
    )
    moved = g.node(
        "LivePortraitProcess",
        pipeline=pipeline[0],
        crop_info=cropped[1],
        source_image=portrait[0],
        driving_images=loaded[0],
        lip_zero=lips[0],
        lip_zero_threshold=0.03,
        stitching=True,
        delta_multiplier=1.0,
        mismatch_method="constant",
        relative_motion_mode="relative",
        driving_smooth_observation_variance=3e-06,
    )
    composite = g.node(
        "LivePortraitComposite", source_image=portrait[0], cropped_image=moved[0], liveportrait_out=moved[1]
    )
    video_out(g, composite[0], "portrait_animation", fps=24)


def image_to_video(g: Any) -> None:
    image = g.param("InkframeImage", "image", image="example.png", group="Input", description="First frame.")
    seed = g.param("InkframeSeed", "seed", value=0, group="Sampling")
    frames = g.param("InkframeInt", "frames", value=25, min=8, max=64, step=1, group="Motion", order=0)
    motion = g.param(
        "InkframeInt",
        "motion",
        value=127,
        min=1,
        max=255,
        step=1,
        group="Motion",
        order=1,
        description="SVD motion bucket: higher moves more.",
    )
    fps = g.param("InkframeInt", "fps", value=8, min=1, max=30, step=1, group="Motion", order=2, advanced=True)
    ckpt = g.node("ImageOnlyCheckpointLoader", ckpt_name="svd_xt.safetensors")
    cond = g.node(
        "SVD_img2vid_Conditioning",
        clip_vision=ckpt[1],
        init_image=image[0],
        vae=ckpt[2],
        width=1024,
        height=576,
        video_frames=frames[0],
        motion_bucket_id=motion[0],
        fps=fps[0],
        augmentation_level=0.0,
    )
    guided = g.node("VideoLinearCFGGuidance", model=ckpt[0], min_cfg=1.0)
    samples = g.node(
        "KSampler",
        model=guided[0],
        seed=seed[0],
        steps=20,
        cfg=2.5,
        sampler_name="euler",
        scheduler="karras",
        positive=cond[0],
        negative=cond[1],
        latent_image=cond[2],
        denoise=1.0,
    )
    video_out(g, g.node("VAEDecode", samples=samples[0], vae=ckpt[2])[0], "image_to_video", fps=fps[0])


def text_to_video(g: Any) -> None:
    p = sd15_base(
        g,
        width=512,
        height=512,
        prompt=f"{STYLE}, a paper boat sailing down a rainy street, gentle camera pan",
        steps=20,
    )
    frames = g.param("InkframeInt", "frames", value=16, min=8, max=128, step=1, group="Motion", order=0)
    fps = g.param(
        "InkframeFloat", "fps", value=8.0, min=1.0, max=30.0, step=1.0, group="Motion", order=1, advanced=True
    )
    context = g.node(
        "ADE_StandardUniformContextOptions",
        context_length=16,
        context_stride=1,
        context_overlap=4,
        fuse_method="pyramid",
    )
    animated = g.node(
        "ADE_AnimateDiffLoaderGen1",
        model=p["ckpt"][0],
        model_name=MOTION,
        beta_schedule="autoselect",
        context_options=context[0],
    )
    positive, negative = encode(g, p, p["ckpt"][1])
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=frames[0])
    samples = sample(g, p, animated[0], positive[0], negative[0], latent[0])
    video_out(g, g.node("VAEDecode", samples=samples[0], vae=p["ckpt"][2])[0], "text_to_video", fps=fps[0])


def faceswap_params(g: Any) -> dict[str, Any]:
    """Source face, selection and consent parameters shared by the face-swap workflows (nodes/faceswap.py)."""
    return {
        "source": g.param(
            "InkframeImage",
            "source_face",
            image="example.png",
            group="Faces",
            order=0,
            description="Photo of the face to put in.",
        ),
        "selector": g.param(
            "InkframeChoice",
            "selector",
            value="one",
            choices="one\nmany\nreference",
            group="Faces",
            order=1,
            description="one: the largest face; many: every face; reference: faces like the reference image.",
        ),
        "index": g.param(
            "InkframeInt", "face_index", value=0, min=0, max=64, step=1, group="Faces", order=2, advanced=True
        ),
        "blend": g.param(
            "InkframeFloat",
            "restore_blend",
            value=0.8,
            min=0.0,
            max=1.0,
            step=0.05,
            group="Faces",
            order=3,
            advanced=True,
        ),
        "consent": g.param(
            "InkframeBoolean",
            "i_have_consent",
            value=False,
            group="Consent",
            label="Everyone shown has agreed",
            description="Required: the swap refuses to run until this is set.",
        ),
    }


def swap(g: Any, f: dict[str, Any], target: Any) -> Any:
    return g.node(
        "InkframeFaceSwap",
        source=f["source"][0],
        target=target,
        selector=f["selector"][0],
        one_mode="largest",
        face_index=f["index"][0],
        enhancer="gfpgan",
        blend=f["blend"][0],
        i_have_consent=f["consent"][0],
        reference_distance=0.9,
        gender="any",
        smoothing=0.6,
        visible_mark=False,
        nsfw_threshold=0.6,
    )


def faceswap_image(g: Any) -> None:
    f = faceswap_params(g)
    target = g.param(
        "InkframeImage",
        "target_image",
        image="example.png",
        group="Input",
        description="The picture whose face is replaced.",
    )
    output_image(g, swap(g, f, target[0])[0], "swapped", "faceswap")


def faceswap_video(g: Any) -> None:
    f = faceswap_params(g)
    video = g.param(
        "InkframeVideo",
        "target_video",
        value="input/clip.mp4",
        group="Input",
        description="Video path on the ComfyUI machine.",
    )
    frames = g.param(
        "InkframeInt",
        "max_frames",
        value=0,
        min=0,
        max=100000,
        step=1,
        group="Input",
        order=1,
        advanced=True,
        description="Frames to process (0 = the whole video).",
    )
    batch = g.node("VHS_BatchManager", frames_per_batch=32, _title="Stream in batches of 32 frames")
    loaded = g.node(
        "VHS_LoadVideoPath",
        video=video[0],
        force_rate=0,
        custom_width=0,
        custom_height=0,
        frame_load_cap=frames[0],
        skip_first_frames=0,
        select_every_nth=1,
        meta_batch=batch[0],
        format="None",
    )
    info = g.node("VHS_VideoInfoSource", video_info=loaded[3])
    swapped = swap(g, f, loaded[0])
    g.node(
        "VHS_VideoCombine",
        images=swapped[0],
        audio=loaded[2],
        meta_batch=batch[0],
        frame_rate=info[0],
        loop_count=0,
        filename_prefix="inkframe/faceswap_video",
        format="video/webm",
        pingpong=False,
        save_output=True,
        _title="Output: video",
    )


WORKFLOWS: dict[str, Callable[[Any], None]] = {
    "panel": panel,
    "character_sheet": character_sheet,
    "background": background,
    "img2img_restyle": img2img_restyle,
    "inpaint_region": inpaint_region,
    "upscale_face_restore": upscale_face_restore,
    "faceswap_image": faceswap_image,
    "faceswap_video": faceswap_video,
    "pose_extraction": pose_extraction,
    "pose_animation": pose_animation,
    "portrait_animation": portrait_animation,
    "image_to_video": image_to_video,
    "text_to_video": text_to_video,
    **VIDEO_FAMILY_WORKFLOWS,
}
sys.path.insert(0, str(Path(__file__).resolve().parent))  # scripts/workflow_defs/ (also when loaded by file path)
from workflow_defs.image_families import IMAGE_FAMILY_WORKFLOWS  # noqa: E402
from workflow_defs.sheet_families import SHEET_FAMILY_WORKFLOWS  # noqa: E402

WORKFLOWS.update(IMAGE_FAMILY_WORKFLOWS)
WORKFLOWS.update(SHEET_FAMILY_WORKFLOWS)


def build_all(object_info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from app.workflows.builder import GraphBuilder
    from app.workflows.widgets import NodeSpecs

    specs = NodeSpecs(object_info)
    built = {}
    for name, describe in WORKFLOWS.items():
        graph = GraphBuilder(specs)
        describe(graph)
        about: dict[str, Any] = {"name": name, "built_by": "scripts/build_workflows.py"}
        if any(node.spec.type.startswith("Inkframe") for node in graph.nodes):
            about["requires"] = [PROJECT_PACK]  # its working nodes run inside ComfyUI (lint and preflight say so)
            graph.note(f"Needs Inkframe Studio's own node pack ({PROJECT_PACK}) in ComfyUI: see docs/workflows.md.")
        built[name] = graph.build(extra={"inkframe": about})
    return built


def main(argv: list[str] | None = None) -> int:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # script entry point only
    from app.workflows.lint import project_object_info, recorded_object_info

    parser = argparse.ArgumentParser(description="Build workflows/*.json from scripts/build_workflows.py.")
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--out", default=str(REPO_ROOT / "workflows"))
    args = parser.parse_args(argv)
    object_info = recorded_object_info()
    if not object_info:
        print("error: recorded object_info not found (../shared/comfyui); set INKFRAME_SHARED", file=sys.stderr)
        return 1
    object_info.update(project_object_info())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, workflow in build_all(object_info).items():
        text = json.dumps(workflow, indent=1, ensure_ascii=False) + "\n"
        path = out / f"{name}.json"
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"error: out of date, run scripts/build_workflows.py: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
