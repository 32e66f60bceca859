"""Wan 2.2 video workflows (scripts/workflow_defs/video_families.py) and the video capability choice (video_choice)."""

from __future__ import annotations

import pytest

from app.workflows import load_workflow, parameter_schema, resolve_workflow, to_api
from app.workflows.capabilities import CAPABILITIES
from app.workflows.families import detect_families
from app.workflows.lint import align_input_lists, project_object_info, recorded_object_info
from app.workflows.video_choice import capabilities_for, choose_video_workflow, first_last_frame_workflow
from app.workflows.widgets import NodeSpecs

TE, VAE21, VAE22 = "umt5_xxl_fp8_e4m3fn_scaled.safetensors", "wan_2.1_vae.safetensors", "wan2.2_vae.safetensors"
FIVE_B = {"diffusion_models": ["wan2.2_ti2v_5B_fp16.safetensors"], "text_encoders": [TE], "vae": [VAE22]}
I2V = {
    "diffusion_models": [
        "wan2.2_i2v_high_noise_14B_fp8_scaled.safetensors",
        "wan2.2_i2v_low_noise_14B_fp8_scaled.safetensors",
    ],
    "text_encoders": [TE],
    "vae": [VAE21],
}
FUN = [
    "wan2.2_fun_control_high_noise_14B_fp8_scaled.safetensors",
    "wan2.2_fun_control_low_noise_14B_fp8_scaled.safetensors",
]
EMPTY = {"checkpoints": [], "diffusion_models": [], "text_encoders": [], "vae": []}


def files(*layouts: dict) -> dict:
    merged = {k: list(v) for k, v in EMPTY.items()}
    for layout in layouts:
        for folder, names in layout.items():
            merged[folder] += names
    return merged


def test_without_wan_each_video_capability_keeps_its_older_workflow() -> None:
    backend = detect_families(files({"checkpoints": ["v1-5-pruned-emaonly.safetensors"]}))
    assert [
        choose_video_workflow(c, backend).workflow for c in ("text_to_video", "image_to_video", "pose_animation")
    ] == ["text_to_video", "image_to_video", "pose_animation"]
    assert choose_video_workflow("text_to_video", backend).family is None
    assert first_last_frame_workflow(backend) is None


def test_the_5b_model_gives_text_and_image_to_video() -> None:
    backend = detect_families(files(FIVE_B))
    choice = choose_video_workflow("image_to_video", backend)
    assert (choice.workflow, choice.family) == ("wan22_image_to_video", "wan22_ti2v_5b")
    assert choose_video_workflow("text_to_video", backend).workflow == "wan22_text_to_video"
    assert choose_video_workflow("pose_animation", backend).workflow == "pose_animation"  # no Fun Control models
    assert choice.sentence() == "Image to video runs wan22_image_to_video with the wan22_ti2v_5b model family."


def test_14b_is_preferred_for_image_to_video_unless_the_user_names_5b() -> None:
    backend = detect_families(files(FIVE_B, I2V, {"diffusion_models": FUN}))
    assert choose_video_workflow("image_to_video", backend).workflow == "wan22_i2v_14b"
    assert choose_video_workflow("image_to_video", backend, family="wan22_ti2v_5b").workflow == "wan22_image_to_video"
    assert choose_video_workflow("pose_animation", backend).workflow == "wan22_pose_control"
    assert first_last_frame_workflow(backend) == "wan22_first_last_frame"
    chosen = {c.id: c.workflow for c in capabilities_for(backend_object_info(files(FIVE_B, I2V)))}
    assert chosen["image_to_video"] == "wan22_i2v_14b" and chosen["panel"] == "panel"
    assert len(chosen) == len(CAPABILITIES)


def backend_object_info(listing: dict) -> dict:
    return {
        "UNETLoader": {"input": {"required": {"unet_name": [listing["diffusion_models"]]}}},
        "CLIPLoader": {"input": {"required": {"clip_name": [listing["text_encoders"]]}}},
        "VAELoader": {"input": {"required": {"vae_name": [listing["vae"]]}}},
    }


@pytest.fixture(scope="module")
def specs(comfy_shared) -> NodeSpecs:
    return NodeSpecs(align_input_lists({**recorded_object_info(comfy_shared), **project_object_info()}))


@pytest.mark.parametrize(
    "name,loader,extra",
    [
        ("wan22_text_to_video", "Wan22ImageToVideoLatent", set()),
        ("wan22_image_to_video", "Wan22ImageToVideoLatent", {"image"}),
        ("wan22_i2v_14b", "WanImageToVideo", {"image", "high_noise_steps", "high_noise_model", "low_noise_model"}),
        ("wan22_first_last_frame", "WanFirstLastFrameToVideo", {"first_frame", "last_frame", "high_noise_steps"}),
        ("wan22_pose_control", "Wan22FunControlToVideo", {"character_reference", "pose_video", "high_noise_steps"}),
    ],
)
def test_wan_workflows_are_core_nodes_with_the_usual_parameters(
    name: str, loader: str, extra: set, specs: NodeSpecs
) -> None:
    workflow = load_workflow(resolve_workflow(name))
    prompt = to_api(workflow, specs)
    types = {node["class_type"] for node in prompt.values()}
    assert loader in types and {"UNETLoader", "CLIPLoader", "VAELoader", "CreateVideo", "SaveVideo"} <= types
    assert not any(t.startswith(("Inkframe", "VHS_", "ADE_")) for t in types)
    names = {p.name for p in parameter_schema(workflow, specs.object_info)}
    assert {
        "prompt",
        "negative_prompt",
        "seed",
        "steps",
        "cfg",
        "width",
        "height",
        "frames",
        "fps",
        "text_encoder",
        "vae",
    } | extra <= names
    samplers = [n for n in prompt.values() if n["class_type"] == "KSamplerAdvanced"]
    if "high_noise_steps" in extra:  # two experts: the first hands its leftover noise to the second at the same step
        high, low = sorted(samplers, key=lambda n: n["inputs"]["start_at_step"])
        assert (high["inputs"]["end_at_step"], high["inputs"]["return_with_leftover_noise"]) == (10, "enable")
        assert (low["inputs"]["start_at_step"], low["inputs"]["add_noise"]) == (10, "disable")
    else:
        assert samplers == []


def test_a_panel_clip_sets_the_familys_own_model_files() -> None:
    from app.services.panel_clip_service import panel_settings

    backend = detect_families(files(I2V))
    choice = choose_video_workflow("image_to_video", backend)
    settings = panel_settings(choice, backend.present[choice.family].default_files, "panel.png", "she waves", 9, 4)
    assert settings == [
        "image=panel.png",
        "text_encoder=umt5_xxl_fp8_e4m3fn_scaled.safetensors",
        "high_noise_model=wan2.2_i2v_high_noise_14B_fp8_scaled.safetensors",
        "low_noise_model=wan2.2_i2v_low_noise_14B_fp8_scaled.safetensors",
        "vae=wan_2.1_vae.safetensors",
        "prompt=she waves",
        "frames=9",
        "seed=4",
    ]
    older = choose_video_workflow("image_to_video", detect_families(files()))
    assert panel_settings(older, {}, "panel.png", "she waves") == ["image=panel.png"]  # SVD takes no prompt
