"""Model lists from the backend's /object_info: folder lookups, defaults, the missing-default note."""

from __future__ import annotations

import copy

import pytest

from app.config import load_config
from app.services import backend_models_service as models
from app.services.workflow_form_service import describe
from app.workflows import ModelEntry
from app.workflows.model_folders import folder_files, input_choices, model_input_of

CHECKPOINTS = ["zeta.safetensors", "SD15/alpha.safetensors", "v1-5-pruned-emaonly.safetensors"]
LORAS = ["inks.safetensors"]


@pytest.fixture
def info(object_info_core):
    info = copy.deepcopy(object_info_core)
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = list(CHECKPOINTS)
    info["LoraLoader"]["input"]["required"]["lora_name"][0] = list(LORAS)
    info["UpscaleModelLoader"]["input"]["required"]["model_name"][1]["options"] = ["4x.pth"]
    return info


@pytest.fixture
def config():
    return load_config(None, environ={})


def test_folder_files_read_both_combo_forms(info):
    assert folder_files(info, "checkpoints") == sorted(CHECKPOINTS, key=str.lower)
    assert folder_files(info, "model") == folder_files(info, "checkpoints")
    assert folder_files(info, "lora") == LORAS
    assert folder_files(info, "upscale_models") == ["4x.pth"]
    assert folder_files(info, "vae") == []  # 'pixel_space' is a built-in decoder, not a file
    assert folder_files(info, "animatediff_models") is None  # no AnimateDiff pack on a core backend
    assert input_choices(info, "NoSuchNode", "x") is None


def test_a_parameter_node_lands_on_its_consumers_input():
    prompt = {
        "1": {"class_type": "InkframeModel", "inputs": {"value": "a.safetensors"}},
        "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ["1", 0]}},
    }
    assert model_input_of(prompt, "1", "value") == ("CheckpointLoaderSimple", "ckpt_name")
    assert model_input_of(prompt, "2", "ckpt_name") == ("CheckpointLoaderSimple", "ckpt_name")
    assert model_input_of(prompt, "9", "value") is None


ENTRIES = [
    ModelEntry(
        "v1-5-pruned-emaonly.safetensors",
        "checkpoints",
        "https://example.invalid/x",
        size=4_265_146_304,
        used_by=("background",),
    )
]


def test_the_wanted_default_is_kept_when_present():
    choice = models.choose(
        ["a.safetensors", "v1-5-pruned-emaonly.safetensors"],
        "v1-5-pruned-emaonly.safetensors",
        "checkpoints",
        workflow="background",
        entries=ENTRIES,
    )
    assert choice.value == "v1-5-pruned-emaonly.safetensors" and choice.note == ""


def test_a_missing_default_says_so_once_with_the_download_line():
    choice = models.choose(
        ["a.safetensors"], "v1-5-pruned-emaonly.safetensors", "checkpoints", workflow="background", entries=ENTRIES
    )
    assert choice.value == "a.safetensors"
    assert choice.note == (
        "The checkpoint v1-5-pruned-emaonly.safetensors is not on the backend (using a.safetensors "
        "instead); download it with `python scripts/download_models.py --only "
        "v1-5-pruned-emaonly.safetensors` (into models/checkpoints, 4.3 GB)."
    )
    empty = models.choose([], None, "checkpoints", workflow="background", entries=ENTRIES)
    assert empty.value is None and "the backend has no checkpoint at all" in empty.note
    unknown = models.choose([], "mine.safetensors", "loras", entries=ENTRIES)
    assert unknown.note.endswith("put it in the backend's models/loras folder.")


def test_a_present_manifest_file_beats_the_first_file():
    choice = models.choose(
        ["a.safetensors", "SD/v1-5-pruned-emaonly.safetensors"],
        None,
        "checkpoints",
        workflow="background",
        entries=ENTRIES,
    )
    assert choice.value == "SD/v1-5-pruned-emaonly.safetensors" and choice.note == ""


def test_form_choices_list_the_backends_files_for_a_builtin_workflow(monkeypatch, config, info):
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    workflow = describe("background")
    checkpoint = next(p for p in workflow.parameters if p.kind == "model")
    choices = models.form_choices(
        config, "http://127.0.0.1:1", workflow.path, workflow.parameters, workflow="background"
    )
    assert choices[checkpoint.name].files == tuple(sorted(CHECKPOINTS, key=str.lower))
    assert choices[checkpoint.name].folder == "checkpoints"


def test_backend_models_is_one_sentence_when_the_backend_is_down(config):
    with pytest.raises(models.BackendModelsError, match=r"^Cannot list the backend's models: .*127\.0\.0\.1:9.*\.$"):
        models.backend_models(config, "http://127.0.0.1:9", "checkpoints", refresh=True)


def test_the_book_builds_checkpoint_comes_from_the_panel_workflow(monkeypatch, config, info):
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    choice = models.workflow_checkpoint(config, "http://127.0.0.1:1", "panel")
    assert choice.folder == "checkpoints" and choice.files == tuple(sorted(CHECKPOINTS, key=str.lower))
    assert choice.value == "v1-5-pruned-emaonly.safetensors"  # the panel workflow's own, present here


def test_a_chosen_checkpoint_reaches_the_book_build(tmp_path, monkeypatch):
    """The Comic tab's checkpoint rides on the `book` job it queues (the builder reads `checkpoint`)."""
    from types import SimpleNamespace

    from app.services import book_session_service

    monkeypatch.setattr(book_session_service, "panel_blocker", lambda *_a: "")

    config = load_config(None, environ={"INKFRAME__APP__OUTPUT_DIR": str(tmp_path)})
    submitted = []

    class Queue:
        def submit(self, specs):
            submitted.extend(specs)
            return [SimpleNamespace(id="b1")]

        def get(self, _job_id):
            return SimpleNamespace(terminal=True, status="succeeded", last_error=None)

    updates = list(
        book_session_service.run_build(
            config,
            "http://127.0.0.1:1",
            "Title: T\nPAGE 1\nPANEL 1. A street.\n",
            tmp_path / "books" / "t",
            checkpoint="SD15/alpha.safetensors",
            queue=Queue(),
        )
    )
    assert updates[-1].done and not updates[-1].error
    assert [spec.kind for spec in submitted] == ["book"]
    assert submitted[0].parameters["checkpoint"] == "SD15/alpha.safetensors"


def test_presence_says_which_manifest_files_the_backend_lists(monkeypatch, config, info):
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    found = models.presence(
        config,
        "http://127.0.0.1:1",
        [("checkpoints", "alpha.safetensors"), ("loras", "x.safetensors"), ("animatediff_models", "mm.ckpt")],
    )
    assert found == {
        ("checkpoints", "alpha.safetensors"): True,
        ("loras", "x.safetensors"): False,
        ("animatediff_models", "mm.ckpt"): None,
    }


def test_a_text_parameter_on_a_loader_input_becomes_a_model_choice(monkeypatch, config, info, tmp_path):
    import json

    from app.workflows import Parameter

    prompt = {
        "1": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "RealESRGAN_x4plus.pth"}},
        "2": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
    }
    path = tmp_path / "upscale.json"
    path.write_text(json.dumps(prompt))
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    params = [
        Parameter("upscaler", "text", "1", "model_name", default="RealESRGAN_x4plus.pth"),
        Parameter("width", "int", "2", "width", default=64),
        Parameter("label", "text", "2", "color", default="0"),
    ]
    choices = models.form_choices(config, "http://127.0.0.1:1", path, params, workflow="upscale_face_restore")
    assert list(choices) == ["upscaler"]
    assert choices["upscaler"].files == ("4x.pth",) and choices["upscaler"].value == "4x.pth"
    assert "RealESRGAN_x4plus.pth is not on the backend" in choices["upscaler"].note


def test_an_optional_model_without_a_default_says_nothing():
    choice = models.choose([], None, "loras", workflow="panel", entries=ENTRIES)
    assert choice == models.ModelChoices("loras", (), None, "")


def test_a_book_is_not_queued_when_the_backend_cannot_draw_panels(tmp_path, monkeypatch, info):
    from app.services import book_session_service, capability_service

    config = load_config(None, environ={"INKFRAME__APP__OUTPUT_DIR": str(tmp_path)})
    submitted = []
    queue = type("Queue", (), {"submit": lambda self, specs: submitted.extend(specs)})()
    script = "Title: T\nPAGE 1\nPANEL 1. A street.\n"
    down = capability_service.BackendCapabilities("http://127.0.0.1:1", error="Cannot connect to it.")
    monkeypatch.setattr(capability_service, "check", lambda *_a, **_k: down)
    (update,) = book_session_service.run_build(
        config, "http://127.0.0.1:1", script, tmp_path / "books" / "t", queue=queue
    )
    assert (
        update.error.startswith("ComfyUI at http://127.0.0.1:1 cannot be reached")
        and "nothing was queued" in update.error
    )
    bare = copy.deepcopy(info)
    bare["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = []
    empty = capability_service.BackendCapabilities(
        "http://127.0.0.1:1", report=capability_service.capabilities_of(bare)
    )
    monkeypatch.setattr(capability_service, "check", lambda *_a, **_k: empty)
    (update,) = book_session_service.run_build(
        config, "http://127.0.0.1:1", script, tmp_path / "books" / "t", queue=queue
    )
    assert "cannot run on http://127.0.0.1:1" in update.error and "checkpoint" in update.error.lower()
    assert submitted == []


def test_on_a_backend_with_only_sdxl_the_book_checkpoint_names_sdxl_not_the_sd15_download(monkeypatch, config, info):
    """Seen in the studio on a ComfyUI with one SDXL family: the Comic tab asked to download the SD1.5 checkpoint
    although the build draws the panels with SDXL; now it names the family and shows its file first."""
    files = ["inkframe-tiny-sdxl-vpred-v1.safetensors", "inkframe-tiny-sdxl-v1.safetensors"]
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = files
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    assert models.workflow_checkpoint(config, "http://127.0.0.1:1", "panel").note  # the SD1.5 default is absent
    choice = models.book_checkpoint(config, "http://127.0.0.1:1")
    assert choice.value == "inkframe-tiny-sdxl-v1.safetensors"
    assert choice.note == (
        "Panels are drawn with SDXL (inkframe-tiny-sdxl-v1.safetensors), the image family this backend has."
    )
    assert "download_models" not in choice.note


def test_the_book_checkpoint_keeps_the_sd15_note_when_no_family_is_known(monkeypatch, config, info):
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = ["mystery.safetensors"]
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    choice = models.book_checkpoint(config, "http://127.0.0.1:1")
    assert choice.value == "mystery.safetensors" and "download_models.py --only v1-5-pruned-emaonly" in choice.note


def test_a_family_workflows_missing_checkpoint_gets_its_download_command(monkeypatch, config, info):
    """panel_sdxl's default (sd_xl_base_1.0, listed in models/families.yaml) was answered with "put it in the
    backend's models/checkpoints folder"; the artist gets the command that fetches it instead."""
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = ["inkframe-tiny-sdxl-v1.safetensors"]
    monkeypatch.setattr(models, "object_info", lambda *_a, **_k: info)
    choice = models.workflow_checkpoint(config, "http://127.0.0.1:1", "panel_sdxl")
    assert choice.value == "inkframe-tiny-sdxl-v1.safetensors"
    assert choice.note.endswith(
        "download it with `python scripts/download_models.py --manifest models/families.yaml "
        "--only sd_xl_base_1.0.safetensors` (into models/checkpoints)."
    )
    sd15 = models.download_hint("v1-5-pruned-emaonly.safetensors", "checkpoints")
    assert sd15.startswith("download it with `python scripts/download_models.py --only v1-5-pruned-emaonly")
    assert sd15.endswith("4.3 GB)")
