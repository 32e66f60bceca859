"""Character sheets and img2img restyles per model family: the generated workflows, the family choice rows, and the
book's sheet step through ComfyBackend (recorded core /object_info with the tiny family files listed, no server:
the prompt is built, converted, bound and preflighted exactly as for a live run, then kept instead of submitted)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.book.backend import GenerationRequest, GenerationResult
from app.book.comfy_backend import ComfyBackend
from app.book.errors import BookError
from app.book.library import Character, save_entry
from app.book.sheets import make_character_sheet
from app.book.styles import resolve_style
from app.workflows import family_choice, load_workflow, resolve_workflow
from app.workflows.families import detect_families
from app.workflows.family_choice import (
    FLUX_CHECKPOINT_WORKFLOWS,
    SHEET_CONTROLNET,
    WORKFLOWS,
    FamilyUnavailable,
    choose_family,
)

from .test_family_choice import SPLIT_FLUX, TINY, merged
from .test_workflow_families import with_models

SDXL_POSE = "xinsir-controlnet-openpose-sdxl-1.0.safetensors"
SHEETS = ("character_sheet_sdxl", "character_sheet_flux", "character_sheet_qwen")
RESTYLES = ("img2img_restyle_sdxl", "img2img_restyle_flux", "img2img_restyle_qwen")


def nodes_of(name: str) -> list[dict]:
    return load_workflow(resolve_workflow(name)).raw["nodes"]


@pytest.mark.parametrize("name", SHEETS)
def test_a_family_sheet_has_the_sd15_sheets_contract(name: str) -> None:
    workflow = load_workflow(resolve_workflow(name))
    outputs = sorted(n["title"] for n in workflow.raw["nodes"] if n["type"] == "SaveImage")
    assert outputs == ["Output: expressions", "Output: turnaround"]
    names = {p.name for p in workflow.parameters}
    assert {"prompt", "expressions_prompt", "seed", "steps", "width", "height"} <= names
    assert sum(n["type"] == "KSampler" for n in workflow.raw["nodes"]) == 2


def test_the_sdxl_sheet_ships_its_openpose_controlnet_bypassed_under_the_titles_the_app_enables() -> None:
    nodes = {n["title"]: n for n in nodes_of("character_sheet_sdxl") if n.get("title")}
    assert all(nodes[title]["mode"] == 4 for title in SHEET_CONTROLNET)
    assert [nodes[t]["type"] for t in SHEET_CONTROLNET] == ["ControlNetLoader", "ControlNetApplyAdvanced"]
    types = {n["type"] for n in nodes_of("character_sheet_flux")} | {
        n["type"] for n in nodes_of("character_sheet_qwen")
    }
    assert not types & {"ControlNetLoader", "ControlNetApplyAdvanced"}  # Flux / Qwen sheets: from the prompt


@pytest.mark.parametrize("name", RESTYLES)
def test_a_family_restyle_encodes_the_picture_and_denoises_by_strength(name: str) -> None:
    workflow = load_workflow(resolve_workflow(name))
    types = {n["type"] for n in workflow.raw["nodes"]}
    assert {"VAEEncode", "ImageScale", "KSampler"} <= types and "EmptyLatentImage" not in types
    assert {"image", "restyle_strength", "prompt", "seed"} <= {p.name for p in workflow.parameters}
    assert [n["title"] for n in workflow.raw["nodes"] if n["type"] == "SaveImage"] == ["Output: restyled"]


def test_every_image_family_has_a_sheet_and_a_restyle_row() -> None:
    for family in ("sd15", "sdxl", "sdxl_vpred", "flux1_dev", "flux1_schnell", "qwen_image"):
        assert {("character_sheet", family), ("img2img_restyle", family)} <= set(WORKFLOWS)


def test_the_sdxl_sheet_is_posed_only_when_the_backend_has_an_sdxl_openpose_controlnet() -> None:
    plain = choose_family("character_sheet", detect_families(TINY), "sdxl")
    assert plain.workflow == "character_sheet_sdxl" and plain.enable == frozenset()
    assert plain.notes == (
        "this backend has no SDXL OpenPose ControlNet (e.g. OpenPoseXL2.safetensors in models/controlnet), "
        "so the turnaround follows the prompt only.",
    )
    controlnets = ["control_v11p_sd15_openpose_fp16.safetensors", "controlnet-union-sdxl-promax.safetensors", SDXL_POSE]
    assert family_choice.SDXL_OPENPOSE.search("openposexl2.safetensors")  # thibaud's file
    posed = choose_family("character_sheet", detect_families(merged(TINY, {"controlnet": controlnets})), "sdxl_vpred")
    assert posed.parameters["controlnet"] == SDXL_POSE and not posed.notes
    assert posed.enable == frozenset({*SHEET_CONTROLNET, "ModelSamplingDiscrete"})
    # Flux and Qwen sheets need no ControlNet; schnell keeps its 4 steps
    schnell = detect_families(merged(TINY, {"diffusion_models": ["flux1-schnell.safetensors"]}))
    flux = choose_family("character_sheet", schnell, "flux1_schnell")
    assert (flux.workflow, flux.parameters["steps"], flux.notes) == ("character_sheet_flux", 4, ())
    assert choose_family("img2img_restyle", detect_families(TINY), "qwen_image").workflow == "img2img_restyle_qwen"


def test_an_edit_family_makes_sheets_and_restyles_with_its_text_to_image_sibling_or_says_what_to_install() -> None:
    backend = detect_families(TINY)
    assert choose_family("character_sheet", backend, "flux1_kontext").workflow == "character_sheet_flux"
    assert choose_family("img2img_restyle", backend, "qwen_image_edit_2509").workflow == "img2img_restyle_qwen"
    kontext_only = detect_families(
        {**SPLIT_FLUX, "diffusion_models": ["flux1-dev-kontext_fp8_scaled.safetensors"]}
    )  # no text-to-image Flux
    with pytest.raises(FamilyUnavailable) as named:
        choose_family("character_sheet", kontext_only, "flux1_kontext")
    assert str(named.value) == (
        "Flux.1 Kontext dev only edits panels; the character sheet needs Flux.1 dev: install flux1-dev.safetensors "
        "in models/diffusion_models (beside clip_l, t5xxl and ae)."
    )
    with pytest.raises(FamilyUnavailable, match="the image-to-image restyle needs Flux.1 dev: install flux1-dev"):
        choose_family("img2img_restyle", kontext_only)  # nothing named: the edit family is all there is


class RecordingBackend(ComfyBackend):
    """ComfyBackend against a recorded /object_info: every prompt is built for real and kept, not submitted."""

    def __init__(self, object_info: dict) -> None:
        super().__init__("http://127.0.0.1:1")
        self._object_info = object_info
        self.runs: list[tuple[str, dict[str, Any], set[str]]] = []

    def _upload(self, image: Image.Image) -> str:
        self._note_upload("a.png")
        return "a.png"

    def _start(self, name, params, images, enable, size) -> tuple:
        prompt, bound = self._prompt(name, params, images, enable, size)
        self.runs.append((name, prompt, set(images)))
        return name, prompt, bound, size

    def _finish(self, pending: tuple) -> dict[str, GenerationResult]:
        name, prompt, bound, size = pending
        outputs = ("turnaround", "expressions") if name.startswith("character_sheet") else ("restyled",)
        picture = Image.fromarray(np.full((size[1], size[0], 3), 128, np.uint8))
        return {out: GenerationResult(picture, name, bound, api_prompt=prompt) for out in outputs}


def classes(prompt: dict) -> dict[str, dict]:
    return {node["class_type"]: node["inputs"] for node in prompt.values()}


@pytest.fixture
def maya(tmp_path: Path) -> Character:
    return save_entry(Character(name="Maya", description="red coat", seed=3), tmp_path / "lib")  # type: ignore


def test_the_sheet_step_draws_with_the_styles_family(object_info_core: dict, maya: Character, tmp_path: Path) -> None:
    backend = RecordingBackend(with_models(object_info_core, TINY))
    result = make_character_sheet(backend, maya, tmp_path / "lib", resolve_style("ink-flux"), size=(128, 64), steps=1)
    (name, prompt, images), *_ = backend.runs
    assert name == "character_sheet_flux" and images == set()  # no pose upload: Flux has no ControlNet
    sent = classes(prompt)
    assert sent["UNETLoader"]["unet_name"] == "inkframe-tiny-flux1-dev-v1.safetensors"
    assert sent["EmptySD3LatentImage"]["width"] == 128 and sent["KSampler"]["steps"] == 1
    assert set(result.sheets) == {"turnaround", "expressions"} and len(result.references) == 7
    assert result.notes == []  # the ink-flux style has no negative prompt, so nothing was left out


def test_an_sdxl_sheet_is_posed_by_the_backends_sdxl_openpose(
    object_info_core: dict, maya: Character, tmp_path: Path
) -> None:
    plain = RecordingBackend(with_models(object_info_core, TINY))
    make_character_sheet(plain, maya, tmp_path / "lib", resolve_style("anime-xl"), size=(128, 64))
    assert "ControlNetApplyAdvanced" not in classes(plain.runs[0][1]) and plain.runs[0][2] == set()
    posed = RecordingBackend(with_models(object_info_core, merged(TINY, {"controlnet": [SDXL_POSE]})))
    result = make_character_sheet(posed, maya, tmp_path / "lib", resolve_style("anime-xl"), size=(128, 64))
    name, prompt, images = posed.runs[0]
    sent = classes(prompt)
    assert name == "character_sheet_sdxl" and images == {"turnaround_pose"}
    assert sent["ControlNetLoader"]["control_net_name"] == SDXL_POSE
    assert sent["CheckpointLoaderSimple"]["ckpt_name"] == "inkframe-tiny-sdxl-v1.safetensors"
    assert result.notes == []


def test_photos_are_restyled_by_the_family_and_sd15_keeps_its_builtins(
    object_info_core: dict, maya: Character, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((96, 80, 3), 90, np.uint8)).save(photo)
    backend = RecordingBackend(with_models(object_info_core, TINY))
    make_character_sheet(backend, maya, tmp_path / "lib", resolve_style("ink"), photos=[photo], family="qwen_image")
    name, prompt, images = backend.runs[0]
    sent = classes(prompt)
    assert name == "img2img_restyle_qwen" and images == {"image"}
    assert sent["KSampler"]["denoise"] == 0.45 and sent["ImageScale"]["width"] == 64
    sd15_files = {
        "checkpoints": ["v1-5-pruned-emaonly.safetensors"],
        "controlnet": ["control_v11p_sd15_openpose_fp16.safetensors"],
    }
    sd15 = RecordingBackend(with_models(object_info_core, sd15_files))
    make_character_sheet(sd15, maya, tmp_path / "lib", resolve_style("ink"), photos=[photo])
    make_character_sheet(sd15, maya, tmp_path / "lib", resolve_style("ink"), size=(128, 64))
    assert [run[0] for run in sd15.runs] == ["img2img_restyle", "character_sheet"]
    with pytest.raises(BookError, match="SDXL \\(eps\\) is not on this backend"):
        make_character_sheet(sd15, maya, tmp_path / "lib", resolve_style("anime-xl"), size=(128, 64))


@pytest.mark.parametrize("capability", ["panel", "background", "character_sheet", "img2img_restyle"])
def test_an_all_in_one_flux_checkpoint_runs_the_checkpoint_twin(capability: str) -> None:
    aio = detect_families({"checkpoints": ["flux1-dev-fp8.safetensors", "flux1-schnell-fp8.safetensors"]})
    dev, schnell = choose_family(capability, aio, "flux1_dev"), choose_family(capability, aio, "flux1_schnell")
    twin = f"{WORKFLOWS[(capability, 'flux1_dev')].workflow}_checkpoint"
    assert dev.workflow == schnell.workflow == twin and twin in FLUX_CHECKPOINT_WORKFLOWS
    assert dev.parameters == {"checkpoint": "flux1-dev-fp8.safetensors"}
    assert schnell.parameters == {"checkpoint": "flux1-schnell-fp8.safetensors", "steps": 4, "guidance": 0.0}
    workflow = load_workflow(resolve_workflow(twin))
    types = {n["type"] for n in workflow.raw["nodes"]}
    assert "CheckpointLoaderSimple" in types and not types & {"UNETLoader", "DualCLIPLoader", "VAELoader"}
    split = load_workflow(resolve_workflow(twin.removesuffix("_checkpoint")))
    assert {p.name for p in workflow.parameters} == {p.name for p in split.parameters} - {
        "unet",
        "clip_l",
        "t5",
        "vae",
    } | {"checkpoint"}
    # split files beside the checkpoint: the split layout wins (the built-ins' own)
    both = detect_families({**SPLIT_FLUX, "checkpoints": ["flux1-dev-fp8.safetensors"]})
    assert choose_family(capability, both, "flux1_dev").workflow == twin.removesuffix("_checkpoint")


def test_a_book_panel_on_an_all_in_one_flux_checkpoint(object_info_core: dict) -> None:
    backend = RecordingBackend(with_models(object_info_core, {"checkpoints": ["flux1-dev-fp8.safetensors"]}))
    result = backend.generate(
        GenerationRequest(
            workflow="panel", positive="maya", negative="", seed=1, width=64, height=64, family="flux1_dev"
        )
    )
    sent = classes(result.api_prompt)
    assert result.workflow == "panel_flux_checkpoint"
    assert sent["CheckpointLoaderSimple"]["ckpt_name"] == "flux1-dev-fp8.safetensors" and "FluxGuidance" in sent


SDXL_IPADAPTER = {
    "ipadapter": ["ip-adapter-plus_sdxl_vit-h.safetensors", "ip-adapter-plus_sd15.safetensors"],
    "clip_vision": ["CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors"],
}


def test_an_sdxl_panel_keeps_its_character_by_ipadapter_when_the_backend_has_the_sdxl_files() -> None:
    with_files = choose_family("panel", detect_families(merged(TINY, SDXL_IPADAPTER)), "sdxl", references=True)
    assert (with_files.workflow, with_files.ipadapter, with_files.reference_edit) == ("panel_sdxl", True, False)
    assert {"IPAdapterUnifiedLoader", "IPAdapter"} <= with_files.enable
    vpred = choose_family("panel", detect_families(merged(TINY, SDXL_IPADAPTER)), "sdxl_vpred", references=True)
    assert vpred.enable == {"IPAdapterUnifiedLoader", "IPAdapter", "ModelSamplingDiscrete"}
    # no references: no IPAdapter; no SDXL files (only SD1.5's): reference editing as for the other families
    assert not choose_family("panel", detect_families(merged(TINY, SDXL_IPADAPTER)), "sdxl").ipadapter
    sd15_only = {"ipadapter": ["ip-adapter-plus_sd15.safetensors"], "clip_vision": SDXL_IPADAPTER["clip_vision"]}
    edit = choose_family("panel", detect_families(merged(TINY, sd15_only)), "sdxl", references=True)
    assert edit.workflow == "panel_flux_kontext" and not edit.ipadapter
    alone = choose_family("panel", detect_families({"checkpoints": TINY["checkpoints"]}), "sdxl", references=True)
    assert alone.workflow == "panel_sdxl" and not alone.ipadapter
    assert alone.notes[0].startswith("SDXL (eps) has no IPAdapter files here (ip-adapter-plus_sdxl_vit-h, ViT-H)")


def test_the_sdxl_ipadapter_prompt_carries_the_reference(comfy_shared: Path, tmp_path: Path) -> None:
    from app.workflows.lint import recorded_object_info

    info = with_models(recorded_object_info(comfy_shared), merged(TINY, SDXL_IPADAPTER))
    reference = tmp_path / "maya.png"
    Image.fromarray(np.full((40, 30, 3), (200, 40, 40), np.uint8)).save(reference)
    request = GenerationRequest(
        workflow="panel", positive="maya", negative="", seed=1, width=64, height=64, references=(reference,)
    )
    result = RecordingBackend(info).generate(request)  # no family named: SDXL is the backend's first image family
    sent = classes(result.api_prompt)
    assert result.workflow == "panel_sdxl" and sent["IPAdapterUnifiedLoader"]["preset"] == "PLUS (high strength)"
    assert sent["LoadImage"]["image"] == "a.png" and sent["IPAdapter"]["weight"] == 0.7
    assert result.notes == ["kept by IPAdapter (SDXL plus) from the character reference maya.png."]
    plain = RecordingBackend(info).generate(GenerationRequest("panel", "maya", "", 1, 64, 64))
    assert "IPAdapter" not in classes(plain.api_prompt)  # the pair stays bypassed without a reference


def test_a_location_plate_from_a_photo_is_restyled_by_the_books_family(object_info_core: dict) -> None:
    backend = RecordingBackend(with_models(object_info_core, TINY))
    photo = Image.fromarray(np.full((64, 128, 3), 90, np.uint8))
    request = GenerationRequest("img2img_restyle", "harbour", "people", 4, 128, 64, init_image=photo, strength=0.5)
    result = backend.generate(replace(request, family="sdxl_vpred"))
    sent = classes(result.api_prompt)
    assert result.workflow == "img2img_restyle_sdxl" and sent["KSampler"]["denoise"] == 0.5
    assert "ModelSamplingDiscrete" in sent and sent["ImageScale"]["width"] == 128
    with pytest.raises(BookError, match="needs its source picture"):
        backend.generate(replace(request, family="flux1_dev", init_image=None))


def test_the_characters_and_locations_pickers_offer_every_familys_workflow():
    from app.services.choices import family_workflows

    sheets = family_workflows("character_sheet")
    assert sheets[0] == "character_sheet" and {"character_sheet_sdxl", "character_sheet_flux"} <= set(sheets)
    assert "character_sheet_flux_checkpoint" in sheets and "character_sheet_qwen" in sheets
    places = family_workflows("background", "img2img_restyle")
    assert places[:2] == ["background", "background_sdxl"] and "img2img_restyle_qwen" in places
    assert len(places) == len(set(places))
