"""Model families a backend has, from the recorded /object_info with model lists filled as a user's ComfyUI has them."""

from __future__ import annotations

import copy

import pytest

from app.workflows.families import FAMILIES, FOLDER_SOURCES, default_family, detect_families, model_files

# the official repackaged names (comfyui-workflow-templates 0.1.95) and common community names
OFFICIAL = {
    "checkpoints": [
        "v1-5-pruned-emaonly.safetensors",
        "sd_xl_base_1.0.safetensors",
        "sd_xl_refiner_1.0.safetensors",
        "noobaiXLNAIXL_vPred10Version.safetensors",
        "illustriousXL_v01.safetensors",
        "flux1-schnell-fp8.safetensors",
        "dreamshaper_8.safetensors",
    ],
    "diffusion_models": [
        "flux1-dev.safetensors",
        "flux1-dev-kontext_fp8_scaled.safetensors",
        "qwen_image_fp8_e4m3fn.safetensors",
        "qwen_image_edit_2509_fp8_e4m3fn.safetensors",
        "wan2.2_ti2v_5B_fp16.safetensors",
        "wan2.2_i2v_high_noise_14B_fp8_scaled.safetensors",
        "wan2.2_i2v_low_noise_14B_fp8_scaled.safetensors",
        "wan2.2_fun_control_high_noise_14B_fp8_scaled.safetensors",
        "wan2.2_fun_control_low_noise_14B_fp8_scaled.safetensors",
    ],
    "text_encoders": [
        "clip_l.safetensors",
        "t5xxl_fp8_e4m3fn_scaled.safetensors",
        "qwen_2.5_vl_7b_fp8_scaled.safetensors",
        "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
    ],
    "vae": ["ae.safetensors", "qwen_image_vae.safetensors", "wan2.2_vae.safetensors", "wan_2.1_vae.safetensors"],
}


@pytest.fixture
def object_info_core(comfy_shared):
    """The recorded core object_info read afresh (the session-wide fixture may hold model names other tests added)."""
    import json

    return json.loads((comfy_shared / "object_info.core.json").read_text())


def with_models(object_info: dict, files: dict[str, list[str]]) -> dict:
    """The recorded object_info with each loader's model list replaced, as a ComfyUI with these files answers."""
    info = copy.deepcopy(object_info)
    for folder, sources in FOLDER_SOURCES.items():
        for node, input_name in sources:
            if node in info:
                info[node]["input"]["required"][input_name][0] = sorted(files.get(folder, []))
    return info


def test_the_loaders_read_exist_in_the_recorded_object_info(comfy_shared):
    from app.workflows.lint import recorded_object_info

    recorded = recorded_object_info(comfy_shared)  # core + the recorded packs (IPAdapterModelLoader)
    for sources in FOLDER_SOURCES.values():
        for node, input_name in sources:
            spec = recorded[node]["input"]["required"][input_name]
            assert isinstance(spec[0], list), (node, input_name)


def test_a_backend_without_models_has_no_family(object_info_core):
    found = detect_families(object_info_core)
    assert found.present == {} and found.partial == {} and found.unclassified == {}
    assert found.sentence("flux1_dev") == "Flux.1 dev is not on this backend: no model file names it."


def test_every_family_is_found_from_the_official_files(object_info_core):
    info = with_models(object_info_core, OFFICIAL)
    assert model_files(info)["text_encoders"] == sorted(OFFICIAL["text_encoders"])
    found = detect_families(info)
    assert set(found.present) == set(FAMILIES)
    files = {family: match.default_files for family, match in found.present.items()}
    assert files["sd15"] == {"checkpoint": "v1-5-pruned-emaonly.safetensors"}
    assert files["sdxl"]["checkpoint"] in ("illustriousXL_v01.safetensors", "sd_xl_base_1.0.safetensors")
    assert found.present["sdxl"].files["checkpoint"] == ["illustriousXL_v01.safetensors", "sd_xl_base_1.0.safetensors"]
    assert files["sdxl_vpred"] == {"checkpoint": "noobaiXLNAIXL_vPred10Version.safetensors"}
    assert files["flux1_dev"] == {
        "unet": "flux1-dev.safetensors",
        "clip_l": "clip_l.safetensors",
        "t5": "t5xxl_fp8_e4m3fn_scaled.safetensors",
        "vae": "ae.safetensors",
    }
    assert files["flux1_schnell"] == {"checkpoint": "flux1-schnell-fp8.safetensors"}  # all-in-one checkpoint
    assert files["flux1_kontext"]["unet"] == "flux1-dev-kontext_fp8_scaled.safetensors"
    assert files["qwen_image"] == {
        "unet": "qwen_image_fp8_e4m3fn.safetensors",
        "text_encoder": "qwen_2.5_vl_7b_fp8_scaled.safetensors",
        "vae": "qwen_image_vae.safetensors",
    }
    assert files["qwen_image_edit_2509"]["unet"] == "qwen_image_edit_2509_fp8_e4m3fn.safetensors"
    assert files["wan22_ti2v_5b"] == {
        "unet": "wan2.2_ti2v_5B_fp16.safetensors",
        "text_encoder": "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
        "vae": "wan2.2_vae.safetensors",
    }
    assert (
        files["wan22_i2v_14b"]
        == files["wan22_flf2v_14b"]
        == {
            "unet_high_noise": "wan2.2_i2v_high_noise_14B_fp8_scaled.safetensors",
            "unet_low_noise": "wan2.2_i2v_low_noise_14B_fp8_scaled.safetensors",
            "text_encoder": "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
            "vae": "wan_2.1_vae.safetensors",
        }
    )
    assert files["wan22_fun_control_14b"]["unet_low_noise"] == "wan2.2_fun_control_low_noise_14B_fp8_scaled.safetensors"
    # a fine-tune whose name says no family is listed, not guessed; the refiner is not a base model
    assert found.unclassified == {"checkpoints": ["dreamshaper_8.safetensors", "sd_xl_refiner_1.0.safetensors"]}


def test_the_folder_decides_what_a_file_is(object_info_core):
    # a Flux model among diffusion_models needs its encoders and VAE: without them the family is incomplete
    found = detect_families(
        with_models(
            object_info_core, {"diffusion_models": ["flux1-dev.safetensors"], "text_encoders": ["clip_l.safetensors"]}
        )
    )
    assert "flux1_dev" not in found.present
    assert found.partial["flux1_dev"] == ["t5", "vae"]
    assert found.sentence("flux1_dev") == "Flux.1 dev is incomplete on this backend: it lacks the t5, vae file(s)."
    # the same name among checkpoints is an all-in-one checkpoint
    found = detect_families(with_models(object_info_core, {"checkpoints": ["flux1-dev-fp8.safetensors"]}))
    assert found.present["flux1_dev"].default_files == {"checkpoint": "flux1-dev-fp8.safetensors"}
    assert found.sentence("flux1_dev") == "Flux.1 dev is available."
    # a Wan 2.2 5B model with the Wan 2.1 VAE only is not complete (the 5B needs the Wan 2.2 VAE)
    found = detect_families(
        {
            "diffusion_models": ["wan2.2_ti2v_5B_fp16.safetensors"],
            "text_encoders": ["umt5_xxl_fp16.safetensors"],
            "vae": ["wan_2.1_vae.safetensors"],
        }
    )
    assert found.partial == {"wan22_ti2v_5b": ["vae"]}


@pytest.mark.parametrize(
    "name, family",
    [
        ("ponyDiffusionV6XL_v6StartWithThisOne.safetensors", "sdxl"),
        ("animagine-xl-4.0.safetensors", "sdxl"),
        ("NoobAI-XL-Vpred-v1.0.safetensors", "sdxl_vpred"),
        ("illustrious_v_pred_1.0.safetensors", "sdxl_vpred"),
        ("sd15/realisticVision_sd15.safetensors", "sd15"),
        ("flux1-dev-fp8.safetensors", "flux1_dev"),
    ],
)
def test_community_checkpoint_names(name, family):
    found = detect_families({"checkpoints": [name]})
    assert list(found.present) == [family], found


def test_default_family_prefers_what_the_user_prefers_then_the_order():
    found = detect_families(
        {
            "checkpoints": ["sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly.safetensors"],
            "diffusion_models": ["wan2.2_ti2v_5B_fp16.safetensors"],
            "text_encoders": ["umt5_xxl_fp16.safetensors"],
            "vae": ["wan2.2_vae.safetensors"],
        }
    )
    assert default_family(found) == "sd15"
    assert default_family(found, preferred=("flux1_dev", "sdxl")) == "sdxl"
    assert default_family(found, "video") == "wan22_ti2v_5b"
    assert default_family(found, "edit") is None


def test_every_family_can_be_downloaded_from_the_manifests():
    """models/families.yaml (+ manifest.yaml for SD1.5) lists a complete layout of every family,
    in the right folders."""
    from app.workflows.manifest import DEFAULT_MANIFEST, load_manifest

    entries = load_manifest(DEFAULT_MANIFEST.parent / "families.yaml") + load_manifest(DEFAULT_MANIFEST)
    files: dict[str, list[str]] = {}
    for entry in entries:
        files.setdefault(entry.folder, []).append(entry.name)
    found = detect_families({folder: names for folder, names in files.items() if folder in FOLDER_SOURCES})
    assert set(found.present) == set(FAMILIES)
    for entry in load_manifest(DEFAULT_MANIFEST.parent / "families.yaml"):
        assert entry.licence and entry.url.startswith("https://huggingface.co/") and entry.used_by
        assert set(entry.used_by) <= set(FAMILIES), entry.name
        assert entry.sha256 or entry.sha256_note, entry.name
