"""Which model files a backend has, read from its `/object_info`: every loader node's file input is a
choice list of the files in one ComfyUI models/ folder (CheckpointLoaderSimple.ckpt_name lists
models/checkpoints, and so on). Pure functions over object_info; no HTTP here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# models/ folder -> the (node type, input) pairs whose choice list is that folder's files; the first one the
# backend has answers. Packs' loaders are listed after core ones.
FOLDER_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "checkpoints": (("CheckpointLoaderSimple", "ckpt_name"), ("ImageOnlyCheckpointLoader", "ckpt_name")),
    "loras": (("LoraLoader", "lora_name"), ("LoraLoaderModelOnly", "lora_name")),
    "vae": (("VAELoader", "vae_name"),),
    "controlnet": (("ControlNetLoader", "control_net_name"), ("ControlNetLoaderAdvanced", "control_net_name")),
    "upscale_models": (("UpscaleModelLoader", "model_name"),),
    "clip_vision": (("CLIPVisionLoader", "clip_name"),),
    "diffusion_models": (("UNETLoader", "unet_name"),),
    "text_encoders": (("CLIPLoader", "clip_name"),),
    "style_models": (("StyleModelLoader", "style_model_name"),),
    "gligen": (("GLIGENLoader", "gligen_name"),),
    "hypernetworks": (("HypernetworkLoader", "hypernetwork_name"),),
    "photomaker": (("PhotoMakerLoader", "photomaker_model_name"),),
    "animatediff_models": (("ADE_LoadAnimateDiffModel", "model_name"), ("ADE_AnimateDiffLoaderGen1", "model_name")),
    "ipadapter": (("IPAdapterModelLoader", "ipadapter_file"),),
    "insightface": (("ReActorFaceSwap", "swap_model"),),
    "facerestore_models": (("ReActorRestoreFace", "model"),),
}
# Parameter kinds that name a model, and the folder each lists.
KIND_FOLDERS: dict[str, str] = {"model": "checkpoints", "checkpoint": "checkpoints", "lora": "loras"}
# Entries some loaders list that are not files (VAELoader's built-in decoders, ReActor's "none").
NOT_FILES = frozenset({"none", "pixel_space", "taesd", "taesdxl", "taesd3", "taef1"})
_INPUT_FOLDERS = {pair: folder for folder, pairs in FOLDER_SOURCES.items() for pair in pairs}


def folder_for(kind_or_folder: str) -> str:
    """The models/ folder of a parameter kind ('model' -> 'checkpoints') or a folder name as given."""
    return KIND_FOLDERS.get(kind_or_folder, kind_or_folder)


def folder_of_input(node_type: str, input_name: str) -> str | None:
    """The models/ folder a loader input lists (None when the input is not a known model input)."""
    return _INPUT_FOLDERS.get((node_type, input_name))


def input_choices(object_info: Mapping[str, Any], node_type: str, input_name: str) -> list[str] | None:
    """The choice list of one node input (both the `[[...]]` and the `["COMBO", {"options"}]` forms), or None."""
    entry = object_info.get(node_type)
    if not isinstance(entry, Mapping):
        return None
    inputs = entry.get("input") or {}
    for section in ("required", "optional"):
        spec = (inputs.get(section) or {}).get(input_name)
        if not isinstance(spec, list) or not spec:
            continue
        if isinstance(spec[0], list):
            return [str(choice) for choice in spec[0]]
        if spec[0] == "COMBO" and len(spec) > 1 and isinstance(spec[1], Mapping):
            return [str(choice) for choice in spec[1].get("options") or []]
    return None


def folder_files(object_info: Mapping[str, Any], folder: str) -> list[str] | None:
    """The files the backend has in models/<folder> (sorted), or None when it has no loader that lists them."""
    for node_type, input_name in FOLDER_SOURCES.get(folder_for(folder), ()):
        choices = input_choices(object_info, node_type, input_name)
        if choices is not None:
            return only_files(choices)
    return None


def only_files(choices: list[str]) -> list[str]:
    """A loader's choices without its built-in non-file entries, sorted as ComfyUI's editor shows them."""
    return sorted((c for c in choices if c not in NOT_FILES), key=str.lower)


def model_input_of(prompt: Mapping[str, Any], node_id: str, input_name: str) -> tuple[str, str] | None:
    """The loader input a model parameter's value lands on: the node's own input when the parameter sits on
    the loader, else (for a parameter node) the first input linked to that node's output."""
    node = prompt.get(str(node_id))
    if not isinstance(node, Mapping):
        return None
    class_type = str(node.get("class_type") or "")
    if folder_of_input(class_type, input_name):
        return class_type, input_name
    for consumer in prompt.values():
        if not isinstance(consumer, Mapping):
            continue
        for name, value in (consumer.get("inputs") or {}).items():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) == str(node_id):
                return str(consumer.get("class_type") or ""), str(name)
    return None
