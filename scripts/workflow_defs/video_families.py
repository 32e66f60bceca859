"""Wan 2.2 video workflows (core ComfyUI nodes only), imported by scripts/build_workflows.py.

Each graph follows one of ComfyUI's official templates (comfyui-workflow-templates 0.1.95):
- wan22_text_to_video / wan22_image_to_video: video_wan2_2_5B_ti2v (TI2V-5B, Wan 2.2 VAE, Wan22ImageToVideoLatent);
- wan22_i2v_14b: video_wan2_2_14B_i2v (high-noise then low-noise expert, two KSamplerAdvanced passes);
- wan22_first_last_frame: video_wan2_2_14B_flf2v (WanFirstLastFrameToVideo);
- wan22_pose_control: video_wan2_2_14B_fun_control (Wan22FunControlToVideo), its control video being the skeleton
  video our pose extraction writes (`python main.py motion --method pose-preview`, or workflows/pose_extraction.json).
Outputs: core CreateVideo + SaveVideo (h264 MP4), titled "Output: video" like the other video built-ins.
Parameter names follow the older built-ins (prompt, negative_prompt, seed, steps, cfg, width, height, frames, fps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WAN_TE = "umt5_xxl_fp8_e4m3fn_scaled.safetensors"
WAN22_VAE = "wan2.2_vae.safetensors"
WAN21_VAE = "wan_2.1_vae.safetensors"
TI2V_5B = "wan2.2_ti2v_5B_fp16.safetensors"
I2V_HIGH = "wan2.2_i2v_high_noise_14B_fp8_scaled.safetensors"
I2V_LOW = "wan2.2_i2v_low_noise_14B_fp8_scaled.safetensors"
FUN_HIGH = "wan2.2_fun_control_high_noise_14B_fp8_scaled.safetensors"
FUN_LOW = "wan2.2_fun_control_low_noise_14B_fp8_scaled.safetensors"
STYLE = "comic book panel come to life, clean ink lines, flat colors, cel shading"
NEGATIVE = (
    "blurry, lowres, jpeg artifacts, static, still picture, watermark, text, subtitles, deformed, extra limbs, "
    "messy background"
)


def _model(g: Any, name: str, value: str, order: int, description: str) -> Any:
    return g.param(
        "InkframeModel", name, value=value, group="Model", order=order, advanced=order > 0, description=description
    )


def _loaders(g: Any, unets: dict[str, str], vae: str) -> dict[str, Any]:
    """Model file parameters, UNETLoader(s) with ModelSamplingSD3 (shift 8, as the templates), text encoder, VAE."""
    p: dict[str, Any] = {}
    for order, (name, value) in enumerate(unets.items()):
        p[name] = _model(
            g, name, value, order, f"Wan 2.2 diffusion model from models/diffusion_models ({name.replace('_', ' ')})."
        )
    p["text_encoder"] = _model(
        g, "text_encoder", WAN_TE, len(unets), "UMT5-XXL text encoder from models/text_encoders."
    )
    p["vae"] = _model(g, "vae", vae, len(unets) + 1, "Wan VAE from models/vae.")
    p["models"] = [
        g.node(
            "ModelSamplingSD3", model=g.node("UNETLoader", unet_name=p[name][0], weight_dtype="default")[0], shift=8.0
        )
        for name in unets
    ]
    p["clip"] = g.node("CLIPLoader", clip_name=p["text_encoder"][0], type="wan", device="default")
    p["vae_node"] = g.node("VAELoader", vae_name=p["vae"][0])
    return p


# The two-pass 14B workflows share one Cfg primitive between their samplers, and ComfyUI's frontend rounds a primitive
# shared by two cfg widgets to a whole number (measured: the templates' 3.5 is queued as 4 from the editor); a whole
# number keeps the editor and the app running the same value.
TWO_PASS_CFG = 4.0


def _prompts(g: Any, p: dict[str, Any], prompt: str, steps: int, cfg: float) -> tuple[Any, Any]:
    text = g.param("InkframeMultilineText", "prompt", value=prompt, group="Prompt", order=0)
    negative = g.param(
        "InkframeMultilineText", "negative_prompt", value=NEGATIVE, group="Prompt", order=1, advanced=True
    )
    p["seed"] = g.param("InkframeSeed", "seed", value=0, group="Sampling", order=0)
    p["steps"] = g.param(
        "InkframeInt", "steps", value=steps, min=1, max=100, step=1, group="Sampling", order=1, advanced=True
    )
    p["cfg"] = g.param(
        "InkframeFloat", "cfg", value=cfg, min=1.0, max=20.0, step=0.5, group="Sampling", order=2, advanced=True
    )
    positive = g.node("CLIPTextEncode", text=text[0], clip=p["clip"][0], _title="Positive prompt")
    return positive, g.node("CLIPTextEncode", text=negative[0], clip=p["clip"][0], _title="Negative prompt")


def _size(g: Any, p: dict[str, Any], width: int, height: int, step: int, frames: int, fps: int) -> None:
    for order, (name, value) in enumerate((("width", width), ("height", height))):
        p[name] = g.param("InkframeInt", name, value=value, min=step, max=2048, step=step, group="Size", order=order)
    p["frames"] = g.param(
        "InkframeInt",
        "frames",
        value=frames,
        min=1,
        max=241,
        step=4,
        group="Motion",
        order=0,
        description="Video length in frames; Wan takes 4n+1 (5, 9, ... 81, 121).",
    )
    p["fps"] = g.param("InkframeInt", "fps", value=fps, min=1, max=60, step=1, group="Motion", order=1, advanced=True)


def _video_out(g: Any, p: dict[str, Any], latent: Any, prefix: str) -> None:
    frames = g.node("VAEDecode", samples=latent, vae=p["vae_node"][0])
    video = g.node("CreateVideo", images=frames[0], fps=p["fps"][0])
    g.node(
        "SaveVideo",
        video=video[0],
        filename_prefix=f"inkframe/{prefix}",
        format="mp4",
        codec="h264",
        _title="Output: video",
    )


def _two_experts(g: Any, p: dict[str, Any], positive: Any, negative: Any, latent: Any) -> Any:
    """The 14B templates' two passes: the high-noise expert takes the first steps and hands its noisy latent on."""
    switch = g.param(
        "InkframeInt",
        "high_noise_steps",
        value=10,
        min=1,
        max=100,
        step=1,
        group="Sampling",
        order=3,
        advanced=True,
        description="Steps run by the high-noise model before the low-noise model takes over (half of steps).",
    )
    high = g.node(
        "KSamplerAdvanced",
        model=p["models"][0][0],
        add_noise="enable",
        noise_seed=p["seed"][0],
        steps=p["steps"][0],
        cfg=p["cfg"][0],
        sampler_name="euler",
        scheduler="simple",
        positive=positive,
        negative=negative,
        latent_image=latent,
        start_at_step=0,
        end_at_step=switch[0],
        return_with_leftover_noise="enable",
        _title="High-noise pass",
    )
    low = g.node(
        "KSamplerAdvanced",
        model=p["models"][1][0],
        add_noise="disable",
        noise_seed=0,
        steps=p["steps"][0],
        cfg=p["cfg"][0],
        sampler_name="euler",
        scheduler="simple",
        positive=positive,
        negative=negative,
        latent_image=high[0],
        start_at_step=switch[0],
        end_at_step=10000,
        return_with_leftover_noise="disable",
        _title="Low-noise pass",
    )
    return low[0]


def _ti2v(g: Any, prefix: str, prompt: str, with_image: bool) -> None:
    p = _loaders(g, {"model": TI2V_5B}, WAN22_VAE)
    positive, negative = _prompts(g, p, prompt, steps=20, cfg=5.0)
    _size(g, p, 1280, 704, 32, 121, 24)
    start = {}
    if with_image:
        image = g.param(
            "InkframeImage",
            "image",
            image="example.png",
            group="Input",
            description="First frame (a panel becomes a clip).",
        )
        start = {"start_image": image[0]}
    latent = g.node(
        "Wan22ImageToVideoLatent",
        vae=p["vae_node"][0],
        width=p["width"][0],
        height=p["height"][0],
        length=p["frames"][0],
        batch_size=1,
        **start,
    )
    samples = g.node(
        "KSampler",
        model=p["models"][0][0],
        seed=p["seed"][0],
        steps=p["steps"][0],
        cfg=p["cfg"][0],
        sampler_name="uni_pc",
        scheduler="simple",
        positive=positive[0],
        negative=negative[0],
        latent_image=latent[0],
        denoise=1.0,
    )
    _video_out(g, p, samples[0], prefix)
    g.note(
        "Wan 2.2 TI2V-5B (official template video_wan2_2_5B_ti2v): about 8 GB of VRAM at 720p with offloading; "
        "width and height are multiples of 32, frames 4n+1."
    )


def wan22_text_to_video(g: Any) -> None:
    _ti2v(
        g,
        "wan22_text_to_video",
        f"{STYLE}, a paper boat sailing down a rainy street, gentle camera pan",
        with_image=False,
    )


def wan22_image_to_video(g: Any) -> None:
    _ti2v(
        g, "wan22_image_to_video", f"{STYLE}, the character turns and smiles, hair moving in the wind", with_image=True
    )


def wan22_i2v_14b(g: Any) -> None:
    p = _loaders(g, {"high_noise_model": I2V_HIGH, "low_noise_model": I2V_LOW}, WAN21_VAE)
    positive, negative = _prompts(
        g, p, f"{STYLE}, the character turns and smiles, hair moving in the wind", steps=20, cfg=TWO_PASS_CFG
    )
    _size(g, p, 640, 640, 16, 81, 16)
    image = g.param(
        "InkframeImage",
        "image",
        image="example.png",
        group="Input",
        description="First frame (a panel becomes a clip).",
    )
    cond = g.node(
        "WanImageToVideo",
        positive=positive[0],
        negative=negative[0],
        vae=p["vae_node"][0],
        width=p["width"][0],
        height=p["height"][0],
        length=p["frames"][0],
        batch_size=1,
        start_image=image[0],
    )
    _video_out(g, p, _two_experts(g, p, cond[0], cond[1], cond[2]), "wan22_i2v_14b")
    g.note(
        "Wan 2.2 14B image to video (official template video_wan2_2_14B_i2v): the high-noise model runs the first "
        "high_noise_steps, the low-noise model the rest."
    )


def wan22_first_last_frame(g: Any) -> None:
    p = _loaders(g, {"high_noise_model": I2V_HIGH, "low_noise_model": I2V_LOW}, WAN21_VAE)
    positive, negative = _prompts(
        g, p, f"{STYLE}, smooth motion from the first panel to the last", steps=20, cfg=TWO_PASS_CFG
    )
    _size(g, p, 640, 640, 16, 81, 16)
    first = g.param(
        "InkframeImage",
        "first_frame",
        image="example.png",
        group="Input",
        order=0,
        description="Where the clip starts.",
    )
    last = g.param(
        "InkframeImage", "last_frame", image="example.png", group="Input", order=1, description="Where the clip ends."
    )
    cond = g.node(
        "WanFirstLastFrameToVideo",
        positive=positive[0],
        negative=negative[0],
        vae=p["vae_node"][0],
        width=p["width"][0],
        height=p["height"][0],
        length=p["frames"][0],
        batch_size=1,
        start_image=first[0],
        end_image=last[0],
    )
    _video_out(g, p, _two_experts(g, p, cond[0], cond[1], cond[2]), "wan22_first_last_frame")
    g.note(
        "Wan 2.2 14B first/last frame (official template video_wan2_2_14B_flf2v): the i2v models in-between two panels."
    )


def wan22_pose_control(g: Any) -> None:
    p = _loaders(g, {"high_noise_model": FUN_HIGH, "low_noise_model": FUN_LOW}, WAN21_VAE)
    positive, negative = _prompts(g, p, f"{STYLE}, the character dancing, full body", steps=20, cfg=TWO_PASS_CFG)
    _size(g, p, 640, 640, 16, 81, 16)
    reference = g.param(
        "InkframeImage",
        "character_reference",
        image="example.png",
        group="Character",
        description="The character whose look the video keeps (Fun Control's reference image).",
    )
    poses = g.param(
        "InkframeVideo",
        "pose_video",
        value="pose.mp4",
        group="Motion",
        order=2,
        description="Skeleton video from our pose extraction, in ComfyUI's input folder.",
    )
    loaded = g.node("LoadVideo", file=poses[0])
    control = g.node("GetVideoComponents", video=loaded[0])
    cond = g.node(
        "Wan22FunControlToVideo",
        positive=positive[0],
        negative=negative[0],
        vae=p["vae_node"][0],
        width=p["width"][0],
        height=p["height"][0],
        length=p["frames"][0],
        batch_size=1,
        ref_image=reference[0],
        control_video=control[0],
    )
    _video_out(g, p, _two_experts(g, p, cond[0], cond[1], cond[2]), "wan22_pose_control")
    g.note(
        "Wan 2.2 14B Fun Control (official template video_wan2_2_14B_fun_control) driven by a pose skeleton video: "
        "make one from a dance clip with `python main.py motion REF.mp4 --method pose-preview` or pose_extraction.json."
    )


WORKFLOWS: dict[str, Callable[[Any], None]] = {
    "wan22_text_to_video": wan22_text_to_video,
    "wan22_image_to_video": wan22_image_to_video,
    "wan22_i2v_14b": wan22_i2v_14b,
    "wan22_first_last_frame": wan22_first_last_frame,
    "wan22_pose_control": wan22_pose_control,
}
