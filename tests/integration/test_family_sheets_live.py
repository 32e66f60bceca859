"""Character sheets per model family on a live stock ComfyUI with the tiny family models (one family server at a time,
stopped after its test): the book's sheet step (app/book/sheets.make_character_sheet through ComfyBackend, the
family picked from the style preset, workflows from app/workflows/family_choice.py) makes the turnaround and the
expression sheet from text, then redraws a photo with the family's img2img restyle; every picture comes back
decodable at the asked size, and the sheet's cells are saved as the character's references. An all-in-one Flux.1
checkpoint (one models/checkpoints file) runs the `*_flux_checkpoint` twins the same way.

SDXL: the turnaround skeleton poses the sheet through a tiny random-weight SDXL OpenPose ControlNet
(tests/integration/sheet_fixtures.py) that the server lists in models/controlnet. Flux.1 and Qwen-Image: the sheet
from the prompt. Needs COMFYUI_PATH + COMFYUI_PYTHON (see tests/integration/family_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.book.backend import GenerationRequest, GenerationResult
from app.book.comfy_backend import ComfyBackend
from app.book.library import Character, save_entry
from app.book.sheets import make_character_sheet
from app.book.styles import resolve_style

from .family_fixtures import comfy_env, start_family_server
from .test_families_live import FAMILY_TIMEOUTS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
SHEET = (128, 64)  # the sheet's 2:1 aspect, tiny
PHOTO = (64, 64)


class SeeingBackend(ComfyBackend):
    """ComfyBackend that keeps every run's results (workflow, API prompt) for the test to look at."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[dict[str, GenerationResult]] = []

    def _finish(self, pending: Any) -> dict[str, GenerationResult]:
        results = super()._finish(pending)
        self.seen.append(results)
        return results


@contextmanager
def family_backend(
    family: str, workdir: Path, extra_paths: tuple[Path, ...] = (), custom_nodes: tuple[Path, ...] = ()
) -> Iterator[SeeingBackend]:
    workdir.mkdir(parents=True, exist_ok=True)
    server = start_family_server(family, workdir, FAMILY_TIMEOUTS, extra_paths, custom_nodes)
    try:
        with SeeingBackend(server.url, timeouts=FAMILY_TIMEOUTS) as backend:
            yield backend
    finally:
        server.stop()


def needs_comfyui() -> None:
    if comfy_env() is None:
        pytest.skip(
            "no ComfyUI to make the family sheets on: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny models are "
            "built with ComfyUI's own classes and a server is started with them)"
        )


def decodable(path: Path, size: tuple[int, int]) -> None:
    with Image.open(path) as image:
        image.load()
        assert image.size == size and image.format == "PNG", (path, image.size)
        assert np.asarray(image.convert("RGB")).std() > 0, path


def sheets_of(backend: SeeingBackend, library: Path, style: str) -> tuple[list[str], set[str]]:
    """A sheet from text, then one from a photo, for a new character; (workflows run, node types of the sheet)."""
    maya = save_entry(Character(name="Maya", description="woman in a red raincoat", seed=7), library)
    text = make_character_sheet(backend, maya, library, resolve_style(style), size=SHEET, steps=1)  # type: ignore
    assert set(text.sheets) == {"turnaround", "expressions"}
    for path in text.sheets.values():
        decodable(path, SHEET)
    assert len(text.references) == 7 and all(p.is_file() for p in text.references)
    photo = library / "photo.png"
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 255, (*PHOTO[::-1], 3), dtype=np.uint8)).save(photo)
    redrawn = make_character_sheet(backend, text.character, library, resolve_style(style), photos=[photo], steps=1)
    decodable(redrawn.sheets["photos"], PHOTO)
    workflows = [next(iter(run.values())).workflow for run in backend.seen]
    sheet_prompt = next(iter(backend.seen[0].values())).api_prompt
    return workflows, {node["class_type"] for node in sheet_prompt.values()}


def test_sdxl_sheet_posed_by_an_sdxl_openpose_controlnet_and_photo_restyled(tmp_path: Path) -> None:
    needs_comfyui()
    from .sheet_fixtures import CONTROLNET, sdxl_openpose_paths

    (tmp_path / "server").mkdir()
    paths = (sdxl_openpose_paths(tmp_path / "server"),)
    with family_backend("sdxl", tmp_path / "server", paths) as backend:
        assert CONTROLNET in backend.families().controlnets
        workflows, classes = sheets_of(backend, tmp_path / "library", "anime-xl")
        sheet = next(iter(backend.seen[0].values())).api_prompt
    assert workflows == ["character_sheet_sdxl", "img2img_restyle_sdxl"]
    assert {"ControlNetLoader", "ControlNetApplyAdvanced"} <= classes
    loader = next(n["inputs"] for n in sheet.values() if n["class_type"] == "ControlNetLoader")
    assert loader["control_net_name"] == CONTROLNET


def test_flux_sheet_from_the_prompt_and_photo_restyled(tmp_path: Path) -> None:
    needs_comfyui()
    with family_backend("flux", tmp_path / "server") as backend:
        workflows, classes = sheets_of(backend, tmp_path / "library", "ink-flux")
    assert workflows == ["character_sheet_flux", "img2img_restyle_flux"]
    assert "FluxGuidance" in classes and "ControlNetLoader" not in classes


def test_qwen_sheet_from_the_prompt_and_photo_restyled(tmp_path: Path) -> None:
    needs_comfyui()
    with family_backend("qwen", tmp_path / "server") as backend:
        workflows, classes = sheets_of(backend, tmp_path / "library", "ink-qwen")
    assert workflows == ["character_sheet_qwen", "img2img_restyle_qwen"]
    assert "ModelSamplingAuraFlow" in classes


def test_an_all_in_one_flux_checkpoint_makes_panels_sheets_and_restyles(tmp_path: Path) -> None:
    """A backend whose Flux.1 dev is one models/checkpoints file (beside SDXL, without the split Flux files): the
    `*_flux_checkpoint` twins run through CheckpointLoaderSimple."""
    needs_comfyui()
    from .sheet_fixtures import FLUX_CHECKPOINT, flux_checkpoint_paths

    (tmp_path / "server").mkdir()
    paths = (flux_checkpoint_paths(tmp_path / "server"),)
    with family_backend("sdxl", tmp_path / "server", paths) as backend:
        found = backend.families().present["flux1_dev"].files
        assert found == {"checkpoint": [FLUX_CHECKPOINT]}
        workflows, classes = sheets_of(backend, tmp_path / "library", "ink-flux")
        panel = backend.generate(
            GenerationRequest(
                workflow="panel",
                positive="a keeper",
                negative="",
                seed=2,
                width=64,
                height=64,
                steps=1,
                family="flux1_dev",
            )
        )
        background = backend.generate(
            GenerationRequest(
                workflow="background",
                positive="a harbour at dusk",
                negative="",
                seed=3,
                width=64,
                height=64,
                steps=1,
                family="flux1_dev",
            )
        )
    assert workflows == ["character_sheet_flux_checkpoint", "img2img_restyle_flux_checkpoint"]
    assert "CheckpointLoaderSimple" in classes and "UNETLoader" not in classes
    for made, workflow in ((panel, "panel_flux_checkpoint"), (background, "background_flux_checkpoint")):
        assert made.workflow == workflow and made.image.size == (64, 64)
        assert np.asarray(made.image).std() > 0


def test_an_sdxl_panel_keeps_its_character_by_ipadapter(tmp_path: Path) -> None:
    """SDXL with ComfyUI_IPAdapter_plus and tiny ip-adapter-plus_sdxl_vit-h + ViT-H files: a character panel runs
    panel_sdxl with its IPAdapter pair on (no reference editing), and a book's character panel too, its identity
    retry included."""
    needs_comfyui()
    from .pack_fixtures import custom_nodes_dir, packs_dir
    from .sheet_fixtures import sdxl_ipadapter_paths
    from .test_image_families_live import book, picture

    root, why = packs_dir(("ComfyUI_IPAdapter_plus",))
    if root is None:
        pytest.skip(f"the SDXL IPAdapter panel needs ComfyUI_IPAdapter_plus: {why}")
    (tmp_path / "server").mkdir()
    paths = (sdxl_ipadapter_paths(tmp_path / "server", root),)
    packs = (custom_nodes_dir(root, ("ComfyUI_IPAdapter_plus",), tmp_path / "server"),)
    reference = picture(tmp_path / "maya.png", (200, 40, 40))
    with family_backend("sdxl", tmp_path / "server", paths, packs) as backend:
        request = GenerationRequest(
            workflow="panel",
            positive="maya",
            negative="",
            seed=2,
            width=64,
            height=64,
            steps=1,
            references=(reference,),
            family="sdxl",
        )
        panel = backend.generate(request)
        records = book(tmp_path, backend.url, None, "anime-xl", retries=1)
    sent = {node["class_type"]: node["inputs"] for node in panel.api_prompt.values()}
    assert panel.workflow == "panel_sdxl" and {"IPAdapterUnifiedLoader", "IPAdapter"} <= set(sent)
    assert panel.image.size == (64, 64) and np.asarray(panel.image).std() > 0
    assert not any(note.startswith("IPAdapter not used") for note in panel.notes), panel.notes
    maya = records[1]
    assert maya.workflow == "panel_sdxl" and [a.kind for a in maya.attempts] == ["generate", "retry"]
    assert "IPAdapter" in {node["class_type"] for node in maya.api_prompt.values()}
