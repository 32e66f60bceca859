"""Capabilities per backend from recorded /object_info: a stock ComfyUI with one checkpoint runs the image
workflows and names, once per cause, what the rest lack; the doctor table stays short."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from app.comfy import BackendHealth
from app.services import capability_service
from app.services.doctor_service import DoctorReport
from app.workflows import list_workflows, load_manifest, load_workflow
from app.workflows.capabilities import CAPABILITIES, PROJECT_PACK, compute_capabilities, summarise
from app.workflows.lint import recorded_object_info

STOCK_READY = {"panel", "background", "img2img", "inpaint"}


@pytest.fixture(scope="module")
def library() -> dict:
    return {p.stem: load_workflow(p) for p in list_workflows()}


@pytest.fixture
def stock(object_info_core: dict) -> dict:
    info = copy.deepcopy(object_info_core)
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = ["tiny-sd15.safetensors"]
    return info


def test_every_capability_has_a_library_workflow(library: dict) -> None:
    assert {c.workflow for c in CAPABILITIES} <= set(library)


def test_stock_backend_with_one_checkpoint(stock: dict, library: dict) -> None:
    report = compute_capabilities(stock, library, load_manifest())
    assert {s.capability.id for s in report.ready} == STOCK_READY  # the checkpoint parameter takes the file it has
    sheet = report.status("character_sheet")
    assert [m.name for m in sheet.models] == ["control_v11p_sd15_openpose_fp16.safetensors"] and not sheet.packs
    assert sheet.sentences() == [
        "Download control_v11p_sd15_openpose_fp16.safetensors into models/controlnet: "
        "`python scripts/download_models.py --only control_v11p_sd15_openpose_fp16.safetensors`."
    ]
    upscale = report.status("upscale_restore")
    assert upscale.reason() == "needs node pack ComfyUI-ReActor and model RealESRGAN_x4plus.pth"
    assert "RealESRGAN_x4plus.pth (67.0 MB) into models/upscale_models" in upscale.sentences()[1]
    pose = report.status("pose_animation")
    assert pose.reason() == (
        "needs node packs ComfyUI-VideoHelperSuite, ComfyUI-AnimateDiff-Evolved, comfyui_controlnet_aux, "
        "ComfyUI_IPAdapter_plus and model control_v11p_sd15_openpose_fp16.safetensors"
    )  # models of core nodes too
    swap = report.status("faceswap_image")
    assert [p.name for p in swap.packs] == [PROJECT_PACK]  # only the working node needs the project's pack
    packs = dict((p.name, labels) for p, labels in report.missing_packs())
    assert len(packs) == 7 and "pack providing" not in " ".join(packs)  # every node type maps to a known pack
    assert packs["ComfyUI-VideoHelperSuite"] == [
        "Face swap (video)",
        "Pose animation",
        "Portrait animation",
        "Image to video",
        "Text to video",
    ]
    video = next(p for p, _ in report.missing_packs() if p.name == "ComfyUI-VideoHelperSuite")
    assert video.sentence() == (
        "Install the ComfyUI-VideoHelperSuite node pack with "
        "`comfy node install comfyui-videohelpersuite` and restart ComfyUI."
    )
    assert len(video.node_types) >= 4  # one sentence for the pack, never one per node


def test_without_any_checkpoint_the_default_is_named(object_info_core: dict, library: dict) -> None:
    info = copy.deepcopy(object_info_core)
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = []
    report = compute_capabilities(info, library, load_manifest())
    assert report.status("background").reason() == "needs model v1-5-pruned-emaonly.safetensors"
    assert "(4.3 GB) into models/checkpoints" in report.status("background").sentences()[0]


def test_every_recorded_pack(comfy_shared: Path, library: dict) -> None:
    info = recorded_object_info(comfy_shared)
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = ["v1-5-pruned-emaonly.safetensors"]
    report = compute_capabilities(info, library, load_manifest())
    assert report.status("portrait_animation").ready and report.status("background").ready
    assert report.status("text_to_video").reason() == "needs model mm_sd_v15_v2.ckpt"
    assert not [s for s in report.statuses if s.other]


def test_summaries_stay_short() -> None:
    assert summarise(["a", "b", "c", "d"]) == "a, b, c, d"
    assert summarise([str(i) for i in range(12)]) == "0, 1, 2 and 9 more"


def result_without_checkpoint(stock: dict, library: dict) -> capability_service.BackendCapabilities:
    info = copy.deepcopy(stock)
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = []
    return capability_service.BackendCapabilities("http://x", report=capability_service.capabilities_of(info, library))


def test_tab_summary_and_queue_blocker(stock: dict, library: dict) -> None:
    result = capability_service.BackendCapabilities(
        "http://x", report=capability_service.capabilities_of(stock, library)
    )
    ok, text = capability_service.tab_summary(result, ("background", "img2img"))
    assert ok and text == "This backend can run: Background, Image to image."
    ok, text = capability_service.tab_summary(result, ("text_to_video", "image_to_video"))
    assert not ok and text.startswith(
        "Not available here: Text to video needs node packs ComfyUI-AnimateDiff-Evolved, ComfyUI-VideoHelperSuite; "
    )
    assert capability_service.workflow_blocker(result, "background") == ""
    assert capability_service.workflow_blocker(result, "image_to_video").startswith(
        "Image to video cannot run on http://x: needs node pack ComfyUI-VideoHelperSuite "
        "and model svd_xt.safetensors. Install the"
    )
    # once per cause, how to get it: both the pack and the model of image to video, and the Wan 2.2 way
    ok, text = capability_service.tab_summary(result, ("image_to_video",))
    assert not ok and "`comfy node install comfyui-videohelpersuite`" in text
    assert "`python scripts/download_models.py --only svd_xt.safetensors`" in text
    assert "Or use Wan 2.2 TI2V 5B" in text and "--manifest models/families.yaml --only wan2.2_ti2v_5B_fp16" in text
    ok, text = capability_service.tab_summary(result, ("pose_animation", "portrait_animation"))
    assert text.count("restart ComfyUI") == capability_service.SUMMARY_STEPS  # the rest: Settings
    assert "other steps. Or use Wan 2.2 14B Fun Control" in text  # the engine the Motion tab offers
    assert text.count("comfy node install comfyui-videohelpersuite") == 1
    ok, text = capability_service.tab_summary(result_without_checkpoint(stock, library), ("panel",))
    assert not ok and text.endswith(
        "Or use SDXL: `python scripts/download_models.py --manifest models/families.yaml "
        "--only sd_xl_base_1.0.safetensors`."
    )
    unreachable = capability_service.BackendCapabilities("http://x", error="Cannot reach ComfyUI.")
    assert capability_service.workflow_blocker(unreachable, "background") == ""  # the queue waits for it


def test_doctor_on_a_stock_backend_is_short(stock: dict, library: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.doctor_cmd import print_lines

    health = BackendHealth(url="http://x", reachable=True, version="0.3.64")
    print_lines(DoctorReport(health, capability_service.capabilities_of(stock, library)), by_workflow=False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) <= 29  # + the backend line
    assert (
        lines[0]
        == "nodes    --    Inkframe Studio nodes not loaded (needed only by Face swap (image), Face swap (video))"
    )
    assert lines[-1] == "4 of 12 capabilities can run on this backend"
    assert sum(1 for line in lines if "comfy node install" in line) == 6


def test_a_form_refuses_to_queue_what_the_backend_cannot_run(
    monkeypatch: pytest.MonkeyPatch, stock: dict, library: dict
) -> None:
    from app.config import load_config
    from app.services import workflow_form_service as forms

    result = capability_service.BackendCapabilities(
        "http://x", report=capability_service.capabilities_of(stock, library)
    )
    monkeypatch.setattr(capability_service, "check", lambda url, **kwargs: result)
    with pytest.raises(
        forms.WorkflowFormError,
        match=r"^Text to video cannot run on http://x: needs node packs ComfyUI-AnimateDiff-Evolved",
    ):
        forms.submit(load_config(), "http://x", "text_to_video", {}, queue=None)


def test_a_new_check_sees_models_added_since_the_last_one(
    monkeypatch: pytest.MonkeyPatch, object_info_core: dict
) -> None:
    """The studio keeps running while the artist adds a checkpoint and restarts ComfyUI: "Check backend" must ask
    the backend again instead of answering from the client's process-wide /object_info cache."""
    import app.comfy

    empty = copy.deepcopy(object_info_core)
    empty["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = []
    added = copy.deepcopy(object_info_core)
    added["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = ["tiny-sd15.safetensors"]
    served = [empty]

    class CachingClient:  # the real client's contract: object_info() is cached per URL unless refresh=True
        cache: dict[str, dict] = {}

        def __init__(self, url: str, **_: object) -> None:
            self.url = url

        def __enter__(self) -> CachingClient:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def object_info(self, refresh: bool = False) -> dict:
            if refresh or self.url not in self.cache:
                self.cache[self.url] = served[0]
            return self.cache[self.url]

    monkeypatch.setattr(app.comfy, "ComfyClient", CachingClient)
    first = capability_service.check("http://x", max_age_s=0)
    assert first.report is not None and not first.report.status("panel").ready
    served[0] = added  # the artist downloads a checkpoint and restarts ComfyUI
    again = capability_service.check("http://x", max_age_s=0)
    assert again.report is not None and again.report.status("panel").ready


def test_sizes_read_the_same_as_the_download_hints() -> None:
    """The Characters tab showed the SD1.5 checkpoint as 4.0 GB in its notice and 4.3 GB in the form's note."""
    from app.workflows.capabilities import human_size

    assert human_size(4_265_146_304) == "4.3 GB"
    assert human_size(67_040_989) == "67.0 MB"
    assert human_size(512) == "512 B"
