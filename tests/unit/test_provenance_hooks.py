"""Content Credentials where the studio writes outputs: face swap, composed pages, and `main.py provenance`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from app.config import Config
from app.provenance import read_credentials
from app.services.compose_service import render_pages, start_draft
from tests.modelkit import astronaut, build_catalog, ffmpeg_available, make_face_clip, mediapipe_available

from .provenance_helpers import change_png_pixel, write_picture

REPO = Path(__file__).resolve().parents[2]
needs_faceswap = pytest.mark.skipif(
    not (ffmpeg_available() and mediapipe_available()),
    reason="needs ffmpeg and mediapipe 0.10.21 (ships the face detector)",
)


@needs_faceswap
def test_face_swap_outputs_list_target_and_face_source(tmp_path: Path) -> None:
    from app.services.faceswap_service import FaceSwapRequest, FaceSwapService

    catalog, _ = build_catalog(enhancer=False, genderage=False)
    config = Config(app={"data_dir": str(tmp_path / "data")}, faceswap={"detector": "mediapipe", "threads": 1})
    service = FaceSwapService(config, catalog=catalog, classifier=lambda frame: 0.0)
    Image.fromarray(astronaut()).save(tmp_path / "target.png")
    Image.fromarray(astronaut()[:, ::-1].copy()).save(tmp_path / "face.jpg")
    make_face_clip(tmp_path / "clip.mp4", astronaut(), frames=6, fps=10, audio=False)
    for target, out in (("target.png", "swap.png"), ("clip.mp4", "swap.mp4")):
        service.swap(
            FaceSwapRequest(
                sources=[tmp_path / "face.jpg"],
                target=tmp_path / target,
                out=tmp_path / out,
                consent=True,
                enhancer="none",
            )
        )
        report = read_credentials(tmp_path / out)
        assert report.state == "untrusted", report.problems
        assert report.actions == ["c2pa.opened", "c2pa.edited"]
        assert report.generation == {"operation": "face swap", "consent_confirmed": True}
        assert [(i.title, i.role) for i in report.ingredients] == [(target, "parent"), ("face.jpg", "face_source")]
    assert (tmp_path / "data" / "provenance" / "local-signer.key").is_file()  # the local identity, made on first use


def test_composed_page_lists_its_panels(tmp_path: Path) -> None:
    panels = [write_picture(tmp_path / f"p01_panel0{n}.png", seed=n, size=64) for n in (1, 2)]
    draft = render_pages(start_draft(panels, tmp_path / "work", page_size="a5", dpi=40, panels_per_page=2))
    report = read_credentials(draft.page_files[1])
    assert report.state == "untrusted", report.problems
    assert report.actions == ["c2pa.created", "c2pa.placed", "c2pa.placed"]
    assert sorted(i.title for i in report.ingredients) == ["p01_panel01.png", "p01_panel02.png"]


def test_cli_reports_untrusted_then_tampered_after_an_outside_edit(tmp_path: Path) -> None:
    panels = [write_picture(tmp_path / "p01_panel01.png", seed=1, size=64)]
    page = render_pages(start_draft(panels, tmp_path / "work", page_size="a5", dpi=40, panels_per_page=1)).page_files[1]
    unsigned = write_picture(tmp_path / "plain.png")

    def cli(*files: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "main.py", "provenance", *map(str, files)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = cli(page)
    assert first.returncode == 0, first.stderr
    assert "page-001.png: untrusted (signature intact; the signer is not on a trust list)" in first.stdout
    assert "actions: c2pa.created, c2pa.placed [compositeWithTrainedAlgorithmicMedia]" in first.stdout
    assert "ingredient: p01_panel01.png (componentOf, panel" in first.stdout
    assert '"Untrusted signer" means' in first.stdout
    change_png_pixel(page)
    second = cli(page, unsigned)
    assert second.returncode == 1
    assert "page-001.png: tampered" in second.stdout and "assertion.dataHash.mismatch" in second.stdout
    assert "plain.png: unsigned" in second.stdout


def test_ui_rows_and_settings_text(tmp_path: Path) -> None:
    from app.services.provenance_service import credential_rows, settings_text

    config = Config(app={"data_dir": str(tmp_path / "data")})
    panel = write_picture(tmp_path / "p01_panel01.png", seed=1, size=64)
    page = render_pages(start_draft([panel], tmp_path / "work", page_size="a5", dpi=40, panels_per_page=1)).page_files[
        1
    ]
    rows = credential_rows([page, panel], config)
    assert rows[0]["state"] == "untrusted" and rows[0]["ingredients"] == ["p01_panel01.png (panel)"]
    assert rows[1] == {
        "file": "p01_panel01.png",
        "state": "unsigned",
        "signer": "",
        "actions": [],
        "ingredients": [],
        "note": "no Content Credentials in the file",
    }
    assert 'local identity, which verifiers show as an "untrusted signer": the file is intact' in settings_text(config)
    mine = Config(provenance={"cert": "me.pem", "key": "me.key", "allow_unsigned": True})
    assert settings_text(mine) == (
        "every output is signed with C2PA Content Credentials by your certificate me.pem; "
        "outputs are written unsigned (and say so) when signing fails"
    )


def test_queue_outputs_are_signed_with_the_prompt_they_carry(tmp_path: Path) -> None:
    import io
    import json
    from dataclasses import dataclass

    from PIL import PngImagePlugin

    from app.jobs.runner_follow import save_outputs

    from .provenance_helpers import COMFY_PROMPT

    @dataclass
    class File:
        node_id: str
        filename: str
        kind: str
        data: bytes

    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(COMFY_PROMPT))
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (9, 9, 9)).save(buffer, "PNG", pnginfo=info)
    (saved,) = save_outputs([File("9", "ComfyUI_00001_.png", "image", buffer.getvalue())], "job1", tmp_path)
    report = read_credentials(tmp_path / saved.path)
    assert report.state == "untrusted"
    assert report.generation == {"operation": "generate", "models": ["tiny.safetensors"], "seed": 1234}


@pytest.mark.skipif(not ffmpeg_available(), reason="needs ffmpeg")
def test_run_tags_a_video_before_signing_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, object_info_core) -> None:
    """`main.py run` gives a ComfyUI video its container tags and then its credentials: tagging after signing
    would make the credentials read as tampered."""
    import json

    from app.comfy.results import OutputFile, PromptResult
    from app.media import read_tags
    from app.services import run_service

    from .provenance_helpers import write_video

    clip = write_video(tmp_path / "clip.mp4").read_bytes()
    workflow = tmp_path / "api.json"
    workflow.write_text(
        json.dumps(
            {
                "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
                "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
            }
        ),
        encoding="utf-8",
    )

    class Client:
        base_url = "http://127.0.0.1:1"

        def __init__(self, *_args, **_kwargs) -> None: ...
        def __enter__(self):
            return self

        def __exit__(self, *_exc) -> None: ...
        def close(self) -> None: ...
        def system_stats(self):
            return {"system": {"comfyui_version": "0.3.64"}}

        def object_info(self):
            return object_info_core

        def frontend_version(self):
            return "1.27.10"

        def run(self, *_args, **_kwargs):
            video = OutputFile(
                node_id="2", filename="clip_00001_.mp4", subfolder="", type="output", kind="video", data=clip
            )
            return PromptResult(prompt_id="p1", status="success", outputs={}, files=[video])

    from app.comfy.pool import ClientPool

    monkeypatch.setattr(run_service, "CLIENTS", ClientPool(factory=lambda *_args: Client()))
    report = run_service.run_workflow(workflow, [], tmp_path / "out", Client.base_url)
    (output,) = report.outputs
    assert read_tags(output.path).get("tool") == "Inkframe Studio"
    assert read_credentials(output.path).state == "untrusted"  # signed last: intact, by the local (untrusted) identity
