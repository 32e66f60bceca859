"""The image families' built-in workflows and books on a live stock ComfyUI with the tiny family models.

For each family server (SDXL, Flux.1, Qwen-Image; one at a time, stopped after its test): every built-in workflow of
that family (workflows/panel_*.json, background_*.json, the reference-edit panels) runs through the app's own path
(ComfyBackend: the family choice of app/workflows/family_choice.py from the server's /object_info, conversion,
parameter binding, preflight) and yields a decodable picture of the panel's size; then a one-page book builds with
panels from that family, the character's panel made by reference editing where the server has an edit family
(Kontext, Qwen-Image-Edit-2509), with the identity gate's retries going through the same path.
Needs COMFYUI_PATH + COMFYUI_PYTHON (see tests/integration/family_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.book.build_types import BuildOptions
from app.book.comfy_backend import ComfyBackend
from app.config import Config
from app.services.book_service import build_book
from app.workflows.family_choice import choose_family, reference_enable
from tests.unit.book_helpers import StatsEmbedder

from .family_fixtures import comfy_env, start_family_server
from .test_families_live import FAMILY_TIMEOUTS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]  # Qwen-Edit's vision tower: minutes per run on CPU
SIZE = (64, 64)
SCRIPT = """Title: Family {family}
Page size: a5
DPI: 72
Style: {style}
Cast:
- MAYA: lighthouse keeper, red raincoat, short dark hair

PAGE 1

PANEL 1. The sea at night under a storm.
Shot: wide

PANEL 2. Maya wrestles with a rusted lever.
Shot: medium
Characters: MAYA (center)
MAYA: Hold the light steady!
"""


@contextmanager
def family_server(family: str, workdir: Path) -> Iterator[str]:
    if comfy_env() is None:
        pytest.skip(
            "no ComfyUI to run the family workflows on: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny models are "
            "built with ComfyUI's own classes and a server is started with them)"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    server = start_family_server(family, workdir, FAMILY_TIMEOUTS)
    try:
        yield server.url
    finally:
        server.stop()


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    rng = np.random.default_rng(sum(colour))
    pixels = np.clip(np.full((*SIZE, 3), colour, np.float64) + rng.normal(0, 20, (*SIZE, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def run_family(backend: ComfyBackend, capability: str, family: str, references: tuple[Path, ...] = ()) -> dict:
    choice = choose_family(capability, backend.families(), family, references=bool(references))
    images = {
        key: Image.open(p).convert("RGB")
        for key, p in zip(("reference_image", "reference_image_2", "reference_image_3"), references)
    }
    params = {**choice.parameters, "seed": 3, "steps": 1, "prompt": "comic panel, a lighthouse keeper"}
    if choice.reference_edit:
        params["reference_megapixels"] = 0.01
    enable = set(choice.enable) | reference_enable(choice, len(references))
    result = backend.run(choice.workflow, params, images, enable=enable, size=SIZE)
    assert result.image.size == SIZE and np.asarray(result.image).std() > 0, choice.workflow
    classes = {node["class_type"] for node in result.api_prompt.values()}
    return {
        "workflow": choice.workflow,
        "classes": classes,
        "prompt": result.api_prompt,
        "seconds": round(result.wall_s, 1),
    }


def book(tmp_path: Path, url: str, family: str | None, style: str, *, retries: int = 0) -> list:
    root = tmp_path / "book"
    (root / "library" / "characters" / "maya" / "references").mkdir(parents=True, exist_ok=True)
    (root / "book.txt").write_text(SCRIPT.format(family=family or style, style=style), encoding="utf-8")
    (root / "library" / "characters" / "maya" / "character.yaml").write_text(
        "name: Maya\ndescription: woman in a red raincoat\nseed: 42\n", encoding="utf-8"
    )
    picture(root / "library" / "characters" / "maya" / "references" / "front.png", (200, 40, 40))
    config = Config.model_validate(
        {
            "gates": {
                "identity_threshold": 0.9999 if retries else 0.0,
                "identity_retries": retries,
                "identity_repairs": 0,
            },
            "comfyui": {"timeouts": FAMILY_TIMEOUTS.model_dump()},
        }
    )
    options = BuildOptions(
        script=root / "book.txt",
        out_dir=root / "out",
        library_dir=root / "library",
        max_side=64,
        steps=1,
        family=family,
        formats=("png",),
    )
    result = build_book(options, config, url, embedder=StatsEmbedder())
    assert [r.status for r in result.records] == ["done", "done"], [r.notes for r in result.records]
    assert (root / "out" / "book" / "page_001.png").is_file()
    return sorted(result.records, key=lambda r: r.panel)


def test_sdxl_workflows_and_book(tmp_path: Path) -> None:
    with family_server("sdxl", tmp_path / "server") as url, ComfyBackend(url, timeouts=FAMILY_TIMEOUTS) as backend:
        assert {"sdxl", "sdxl_vpred"} <= set(backend.families().present)
        eps = run_family(backend, "panel", "sdxl")
        vpred = run_family(backend, "panel", "sdxl_vpred")
        assert eps["workflow"] == vpred["workflow"] == "panel_sdxl"
        assert "ModelSamplingDiscrete" in vpred["classes"] and "ModelSamplingDiscrete" not in eps["classes"]
        assert run_family(backend, "background", "sdxl")["workflow"] == "background_sdxl"
        records = book(tmp_path, url, None, "anime-xl")  # the style preset names the family
    assert [r.workflow for r in records] == ["panel_sdxl", "panel_sdxl"]
    # no IPAdapter and no edit family on this server: the reference feeds the identity gate only, and says so
    assert any("identity gate only" in note for note in records[1].notes)


def test_flux_workflows_and_book_with_kontext_reference_edit(tmp_path: Path) -> None:
    sheet = picture(tmp_path / "sheet.png", (40, 160, 200))
    with family_server("flux", tmp_path / "server") as url, ComfyBackend(url, timeouts=FAMILY_TIMEOUTS) as backend:
        assert {"flux1_dev", "flux1_kontext"} <= set(backend.families().present)
        assert run_family(backend, "panel", "flux1_dev")["workflow"] == "panel_flux"
        assert run_family(backend, "background", "flux1_dev")["workflow"] == "background_flux"
        edit = run_family(backend, "panel", "flux1_dev", (sheet,))
        assert edit["workflow"] == "panel_flux_kontext" and "ReferenceLatent" in edit["classes"]
        records = book(tmp_path, url, "flux1_dev", "ink", retries=1)
    assert [r.workflow for r in records] == ["panel_flux", "panel_flux_kontext"]
    maya = records[1]
    # the identity gate retried with a new seed, and the retry was reference-edited too
    assert [a.kind for a in maya.attempts] == ["generate", "retry"] and len({a.seed for a in maya.attempts}) == 2
    sent = {node["class_type"]: node["inputs"] for node in maya.api_prompt.values()}
    assert "ReferenceLatent" in sent and sent["LoadImage"]["image"].startswith("inkframe_book_")
    assert any("Flux.1 Kontext" in note for note in maya.notes)


def test_qwen_workflows_and_book_with_edit_2509(tmp_path: Path) -> None:
    refs = tuple(
        picture(tmp_path / f"ref{i}.png", colour)
        for i, colour in enumerate(((200, 40, 40), (40, 200, 40), (40, 40, 200)))
    )
    with family_server("qwen", tmp_path / "server") as url, ComfyBackend(url, timeouts=FAMILY_TIMEOUTS) as backend:
        assert {"qwen_image", "qwen_image_edit_2509"} <= set(backend.families().present)
        assert run_family(backend, "panel", "qwen_image")["workflow"] == "panel_qwen"
        assert run_family(backend, "background", "qwen_image")["workflow"] == "background_qwen"
        three = run_family(backend, "panel", "qwen_image_edit_2509", refs)
        encoder = next(
            n
            for n in three["prompt"].values()
            if n["class_type"] == "TextEncodeQwenImageEditPlus" and "image1" in n["inputs"]
        )
        assert {"image1", "image2", "image3"} <= set(encoder["inputs"])
        records = book(tmp_path, url, None, "ink-qwen")
    assert [r.workflow for r in records] == ["panel_qwen", "panel_qwen_edit"]
    encoder = next(
        n["inputs"]
        for n in records[1].api_prompt.values()
        if n["class_type"] == "TextEncodeQwenImageEditPlus" and "image1" in n["inputs"]
    )
    assert "image2" not in encoder  # one character reference: the bypassed 2nd / 3rd stay out
