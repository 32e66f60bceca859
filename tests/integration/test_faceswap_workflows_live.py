"""The face built-ins run end to end on a live stock ComfyUI through the app's run path (run_workflow):
faceswap_image and faceswap_video (Inkframe's own InkframeFaceSwap node, + VideoHelperSuite for the video) and
upscale_face_restore (ComfyUI-ReActor's ReActorRestoreFace between core upscale nodes).

Models: see tests/integration/faceswap_fixtures.py (face swap) and pack_builders/build_face_restore.py (ReActor).
Faces are found for real: mediapipe's shipped BlazeFace on scikit-image's astronaut photo. The swap's output must be
a decodable image/video of the target's size (and frame count/fps), changed inside the face and kept outside it, and
carry the face-swap provenance the docs promise (tool/operation tags, C2PA edit with consent confirmed); a run without
consent is refused by the app before queueing, and by the node when the graph is posted straight to ComfyUI.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.config import Timeouts
from app.services.run_service import run_workflow
from app.workflows import resolve_workflow

from .faceswap_fixtures import FACE_IMPORTS, missing_modules, place_faceswap_models, start_face_server
from .family_fixtures import comfy_env
from .pack_fixtures import custom_nodes_dir, packs_dir

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=1500, ready=300)
TARGET_SIZE = 256  # the target picture / clip (square)
FRAMES, FPS = 5, 10  # the target clip (GFPGAN at 512 x 512 costs ~30 s a frame on 2 loaded cores)
VHS = ("ComfyUI-VideoHelperSuite",)
FACE_BOX = (slice(40, 100), slice(85, 140))  # the astronaut's face in the 256 x 256 target (rows, columns)


def _needs(modules: tuple[str, ...]) -> Path:
    env = comfy_env()
    if env is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON to run the face built-ins on a live ComfyUI")
    missing = missing_modules(env[1], modules)
    if missing:
        pytest.skip(
            f"ComfyUI's python {env[1]} lacks {', '.join(missing)}: install the face nodes' requirements there "
            "(docs/testing.md, 'Face built-ins')"
        )
    return env[1]


def _astronaut() -> np.ndarray:
    from tests.modelkit import astronaut

    return astronaut()


def _target() -> np.ndarray:
    """The astronaut photo at 256 x 256: its face (found by BlazeFace) is the one replaced."""
    return np.asarray(Image.fromarray(_astronaut()).resize((TARGET_SIZE, TARGET_SIZE), Image.LANCZOS))


def _upload(server_url: str, path: Path) -> str:
    from app.comfy import ComfyClient

    with ComfyClient(server_url, timeouts=TIMEOUTS) as client:
        reference = client.upload_image(path).reference
        client.object_info(refresh=True)  # the upload joins LoadImage's list
    return reference


@pytest.fixture(scope="module")
def face_server(tmp_path_factory):
    """One server for the face swap tests; VideoHelperSuite is loaded too when its checkout is there."""
    _needs(FACE_IMPORTS)
    workdir = tmp_path_factory.mktemp("faceswap")
    manifest = place_faceswap_models(workdir / "base")
    root, why_not = packs_dir(VHS)
    packs = custom_nodes_dir(root, VHS, workdir) if root else None
    server = start_face_server(workdir, TIMEOUTS, packs=packs, env={"INKFRAME__FACESWAP__MANIFEST": str(manifest)})
    try:
        yield server, workdir, why_not
    finally:
        server.stop()


def test_faceswap_image_swaps_the_face_with_provenance(face_server) -> None:
    from app.faceswap.safety import read_image_provenance
    from app.services.provenance_service import describe

    server, workdir, _ = face_server
    Image.fromarray(_astronaut()).save(workdir / "source_face.png")
    target = _target()
    Image.fromarray(target).save(workdir / "target.png")
    source, picture = _upload(server.url, workdir / "source_face.png"), _upload(server.url, workdir / "target.png")
    started = time.monotonic()
    report = run_workflow(
        resolve_workflow("faceswap_image"),
        [f"source_face={source}", f"target_image={picture}", "i_have_consent=true"],
        workdir / "out_image",
        server.url,
        timeouts=TIMEOUTS,
    )
    elapsed = time.monotonic() - started
    images = [o.path for o in report.outputs if o.kind == "image"]
    assert len(images) == 1, [o.path.name for o in report.outputs]
    with Image.open(images[0]) as image:
        assert image.format == "PNG" and image.size == (TARGET_SIZE, TARGET_SIZE)
        swapped = np.asarray(image.convert("RGB")).astype(int)
    face_change = np.abs(swapped[FACE_BOX] - target[FACE_BOX].astype(int)).mean()
    outside = np.abs(swapped[200:, :] - target[200:, :].astype(int)).mean()
    assert face_change > 3.0 and outside < 1.0, (face_change, outside)  # the face was replaced, nothing else
    tags = read_image_provenance(images[0])
    assert tags.get("tool") == "Inkframe Studio" and tags.get("operation") == "face swap" and tags.get("date")
    credentials = describe(images[0])
    assert "c2pa.edited" in credentials.actions, credentials
    assert credentials.generation.get("operation") == "face swap"
    assert credentials.generation.get("consent_confirmed") is True
    assert credentials.generation.get("workflow") == "faceswap_image.json"
    assert credentials.generation.get("inputs") == "source_face.png, target.png", credentials.generation
    print(f"\n[faceswap_image] {elapsed:.1f} s, face change {face_change:.1f}, outside {outside:.2f}")
    print(f"app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")


def test_faceswap_without_consent_is_refused(face_server) -> None:
    """Refused by the app before anything is queued, and by the node itself when the graph is posted directly."""
    from app.comfy import ComfyClient, ExecutionError
    from app.faceswap import ConsentRequired
    from app.workflows import load_workflow, to_api

    server, workdir, _ = face_server
    Image.fromarray(_target()).save(workdir / "consent_target.png")
    picture = _upload(server.url, workdir / "consent_target.png")
    out = workdir / "out_refused"
    with pytest.raises(ConsentRequired, match="consented"):
        run_workflow(
            resolve_workflow("faceswap_image"),
            [f"source_face={picture}", f"target_image={picture}", "i_have_consent=false"],
            out,
            server.url,
            timeouts=TIMEOUTS,
        )
    assert not out.exists() or not list(out.iterdir())
    with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
        prompt = to_api(load_workflow(resolve_workflow("faceswap_image")), client.object_info(), purpose="run")
        for node in prompt.values():
            if node["class_type"] == "LoadImage":
                node["inputs"]["image"] = picture
            if node["class_type"] == "InkframeFaceSwap":
                assert node["inputs"]["i_have_consent"] is False
        with pytest.raises(ExecutionError, match="consented"):
            client.run(prompt)


def test_faceswap_video_swaps_every_frame(face_server) -> None:
    """VHS_LoadVideoPath (batches of 32 through VHS_BatchManager) -> InkframeFaceSwap -> VHS_VideoCombine at the
    source's frame rate (VHS_VideoInfoSource), with its audio."""
    import cv2

    from app.media import probe, read_tags
    from tests.modelkit import ffmpeg_available, make_face_clip

    server, workdir, why_no_vhs = face_server
    if why_no_vhs:
        pytest.skip(why_no_vhs)
    if not ffmpeg_available():
        pytest.skip("ffmpeg and ffprobe are needed to make the target clip")
    Image.fromarray(_astronaut()).save(workdir / "video_source_face.png")
    source = _upload(server.url, workdir / "video_source_face.png")
    clip = make_face_clip(workdir / "input" / "target_clip.mp4", _astronaut(), frames=FRAMES, fps=FPS)
    started = time.monotonic()
    report = run_workflow(
        resolve_workflow("faceswap_video"),
        [f"source_face={source}", f"target_video={clip}", "i_have_consent=true"],
        workdir / "out_video",
        server.url,
        timeouts=TIMEOUTS,
    )
    elapsed = time.monotonic() - started
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1, [o.path.name for o in report.outputs]
    video = probe(clips[0])
    assert clips[0].suffix == ".webm" and video.codec == "vp9"
    assert (video.width, video.height, video.frame_count, video.fps) == (TARGET_SIZE, TARGET_SIZE, FRAMES, FPS)
    assert video.has_audio  # the source's sound is kept
    before, after = cv2.VideoCapture(str(clip)), cv2.VideoCapture(str(clips[0]))
    changes = []
    for _ in range(FRAMES):
        (ok_in, frame_in), (ok_out, frame_out) = before.read(), after.read()
        assert ok_in and ok_out
        diff = np.abs(frame_out.astype(int) - frame_in.astype(int)).mean(axis=2)
        changes.append((float(diff[FACE_BOX].mean()), float(diff[210:, :].mean())))
    before.release(), after.release()
    assert all(face > 10.0 and outside < 6.0 for face, outside in changes), changes  # every frame's face replaced
    tags = read_tags(clips[0])
    assert tags.get("tool") == "Inkframe Studio" and tags.get("operation") == "face swap"
    per_frame = [(round(face), round(outside, 1)) for face, outside in changes]
    print(f"\n[faceswap_video] {elapsed:.1f} s, face/outside change per frame {per_frame}")
    print(f"app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")


def test_upscale_face_restore_with_reactor(tmp_path: Path) -> None:
    """LoadImage -> UpscaleModelLoader/ImageUpscaleWithModel (4x) -> ReActorRestoreFace (RetinaFace-R50 + GFPGAN 1.4)
    -> ImageScaleBy (0.5) -> SaveImage: a 64 x 64 picture comes out 128 x 128."""
    from .faceswap_fixtures import (
        REACTOR,
        REACTOR_IMPORTS,
        nms_kernel_env,
        place_face_restore_models,
        reactor_pack_folder,
    )
    from .pack_fixtures import pack_models_dir

    python = _needs(REACTOR_IMPORTS)
    root, why_not = packs_dir((REACTOR,))
    if root is None:
        pytest.skip(why_not)
    built = pack_models_dir("face_restore", root)
    place_face_restore_models(built, tmp_path)
    packs = reactor_pack_folder(root / REACTOR, tmp_path)
    # RetinaFace calls torchvision.ops.nms, whose compiled kernel does not load next to a CPU torch here
    server = start_face_server(tmp_path, TIMEOUTS, packs=packs, env=nms_kernel_env(python, tmp_path))
    try:
        small = Image.fromarray(_astronaut()).resize((64, 64), Image.LANCZOS)
        small.save(tmp_path / "small.png")
        picture = _upload(server.url, tmp_path / "small.png")
        started = time.monotonic()
        report = run_workflow(
            resolve_workflow("upscale_face_restore"),
            [f"image={picture}", "scale=0.5", "face_restore_strength=0.8"],
            tmp_path / "out",
            server.url,
            timeouts=TIMEOUTS,
        )
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    images = [o.path for o in report.outputs if o.kind == "image"]
    assert len(images) == 1, [o.path.name for o in report.outputs]
    with Image.open(images[0]) as image:
        assert image.format == "PNG" and image.size == (128, 128)
        pixels = np.asarray(image.convert("RGB"))
    expected = np.asarray(small.resize((128, 128), Image.NEAREST)).astype(int)  # the upscaler is near-identity
    difference = np.abs(pixels.astype(int) - expected).mean(axis=2)
    kept, restored = float((difference < 30).mean()), float((difference > 60).mean())
    # the picture went through at 2x, and the one face RetinaFace reports was replaced by (random) GFPGAN output
    assert kept > 0.4 and restored > 0.05, (kept, restored)
    print(f"\n[upscale_face_restore] {elapsed:.1f} s, kept {kept:.2f}, restored {restored:.2f}")
    print(f"app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")
