"""The face-swap service and the `faceswap` CLI end to end (the CLI in a subprocess, as a user runs it)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from app.config import Config
from app.errors import InkframeError
from app.faceswap import ConsentRequired, FaceSwapError, read_image_provenance
from app.services.faceswap_service import FaceSwapRequest, FaceSwapService
from tests.modelkit import (
    astronaut,
    build_catalog,
    cache_dir,
    ffmpeg_available,
    make_face_clip,
    mediapipe_available,
    write_test_manifest,
)

pytestmark = pytest.mark.skipif(
    not (ffmpeg_available() and mediapipe_available()),
    reason="needs ffmpeg and mediapipe 0.10.21 (ships the face detector)",
)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("svc")
    Image.fromarray(astronaut()).save(root / "source.png")
    make_face_clip(root / "silent.mp4", astronaut(), frames=10, fps=10, audio=False)
    return root


@pytest.fixture(scope="module")
def service():
    catalog, _ = build_catalog(enhancer=False, genderage=False)
    config = Config(faceswap={"detector": "mediapipe", "threads": 1, "visible_mark": True})
    return FaceSwapService(config, catalog=catalog, classifier=lambda frame: 0.0)


def _request(files, out, **kw):
    base = dict(sources=[files / "source.png"], target=files / "source.png", out=out, consent=True, enhancer="none")
    return FaceSwapRequest(**(base | kw))


def test_image_swap_saves_png_with_provenance_and_mark(service, files, tmp_path):
    result = service.swap(_request(files, tmp_path / "r.png"))
    assert result.kind == "image" and result.faces_swapped == 1
    assert read_image_provenance(tmp_path / "r.png")["operation"] == "face swap"


def test_requests_are_checked_before_any_work(service, files, tmp_path):
    with pytest.raises(ConsentRequired):
        service.swap(_request(files, tmp_path / "r.png", consent=False))
    (tmp_path / "exists.png").write_bytes(b"x")
    with pytest.raises(FaceSwapError, match="already exists"):
        service.swap(_request(files, tmp_path / "exists.png"))
    with pytest.raises(
        FaceSwapError, match=r"the codec webm cannot be written to a \.mp4 file; name the output c\.webm"
    ):
        service.swap(_request(files, tmp_path / "c.mp4", target=files / "silent.mp4", codec="webm"))
    with pytest.raises(FaceSwapError, match="--trim and --codec apply to videos only"):
        service.swap(_request(files, tmp_path / "t.png", trim="0:1"))
    with pytest.raises(FaceSwapError, match="does not exist"):
        service.swap(_request(files, tmp_path / "m.png", target=files / "missing.png"))
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InkframeError, match=r"is empty \(0 bytes\)"):
        service.swap(_request(files, tmp_path / "e.mp4", target=tmp_path / "empty.mp4"))
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all" * 20)
    with pytest.raises(InkframeError, match="is not a readable video"):
        service.swap(_request(files, tmp_path / "j.mp4", target=tmp_path / "junk.mp4"))


def test_video_without_audio_works_and_is_noted(service, files, tmp_path):
    result = service.swap(_request(files, tmp_path / "v.mp4", target=files / "silent.mp4"))
    assert result.kind == "video" and result.frames == 10 and not result.has_audio
    assert any("has no audio track" in note for note in result.notes)


def _cli(args, env_extra, timeout=300):
    env = {
        **os.environ,
        "INKFRAME__FACESWAP__DETECTOR": "mediapipe",
        "INKFRAME__FACESWAP__MODELS_DIR": str(cache_dir()),
        "INKFRAME__FACESWAP__THREADS": "1",
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "main.py", "faceswap", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_cli_swaps_a_video_with_progress_and_refuses_to_overwrite(files, tmp_path):
    catalog, _ = build_catalog(enhancer=False, genderage=False)
    manifest = write_test_manifest(tmp_path / "manifest.yaml", catalog)
    out = tmp_path / "out.mp4"
    args = [
        "--source",
        str(files / "source.png"),
        "--target",
        str(files / "silent.mp4"),
        "--out",
        str(out),
        "--enhancer",
        "none",
    ]
    env = {"INKFRAME__FACESWAP__MANIFEST": str(manifest)}
    refused = _cli(args, env)
    assert refused.returncode != 0 and "--i-have-consent" in refused.stderr and not out.exists()
    done = _cli([*args, "--i-have-consent"], env)
    assert done.returncode == 0, done.stderr
    assert "saved" in done.stdout and "has no audio track" in done.stdout and "10/10" in done.stderr  # tqdm bar
    again = _cli([*args, "--i-have-consent"], env)
    assert again.returncode != 0 and again.stderr.strip().startswith("error:") and "already exists" in again.stderr


@pytest.mark.parametrize(
    "extra,message",
    [
        (
            ["--selector", "many", "--reference-face", "r.png"],
            "--reference-face is used only with --selector reference (not many)",
        ),
        (["--selector", "many", "--face-index", "1"], "--face-index is used only with --selector one (not many)"),
        (["--blend", "1.5"], "--blend 1.5 must be between 0 and 1"),
    ],
)
def test_cli_argument_combinations_are_sentences(extra, message, capsys):
    from app.cli import main

    code = main(["faceswap", "--source", "a.png", "--target", "b.png", "--out", "c.png", "--i-have-consent", *extra])
    assert code == 2 and capsys.readouterr().err.strip().startswith(f"error: {message}")


def test_cli_refuses_a_model_whose_checksum_differs(files, tmp_path):
    catalog, _ = build_catalog(enhancer=False, genderage=False)
    manifest = write_test_manifest(tmp_path / "manifest.yaml", catalog)
    manifest.write_text(manifest.read_text().replace(catalog.spec("inswapper_128.onnx").sha256, "f" * 64))
    result = _cli(
        [
            "--source",
            str(files / "source.png"),
            "--target",
            str(files / "source.png"),
            "--out",
            str(tmp_path / "o.png"),
            "--enhancer",
            "none",
            "--i-have-consent",
        ],
        {"INKFRAME__FACESWAP__MANIFEST": str(manifest)},
    )
    assert result.returncode != 0
    assert (
        "error: model file" in result.stderr
        and "inswapper_128.onnx is corrupt or not the expected model" in result.stderr
    )
    assert "Traceback" not in result.stderr
