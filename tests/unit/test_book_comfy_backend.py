"""ComfyBackend's prompt building against recorded /object_info (no server): optional nodes enabled when a
LoRA or references call for them, sizes below a form's minimum, capability sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from app.book.backend import BackendUnavailable, GenerationRequest
from app.book.comfy_backend import ComfyBackend
from app.book.prompts import LoraChoice
from app.workflows.param_nodes import inkframe_object_info

CHECKPOINT = "v1-5-pruned-emaonly.safetensors"


class RecordedBackend(ComfyBackend):
    """ComfyBackend whose /object_info is the recorded one (core + IPAdapter pack + ...), with the models a
    user would have installed added to the choice lists; uploads are named, not sent."""

    def __init__(self, info: dict, *, loras: list[str] = (), relisted: dict | None = None) -> None:
        super().__init__("http://127.0.0.1:9")
        self._object_info = info
        self.relists = 0

        def object_info(refresh: bool = False) -> dict:  # what the server lists when asked again
            assert refresh, "the backend re-lists only with refresh=True"
            self.relists += 1
            return relisted if relisted is not None else info

        self.client.object_info = object_info
        info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = [CHECKPOINT]
        info["LoraLoader"]["input"]["required"]["lora_name"][0][:] = list(loras)
        info["InkframeModel"]["input"]["required"]["value"][0][:] = [CHECKPOINT]
        info["InkframeLora"]["input"]["required"]["value"][0][:] = list(loras)

    def _upload(self, image: Image.Image) -> str:
        name = f"upload_{image.width}x{image.height}.png"
        self._note_upload(name)
        return name


@pytest.fixture
def recorded(comfy_shared: Path) -> dict:
    path = comfy_shared / "object_info" / "combined_object_info.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return {**json.loads(path.read_text()), **inkframe_object_info()}


def _request(**changes) -> GenerationRequest:
    base = {
        "workflow": "panel",
        "positive": "a keeper",
        "negative": "blur",
        "seed": 11,
        "width": 64,
        "height": 96,
        "steps": 2,
        "checkpoint": CHECKPOINT,
    }
    return GenerationRequest(**{**base, **changes})


def test_plain_panel_keeps_optional_nodes_bypassed_and_binds_a_small_size(recorded: dict) -> None:
    backend = RecordedBackend(recorded)
    prompt, bound = backend._prompt(
        "panel", {"prompt": "a keeper", "seed": 11, "checkpoint": CHECKPOINT}, {}, set(), (64, 96)
    )
    types = {node["class_type"] for node in prompt.values()}
    assert not types & {"LoraLoader", "IPAdapter", "IPAdapterUnifiedLoader", "ControlNetApplyAdvanced"}
    latent = next(n for n in prompt.values() if n["class_type"] == "EmptyLatentImage")
    assert (latent["inputs"]["width"], latent["inputs"]["height"]) == (
        64,
        96,
    )  # below the form's 256: set through the node
    assert bound["prompt"] == "a keeper"


def test_installed_loras_are_enabled_and_chained_and_missing_ones_named(recorded: dict) -> None:
    backend = RecordedBackend(recorded, loras=["style.safetensors", "maya.safetensors"])
    notes: list[str] = []
    params: dict = {}
    enabled = backend._choose_lora(
        _request(
            loras=(
                LoraChoice("style.safetensors", 0.7, "style"),
                LoraChoice("maya.safetensors", 0.8, "character:MAYA"),
                LoraChoice("tom.safetensors", 0.9, "character:TOM"),
            )
        ),
        params,
        notes,
    )
    assert enabled == {"LoraLoader"} and (params["lora"], params["lora_strength"]) == ("style.safetensors", 0.7)
    assert notes == ["LoRA tom.safetensors (character:TOM) is not in this ComfyUI's models/loras; not applied."]
    prompt, bound = backend._prompt("panel", {**params, "checkpoint": CHECKPOINT}, {}, enabled, (64, 64))
    first = next(
        node_id for node_id, n in prompt.items() if n["class_type"] == "LoraLoader" and node_id != "book_lora_1"
    )
    second = prompt["book_lora_1"]
    assert second["inputs"]["model"] == [first, 0] and second["inputs"]["lora_name"] == "maya.safetensors"
    assert second["inputs"]["strength_model"] == 0.8
    sampler = next(n for n in prompt.values() if n["class_type"] == "KSampler")
    assert sampler["inputs"]["model"] == ["book_lora_1", 0]  # the sampler reads the end of the chain
    encoders = [n for n in prompt.values() if n["class_type"] == "CLIPTextEncode"]
    assert all(n["inputs"]["clip"] == ["book_lora_1", 1] for n in encoders)
    assert bound["extra_loras"] == [["maya.safetensors", 0.8]]


def test_references_enable_ipadapter_when_the_pack_is_there(recorded: dict, tmp_path: Path) -> None:
    backend = RecordedBackend(recorded)
    assert backend.capabilities()["ipadapter"] == ""
    reference = tmp_path / "front.png"
    Image.new("RGB", (48, 48), (200, 30, 30)).save(reference)
    prompt, bound = backend._prompt(
        "panel",
        {"checkpoint": CHECKPOINT},
        {"reference_image": Image.open(reference)},
        {"IPAdapterUnifiedLoader", "IPAdapter"},
        (64, 64),
    )
    adapter = next(n for n in prompt.values() if n["class_type"] == "IPAdapter")
    image_node = prompt[adapter["inputs"]["image"][0]]
    assert image_node["class_type"] == "LoadImage" and image_node["inputs"]["image"] == "upload_48x48.png"
    sampler = next(n for n in prompt.values() if n["class_type"] == "KSampler")
    assert prompt[sampler["inputs"]["model"][0]] is adapter
    assert bound["reference_image"] == "upload_48x48.png"


def test_without_the_pack_ipadapter_is_off_with_the_install_line(object_info_core: dict) -> None:
    backend = RecordedBackend({**object_info_core, **inkframe_object_info()})
    reason = backend.capabilities()["ipadapter"]
    assert reason.startswith(
        "this ComfyUI lacks IPAdapterUnifiedLoader, IPAdapter (`comfy node install comfyui_ipadapter_plus`)"
    )
    assert "ComfyUI-ReActor" in backend.capabilities()["restore"]


def test_a_workflow_the_backend_cannot_run_is_one_sentence(object_info_core: dict) -> None:
    backend = RecordedBackend({**object_info_core, **inkframe_object_info()})
    with pytest.raises(
        BackendUnavailable, match=r"^the upscale_face_restore workflow cannot run on http://127.0.0.1:9: "
    ):
        backend._prompt("upscale_face_restore", {}, {"image": Image.new("RGB", (8, 8))}, set(), None)
    assert backend.relists == 1  # a missing node may be a pack installed since the listing: asked once more, no more


def test_a_model_added_after_the_listing_is_found_by_one_re_list(recorded: dict) -> None:
    """The build keeps /object_info for its whole length; a checkpoint the user adds meanwhile is not in that copy,
    so a panel naming it re-lists once and runs instead of failing as 'missing model'."""
    relisted = json.loads(json.dumps(recorded))
    backend = RecordedBackend(recorded, relisted=relisted)
    relisted["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0].append("added-later.safetensors")
    relisted["InkframeModel"]["input"]["required"]["value"][0].append("added-later.safetensors")
    params = {"prompt": "a keeper", "seed": 11, "checkpoint": "added-later.safetensors"}
    prompt, _bound = backend._prompt("panel", params, {}, set(), (64, 96))
    assert backend.relists == 1 and backend.object_info is relisted
    assert "added-later.safetensors" in json.dumps(prompt)
    backend._prompt("panel", params, {}, set(), (64, 96))
    assert backend.relists == 1  # found in the fresh listing: no further /object_info
