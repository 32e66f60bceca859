"""A book's panels on a model family (app/book/family_plan.py + WorkflowPlanner): which workflow, files, images and
switches a request becomes, and the prompt that reaches ComfyUI (recorded core /object_info, no server)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.book.backend import GenerationRequest
from app.book.build_types import BuildOptions, _family
from app.book.errors import BookError
from app.book.prompts import LoraChoice
from app.book.styles import StylePreset, builtin_styles
from app.book.workflow_planner import WorkflowPlanner
from app.book.workflow_prompt import build_workflow_prompt
from app.workflows import load_workflow, resolve_workflow
from app.workflows.families import FOLDER_SOURCES, detect_families

from .test_family_choice import TINY

SD15 = {"checkpoints": ["v1-5-pruned-emaonly.safetensors"]}


class Planner(WorkflowPlanner):
    def __init__(self, files: dict) -> None:
        self.backend = detect_families(files)

    def capabilities(self) -> dict[str, str]:
        return {"ipadapter": "no IPAdapter here", "lora": "", "restore": "no"}

    def loras(self) -> list[str]:
        return ["style.safetensors"]

    def families(self):
        return self.backend

    def declared(self, workflow: str) -> set[str]:
        return {p.name for p in load_workflow(resolve_workflow(workflow)).parameters}


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    path = tmp_path / "maya.png"
    Image.fromarray(np.full((40, 30, 3), (200, 40, 40), np.uint8)).save(path)
    return path


def request(**fields) -> GenerationRequest:
    base = {
        "workflow": "panel",
        "positive": "maya at the lamp",
        "negative": "blurry",
        "seed": 5,
        "width": 768,
        "height": 512,
    }
    return GenerationRequest(**{**base, **fields})


def test_a_family_panel_gets_its_workflow_and_files() -> None:
    name, params, images, enable, size, notes = Planner(TINY)._plan(request(family="flux1_dev", steps=3))
    assert name == "panel_flux" and images == {} and enable == set() and size == (768, 512)
    assert params == {
        "prompt": "maya at the lamp",
        "seed": 5,
        "steps": 3,
        "unet": "inkframe-tiny-flux1-dev-v1.safetensors",
        "clip_l": "inkframe-tiny-clip-l-v1.safetensors",
        "t5": "inkframe-tiny-t5xxl-v1.safetensors",
        "vae": "inkframe-tiny-taef1-v1.safetensors",
    }
    assert notes == ["Flux.1 dev takes no negative prompt; it was left out."]
    name, params, _, enable, _, notes = Planner(TINY)._plan(
        request(family="sdxl_vpred", loras=(LoraChoice("style.safetensors", 0.7, "style"),))
    )
    assert name == "panel_sdxl" and enable == {"ModelSamplingDiscrete", "LoraLoader"}
    assert params["checkpoint"] == "inkframe-tiny-sdxl-vpred-v1.safetensors" and params["lora"] == "style.safetensors"
    assert params["negative_prompt"] == "blurry"
    assert Planner(TINY)._plan(request(workflow="background", family="qwen_image"))[0] == "background_qwen"


def test_a_character_panel_is_reference_edited(reference: Path) -> None:
    name, params, images, enable, _, notes = Planner(TINY)._plan(request(family="flux1_dev", references=(reference,)))
    assert (
        name == "panel_flux_kontext"
        and set(images) == {"reference_image"}
        and images["reference_image"].size == (30, 40)
    )
    assert params["unet"] == "inkframe-tiny-flux1-kontext-dev-v1.safetensors" and params["reference_megapixels"] == 0.39
    assert notes[-1] == "made by Flux.1 Kontext dev (reference editing) from the character reference maya.png."
    name, params, images, enable, _, _ = Planner(TINY)._plan(request(family="qwen_image", references=(reference,) * 4))
    assert name == "panel_qwen_edit" and len(images) == 3 and enable == {"Reference image 2", "Reference image 3"}
    assert params["text_encoder"] == "inkframe-tiny-qwen25vl7b-vl-v1.safetensors"
    # a tiny panel's reference is scaled to the parameter's floor
    assert (
        Planner(TINY)._plan(request(family="flux1_kontext", width=64, height=64, references=(reference,)))[1][
            "reference_megapixels"
        ]
        == 0.01
    )


def test_no_family_keeps_the_sd15_builtins_and_a_missing_family_is_one_sentence(reference: Path) -> None:
    name, params, _, _, _, notes = Planner(SD15)._plan(request(references=(reference,)))
    assert name == "panel" and "unet" not in params and notes == ["IPAdapter not used: no IPAdapter here"]
    assert (
        Planner({})._plan(request())[0] == "panel"
    )  # nothing recognised: the built-in SD1.5 panel, preflight says why
    with pytest.raises(BookError, match="Qwen-Image is not on this backend"):
        Planner(SD15)._plan(request(family="qwen_image"))
    with pytest.raises(BookError, match="edits a reference image"):
        Planner(TINY)._plan(request(family="flux1_kontext"))
    # a backend with only SDXL: no family named, its panels are SDXL
    assert Planner({"checkpoints": ["illustriousXL_v01.safetensors"]})._plan(request())[0] == "panel_sdxl"


def test_style_presets_and_build_options_name_the_family() -> None:
    assert builtin_styles()["ink-flux"].family == "flux1_dev" and builtin_styles()["ink"].family is None
    with pytest.raises(ValueError, match="no image model family 'nope'"):
        StylePreset(family="nope")
    options = BuildOptions(script=Path("b.txt"), out_dir=Path("out"))
    assert _family(options, builtin_styles()["ink-qwen"], "panel") == "qwen_image"
    assert (
        _family(
            BuildOptions(script=Path("b.txt"), out_dir=Path("out"), family="sdxl"),
            builtin_styles()["ink-qwen"],
            "background",
        )
        == "sdxl"
    )
    assert _family(options, builtin_styles()["ink-qwen"], "img2img_restyle") == "qwen_image"  # restyles too


def with_models(object_info: dict, files: dict) -> dict:
    info = copy.deepcopy(object_info)
    for folder, sources in FOLDER_SOURCES.items():
        for node, input_name in sources:
            if node in info:
                info[node]["input"]["required"][input_name][0] = sorted(files.get(folder, []))
    info["LoadImage"]["input"]["required"]["image"][0] = ["a.png", "b.png", "c.png"]
    return info


@pytest.mark.parametrize("extra", [0, 2])
def test_the_qwen_edit_prompt_takes_the_enabled_references(object_info_core: dict, extra: int) -> None:
    info = with_models(object_info_core, TINY)
    edit = load_workflow(resolve_workflow("panel_qwen_edit"))
    titles = {"Reference image 2", "Reference image 3"} if extra else set()
    names = dict(
        zip(("reference_image", "reference_image_2", "reference_image_3")[: 1 + extra], ("a.png", "b.png", "c.png"))
    )
    prompt, bound = build_workflow_prompt(
        edit,
        "panel_qwen_edit",
        {
            "seed": 1,
            "unet": TINY["diffusion_models"][3],
            "text_encoder": TINY["text_encoders"][3],
            "vae": TINY["vae"][1],
        },
        names,
        titles,
        (64, 64),
        info,
        where="test",
    )
    encoder = next(
        n["inputs"]
        for n in prompt.values()
        if n["class_type"] == "TextEncodeQwenImageEditPlus" and "image1" in n["inputs"]
    )
    assert ("image2" in encoder, "image3" in encoder) == (bool(extra), bool(extra))
    loaded = sorted(n["inputs"]["image"] for n in prompt.values() if n["class_type"] == "LoadImage")
    assert loaded == sorted(names.values())
    latent = next(n["inputs"] for n in prompt.values() if n["class_type"] == "EmptySD3LatentImage")
    assert (latent["width"], latent["height"]) == (64, 64) and bound["seed"] == 1
    json.dumps(prompt)
