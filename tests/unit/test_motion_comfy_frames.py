"""Motion on a ComfyUI backend, frame by frame, against a stand-in that loads videos the way VideoHelperSuite does.

The stand-in (`VhsStandIn`) runs only the prompt's `VHS_LoadVideoPath` with VHS's own semantics (force_rate
resampling, then skip_first_frames, select_every_nth, frame_load_cap) and returns the loaded frames as the
output video, so the output shows exactly which reference frames each run animated and at what rate.
Reference frames carry their index in black/white squares along the top edge."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from app.comfy.results import OutputFile, PromptResult, UploadResult
from app.media import EncodeOptions, TimeRange, encode_frames, iter_frames, probe, read_tags
from app.services import motion_service
from app.services.motion_service import MotionError, MotionRequest, run_on_comfyui

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")
REFERENCE_FPS = 25
POSE_MODELS = ("v1-5-pruned-emaonly.safetensors", "control_v11p_sd15_openpose_fp16.safetensors", "mm_sd_v15_v2.ckpt")


def mark(frame: np.ndarray, index: int) -> np.ndarray:
    """Write the index as 6 black/white 32 px squares along the top edge (survives any lossy encoding)."""
    frame = frame.copy()
    for bit in range(6):
        frame[:32, 32 * bit : 32 * (bit + 1)] = 255 if index >> bit & 1 else 0
    return frame


def marks(path: Path) -> list[int]:
    return [
        sum(1 << bit for bit in range(6) if frame[8:24, 32 * bit + 8 : 32 * bit + 24].mean() > 127)
        for frame in iter_frames(path)
    ]


@pytest.fixture(scope="module")
def dancer(tmp_path_factory) -> Path:
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
def object_info(comfy_shared: Path) -> dict:
    from app.workflows.param_nodes import inkframe_object_info

    path = comfy_shared / "object_info" / "combined_object_info.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    info = {**json.loads(path.read_text()), **inkframe_object_info()}
    # the recorded server had no model files: list the pose workflow's models wherever a model list is empty
    for node in info.values():
        for spec in (node.get("input", {}).get("required", {}) or {}).values():
            if isinstance(spec, list) and spec and isinstance(spec[0], list) and not spec[0]:
                spec[0].extend(POSE_MODELS)
    info["InkframeModel"]["input"]["required"]["value"][0].extend(POSE_MODELS)
    return info


class VhsStandIn:
    def __init__(self, object_info: dict, input_dir: Path, fail_after: int | None = None) -> None:
        self.info, self.input_dir, self.fail_after = object_info, input_dir, fail_after
        self.runs: list[dict] = []
        self.prompts: list[dict] = []
        self.base_url = "http://stand-in"

    def __call__(self, url, timeouts=None):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def object_info(self):
        return self.info

    def system_stats(self):
        return {"system": {"argv": ["main.py", "--input-directory", str(self.input_dir)]}}

    def upload_image(self, path, subfolder=""):
        (self.input_dir / subfolder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, self.input_dir / subfolder / Path(path).name)
        return UploadResult(Path(path).name, subfolder, "input", Path(path).name)

    def run(self, prompt, on_event=None):
        if self.fail_after is not None and len(self.runs) >= self.fail_after:
            raise MotionError("stand-in failure")
        loader = next(node for node in prompt.values() if node["class_type"] == "VHS_LoadVideoPath")
        inputs = {key: self.resolve(prompt, value) for key, value in loader["inputs"].items()}
        self.runs.append(inputs)
        self.prompts.append(prompt)
        source = probe(inputs["video"])
        frames = list(iter_frames(source))
        if inputs["force_rate"]:  # VHS: keep a frame each time the source clock passes the next target time
            kept, next_time = [], 0.0
            for index, frame in enumerate(frames):
                if index / float(source.fps) >= next_time - 1e-9:
                    kept.append(frame)
                    next_time += 1 / float(inputs["force_rate"])
            frames = kept
        frames = frames[inputs["skip_first_frames"] :: inputs["select_every_nth"]]
        if inputs["frame_load_cap"]:
            frames = frames[: inputs["frame_load_cap"]]
        out = encode_frames(
            iter(frames), self.input_dir / f"out{len(self.runs)}.mp4", EncodeOptions(fps=Fraction(8), crf=4)
        )
        file = OutputFile("28", out.name, "", "output", "video", out.read_bytes())
        return PromptResult("p", "success", {}, files=[file])

    @staticmethod
    def resolve(prompt, value):
        while isinstance(value, list):  # a link to an Inkframe parameter node: take its value
            value = prompt[value[0]]["inputs"]["value"]
        return value


@pytest.fixture
def stand_in(object_info, tmp_path, monkeypatch):
    import app.comfy

    fake = VhsStandIn(object_info, tmp_path / "server-input")
    monkeypatch.setattr(app.comfy, "ComfyClient", fake)
    monkeypatch.setattr(motion_service, "identity_scores", lambda target, video: ([], "identity check skipped: test"))
    return fake


def test_trim_and_stride_start_on_the_trimmed_frame_at_the_reference_rate(stand_in, dancer, target, tmp_path):
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0.4, 1.6), stride=2
    )
    report = run_on_comfyui(request, "http://stand-in")
    assert marks(report.out) == list(range(10, 40, 2))  # 0.4 s at 25 fps = frame 10, every 2nd, up to 1.6 s
    assert probe(report.out).fps == Fraction(REFERENCE_FPS, 2)  # same speed as the reference
    assert report.frames == 15 and report.poses.is_file()


def test_each_chunk_animates_its_own_frames(stand_in, dancer, target, tmp_path, monkeypatch):
    import app.workflows

    real_schema = app.workflows.parameter_schema
    monkeypatch.setattr(
        app.workflows,
        "parameter_schema",  # a workflow that takes at most 12 frames a run
        lambda *args: [replace(p, maximum=12) if p.name == "frames" else p for p in real_schema(*args)],
    )
    request = MotionRequest(
        reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0.2, 1.4), chunk=True
    )
    report = run_on_comfyui(request, "http://stand-in")
    assert report.chunks > 1
    first_frames = [marks_of_upload(stand_in, run)[0] for run in stand_in.runs]
    starts = [start for start, _ in motion_service.frame_budget(request, probe(dancer), 12)[1]]
    assert first_frames == [5 + start for start in starts]  # 0.2 s = frame 5, plus each chunk's start
    assert marks(report.out)[0] == 5 and marks(report.out)[-1] == 34
    assert probe(report.out).fps == Fraction(REFERENCE_FPS)


def test_output_carries_provenance(stand_in, dancer, target, tmp_path):
    report = run_on_comfyui(
        MotionRequest(reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0, 0.4)),
        "http://stand-in",
    )
    tags = read_tags(report.out)
    assert tags["tool"] == "Inkframe Studio" and tags["operation"] == "motion transfer (pose)" and tags["date"]


def test_a_refused_or_failed_run_leaves_no_poses_file(stand_in, dancer, target, tmp_path, object_info):
    del object_info["ADE_AnimateDiffLoaderGen1"]  # the backend lacks AnimateDiff: refused before anything is queued
    out = tmp_path / "out.mp4"
    with pytest.raises(
        MotionError, match=r"pose animation \(pose_animation\) cannot run on http://stand-in: it lacks node packs"
    ):
        run_on_comfyui(
            MotionRequest(reference=dancer, out=out, method="pose", target=target, trim=TimeRange(0, 0.4)),
            "http://stand-in",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hero.png"]


def test_a_checkpoint_set_by_the_user_is_the_one_checked(stand_in, dancer, target, tmp_path, object_info):
    for node in object_info.values():  # the backend has the user's checkpoint, not the workflow's default
        for spec in (node.get("input") or {}).get("required", {}).values():
            if isinstance(spec[0], list) and POSE_MODELS[0] in spec[0]:
                spec[0][spec[0].index(POSE_MODELS[0])] = "mine.safetensors"
    request = MotionRequest(reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target)
    with pytest.raises(MotionError, match=r"v1-5-pruned-emaonly\.safetensors"):
        run_on_comfyui(replace(request, trim=TimeRange(0, 0.4)), "http://stand-in")
    request = replace(request, trim=TimeRange(0, 0.4), settings={"checkpoint": "mine.safetensors"})
    report = run_on_comfyui(request, "http://stand-in")
    assert report.out.is_file() and stand_in.runs
    prompt = stand_in.prompts[-1]
    loaders = [n for n in prompt.values() if n["class_type"] == "CheckpointLoaderSimple"]
    assert [stand_in.resolve(prompt, n["inputs"]["ckpt_name"]) for n in loaders] == ["mine.safetensors"]
    with pytest.raises(MotionError, match=r"absent\.safetensors"):
        run_on_comfyui(replace(request, out=tmp_path / "b.mp4", settings={"checkpoint": "absent.safetensors"}), "x")


def test_a_run_failing_on_the_backend_leaves_no_poses_or_parts(stand_in, dancer, target, tmp_path):
    stand_in.fail_after = 0
    with pytest.raises(MotionError, match="stand-in failure"):
        run_on_comfyui(
            MotionRequest(
                reference=dancer, out=tmp_path / "out.mp4", method="pose", target=target, trim=TimeRange(0, 0.4)
            ),
            "http://stand-in",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hero.png", "server-input"]


def marks_of_upload(stand_in: VhsStandIn, run: dict) -> list[int]:
    return marks(Path(run["video"]))
