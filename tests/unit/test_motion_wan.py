"""`motion --method pose` on a backend with Wan 2.2 Fun Control, against a stand-in that runs the prompt the way
core ComfyUI does where it matters: LoadVideo reads the uploaded control video from the input folder, and
Wan22FunControlToVideo renders ((length - 1) // 4) * 4 + 1 frames, the control video's frames first (then black).
So the output shows which skeleton frames each run got; the skeleton drawer is replaced by one that writes the
pose's frame number as marks (see test_motion_comfy_frames.mark)."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.comfy.results import OutputFile, PromptResult
from app.media import EncodeOptions, TimeRange, encode_frames, iter_frames, probe, read_tags
from app.motion.pose_types import Keypoint, PoseFrame, PoseSequence
from app.services import motion_drive, motion_service
from app.services.motion_service import MotionError, MotionRequest, run_on_comfyui
from app.workflows.pose_engine import wan_length

from .test_motion_comfy_frames import POSE_MODELS, REFERENCE_FPS, VhsStandIn, mark, marks
from .test_video_families import FUN, TE, VAE21

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")
WAN_MODELS = (*FUN, TE, VAE21)


def backend_info(comfy_shared: Path, models: tuple[str, ...]) -> dict:
    from app.workflows.param_nodes import inkframe_object_info

    path = comfy_shared / "object_info" / "combined_object_info.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    info = {**json.loads(path.read_text()), **inkframe_object_info()}
    for node in info.values():  # the recorded server had no model files: list these wherever a list is empty
        for spec in (node.get("input", {}).get("required", {}) or {}).values():
            if isinstance(spec, list) and spec and isinstance(spec[0], list) and not spec[0]:
                spec[0].extend(models)
    info["InkframeModel"]["input"]["required"]["value"][0].extend(models)
    info["VAELoader"]["input"]["required"]["vae_name"][0].extend(m for m in models if m == VAE21)  # lists pixel_space
    return info


class WanStandIn(VhsStandIn):
    def run(self, prompt, on_event=None):
        if self.fail_after is not None and len(self.runs) >= self.fail_after:
            raise MotionError("stand-in failure")

        def inputs_of(class_type: str) -> list[dict]:
            nodes = [n for n in prompt.values() if n["class_type"] == class_type]
            return [{key: self.value(prompt, value) for key, value in n["inputs"].items()} for n in nodes]

        control = inputs_of("Wan22FunControlToVideo")[0]
        loaded = inputs_of("LoadVideo")[0]
        run = {
            "length": control["length"],
            "control": self.input_dir / loaded["file"],  # an upload reference: the input folder's subfolder/name
            "ref_image": inputs_of("LoadImage")[0]["image"],
            "unets": sorted(n["unet_name"] for n in inputs_of("UNETLoader")),
            "size": (control["width"], control["height"]),
        }
        self.runs.append(run)
        frames = list(iter_frames(probe(run["control"])))[: control["length"]]
        rendered = (control["length"] - 1) // 4 * 4 + 1
        frames += [np.zeros_like(frames[0])] * (rendered - len(frames))
        out = encode_frames(iter(frames), self.input_dir / f"out{len(self.runs)}.mp4", EncodeOptions(fps=16, crf=4))
        file = OutputFile("32", out.name, "", "output", "video", out.read_bytes())
        return PromptResult("p", "success", {}, files=[file])

    @staticmethod
    def value(prompt, value):
        """A literal input, or the value of the parameter node it links to (other links stay links)."""
        while isinstance(value, list) and "value" in prompt[value[0]]["inputs"]:
            value = prompt[value[0]]["inputs"]["value"]
        return value


@pytest.fixture(scope="module")
def dancer(tmp_path_factory) -> Path:
    """50 frames at 25 fps of a person moving right; frame i carries i as marks along the top edge."""
    photo = skimage_data.astronaut()[::2, ::2]  # 256 x 256
    frames = (mark(np.roll(photo, 2 * i, axis=1), i) for i in range(50))
    return encode_frames(
        frames, tmp_path_factory.mktemp("ref") / "dancer.mp4", EncodeOptions(fps=Fraction(REFERENCE_FPS), crf=4)
    )


@pytest.fixture
def target(tmp_path) -> Path:
    from PIL import Image

    path = tmp_path / "hero.png"
    Image.fromarray(skimage_data.astronaut()[::4, ::4]).save(path)
    return path


@pytest.fixture
def wan(comfy_shared, tmp_path, monkeypatch):
    import app.comfy

    fake = WanStandIn(backend_info(comfy_shared, POSE_MODELS + WAN_MODELS), tmp_path / "server-input")
    monkeypatch.setattr(app.comfy, "ComfyClient", fake)
    monkeypatch.setattr(motion_service, "identity_scores", lambda target, video: ([], "identity check skipped: test"))
    return fake


@pytest.fixture
def numbered_poses(monkeypatch):
    """Pose i of the run's sequence has its first keypoint at x = i / 64; its 'skeleton' shows i as marks."""

    def poses(request, info, on_frame=None):
        frames = [PoseFrame(i, i / REFERENCE_FPS, (Keypoint(i / 64, 0.5, 1.0),)) for i in range(30)]
        return PoseSequence(REFERENCE_FPS, 256, 64, frames=frames)

    monkeypatch.setattr(motion_service, "reference_poses", poses)
    monkeypatch.setattr(
        motion_drive,
        "draw_skeleton",
        lambda keypoints, width, height: mark(np.zeros((height, width, 3), np.uint8), round(keypoints[0].x * 64)),
    )


def test_wan_fun_control_animates_each_chunk_from_its_own_skeleton_frames(
    wan, numbered_poses, dancer, target, tmp_path
):
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0.2, 1.4), chunk=True
    )
    report = run_on_comfyui(request, "http://stand-in")
    assert report.workflow == "wan22_pose_control"
    ranges = motion_service.frame_budget(request, probe(dancer), 81)[1]
    assert ranges == [(0, 30)]  # 30 frames fit one Wan run of at most 81
    assert [run["length"] for run in wan.runs] == [wan_length(30)] == [33]
    assert marks(wan.runs[0]["control"]) == list(range(30))
    assert marks(report.out) == list(range(30))  # the 3 frames Wan adds past the skeletons are dropped
    assert probe(report.out).fps == Fraction(REFERENCE_FPS)  # one frame per reference frame: real-time motion
    assert wan.runs[0]["size"] == (640, 640)  # the square reference's aspect at the workflow's pixel count
    assert wan.runs[0]["unets"] == sorted(FUN) and wan.runs[0]["ref_image"] == "inkframe/hero.png"
    assert read_tags(report.out)["operation"] == "motion transfer (pose)"
    assert report.poses == tmp_path / "out.poses.json" and report.poses.is_file()


def test_long_clips_run_in_wan_sized_chunks_each_from_its_start(
    wan, numbered_poses, dancer, target, tmp_path, monkeypatch
):
    monkeypatch.setattr(motion_service, "wan_run_limit", lambda maximum: 13)  # a backend that takes 13 frames a run
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0.2, 1.4), chunk=True
    )
    report = run_on_comfyui(request, "http://stand-in")
    ranges = motion_service.frame_budget(request, probe(dancer), 13)[1]
    assert report.chunks == len(ranges) > 1
    assert [marks(run["control"])[0] for run in wan.runs] == [start for start, _ in ranges]
    assert [run["length"] for run in wan.runs] == [wan_length(end - start) for start, end in ranges]
    out = marks(report.out)
    assert len(out) == 30 and out[0] == 0 and out[-1] == 29


def test_trim_and_stride_on_wan_with_the_real_pose_extraction(wan, dancer, target, tmp_path):
    request = MotionRequest(
        reference=dancer,
        out=tmp_path / "out.mp4",
        method="pose",
        target=target,
        trim=TimeRange(0.4, 1.6),
        stride=2,
        settings={"width": "64", "height": "64"},
    )
    report = run_on_comfyui(request, "http://stand-in")
    assert report.frames == 15 and report.poses.is_file()
    assert [(run["length"], run["size"]) for run in wan.runs] == [(17, (64, 64))]
    control = probe(wan.runs[0]["control"])
    assert (control.frame_count, control.fps) == (15, Fraction(REFERENCE_FPS, 2))
    assert probe(report.out).fps == Fraction(REFERENCE_FPS, 2) and probe(report.out).frame_count == 15


def test_animatediff_can_be_forced_on_a_wan_backend(comfy_shared, dancer, target, tmp_path, monkeypatch):
    import app.comfy

    fake = VhsStandIn(backend_info(comfy_shared, POSE_MODELS + WAN_MODELS), tmp_path / "server-input")
    monkeypatch.setattr(app.comfy, "ComfyClient", fake)
    monkeypatch.setattr(motion_service, "identity_scores", lambda target, video: ([], ""))
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0, 0.4)
    )
    report = run_on_comfyui(replace(request, engine="animatediff"), "http://stand-in")
    assert report.workflow == "pose_animation" and marks(report.out) == list(range(10))


def test_a_forced_wan_engine_without_its_files_is_refused_and_leaves_nothing(
    comfy_shared, dancer, target, tmp_path, monkeypatch
):
    import app.comfy

    fake = VhsStandIn(backend_info(comfy_shared, POSE_MODELS), tmp_path / "server-input")
    monkeypatch.setattr(app.comfy, "ComfyClient", fake)
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0, 0.4), engine="wan"
    )
    with pytest.raises(MotionError, match=r"^the wan engine cannot run here: Wan 2.2 14B Fun Control .* is not on"):
        run_on_comfyui(request, "http://stand-in")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hero.png"] and fake.runs == []


def test_a_wan_run_failing_on_the_backend_leaves_no_poses_or_parts(wan, dancer, target, tmp_path):
    wan.fail_after = 0
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0, 0.4)
    )
    with pytest.raises(MotionError, match="stand-in failure"):
        run_on_comfyui(request, "http://stand-in")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hero.png", "server-input"]


def test_the_engine_applies_to_the_pose_method_only(dancer, target, tmp_path):
    for method, engine, message in (
        ("portrait", "wan", "--engine applies to the pose method only; drop it for portrait."),
        ("pose", "svd", "engine 'svd' is not known; use one of auto, wan, animatediff."),
    ):
        request = MotionRequest(reference=dancer, out=tmp_path / "o.mp4", method=method, target=target, engine=engine)
        with pytest.raises(MotionError, match=f"^{message}$".replace(".", r"\.")):
            motion_service.check_request(request)


def test_cli_refuses_an_engine_for_another_method_before_opening_a_backend(dancer, target, tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "main.py",
            "motion",
            "--reference",
            str(dancer),
            "--target",
            str(target),
            "--method",
            "portrait",
            "--engine",
            "wan",
            "--out",
            str(tmp_path / "o.mp4"),
            "--comfyui-url",
            "http://127.0.0.1:9",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip().splitlines()[-1].endswith("--engine applies to the pose method only; drop it for portrait.")
    )


def test_wan_frames_keep_the_references_aspect_ratio() -> None:
    wide = SimpleNamespace(width=1280, height=720)
    assert motion_drive.wan_frame_size((640, 640), wide, {}) == {"width": "848", "height": "480"}
    assert motion_drive.wan_frame_size((640, 640), wide, {"width": "320"}) == {}
