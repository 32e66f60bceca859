"""IPAdapter (ComfyUI_IPAdapter_plus, checked out outside the repository at its pin, see pack_fixtures.py) executes
for real on a live stock ComfyUI with tiny random-weight files of the formats its 'PLUS (high strength)' preset
loads: a ViT-H CLIP vision encoder and an ip-adapter-plus_sd15-layout file (pack_builders/build_ipadapter.py), on
the SD1.5 full-block-layout checkpoint of the AnimateDiff fixture (the ip-adapter's to_k_ip / to_v_ip widths are
those of SD1.5's cross-attentions; the tiny SD1.5 fixture's narrower UNet would not take them).

The `panel` built-in goes through the book's own path (ComfyBackend.generate): a request with a character
reference switches on the workflow's bypassed IPAdapter pair, uploads the reference, binds, preflights and runs.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.book.backend import BackendUnavailable, GenerationRequest
from app.book.comfy_backend import ComfyBackend
from app.book.workflow_planner import IPADAPTER_NODES
from app.book.workflow_prompt import build_workflow_prompt
from app.config import Timeouts

from .family_fixtures import comfy_env
from .pack_fixtures import MODELS, packs_dir, start_pack_server

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=900, ready=300)
PACK = "ComfyUI_IPAdapter_plus"
SIZE = 64


def server_for(packs: tuple[str, ...], workdir: Path):
    if comfy_env() is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON: the tiny models are built with ComfyUI's classes")
    root, why = packs_dir((PACK,))  # the builder imports the pack's Resampler even when the server runs without it
    if root is None:
        pytest.skip(why)
    return start_pack_server("ipadapter", packs, root, workdir, TIMEOUTS, also=("animatediff",))


def panel_request(reference: Path | None) -> GenerationRequest:
    return GenerationRequest(
        workflow="panel",
        positive="comic book panel, a lighthouse keeper in a red raincoat",
        negative="blurry",
        seed=3,
        width=SIZE,
        height=SIZE,  # below the form's 256 minimum: CPU
        steps=2,
        checkpoint=MODELS["animatediff"].file("checkpoint"),
        references=(reference,) if reference else (),
    )


def reference_picture(path: Path) -> Path:
    """A character reference: a red figure on a pale ground (not square: the pack centre-crops it to 224)."""
    picture = Image.new("RGB", (96, 128), (235, 230, 220))
    picture.paste((200, 30, 30), (30, 30, 66, 118))
    picture.paste((60, 40, 30), (36, 8, 60, 32))
    picture.save(path)
    return path


def test_panel_with_a_character_reference_runs_ipadapter(tmp_path: Path) -> None:
    server = server_for((PACK,), tmp_path)
    try:
        with ComfyBackend(server.url, timeouts=TIMEOUTS, prompt_timeout=TIMEOUTS.prompt) as backend:
            assert backend.capabilities()["ipadapter"] == ""
            started = time.monotonic()
            with_reference = backend.generate(panel_request(reference_picture(tmp_path / "maya.png")))
            elapsed = time.monotonic() - started
            without = backend.generate(panel_request(None))
    finally:
        server.stop()
    assert not any("IPAdapter" in note for note in with_reference.notes), with_reference.notes
    ran = {node["class_type"]: node["inputs"] for node in with_reference.api_prompt.values()}
    assert set(IPADAPTER_NODES) <= set(ran) and ran["IPAdapterUnifiedLoader"]["preset"] == "PLUS (high strength)"
    assert not set(IPADAPTER_NODES) & {node["class_type"] for node in without.api_prompt.values()}
    saved = sorted((tmp_path / "output").rglob("*.png"))  # ComfyUI's SaveImage files, what the backend downloaded
    assert len(saved) == 2, saved
    for path in saved:
        with Image.open(path) as png:
            assert (png.format, png.size) == ("PNG", (SIZE, SIZE))
    assert with_reference.image.size == (SIZE, SIZE)
    # the reference conditioned the sampling: same seed, prompt and model, another picture
    assert not np.array_equal(np.asarray(with_reference.image), np.asarray(without.image))
    print(f"\n[panel + IPAdapter] {elapsed:.1f} s, overhead {with_reference.overhead_ms:.0f} ms")


def test_panel_with_a_reference_without_the_pack_names_it(tmp_path: Path) -> None:
    """On a ComfyUI without the pack, the book says so in one sentence and the enabled graph fails preflight naming
    the pack (no execution)."""
    server = server_for((), tmp_path)
    try:
        with ComfyBackend(server.url, timeouts=TIMEOUTS) as backend:
            reason = backend.capabilities()["ipadapter"]
            uploaded = backend.client.upload_image(reference_picture(tmp_path / "maya.png")).reference
            with pytest.raises(BackendUnavailable) as refused:
                build_workflow_prompt(
                    backend.workflow("panel"),
                    "panel",
                    {"checkpoint": MODELS["animatediff"].file("checkpoint")},
                    {"reference_image": uploaded},
                    IPADAPTER_NODES,
                    (SIZE, SIZE),
                    backend.client.object_info(refresh=True),  # the upload joins LoadImage's list
                    where=backend.url,
                )
    finally:
        server.stop()
    assert "comfyui_ipadapter_plus" in reason and reason.count(". ") == 0, reason
    message = str(refused.value)
    assert PACK in message and message.rstrip(".").count(". ") == 0, message
    print(f"\n[panel without {PACK}] {reason} | {message}")
