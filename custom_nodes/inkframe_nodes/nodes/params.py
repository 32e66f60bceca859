"""Inkframe parameter nodes (declare a workflow's inputs for the app's forms and `run --set`) and
output markers (what the app collects). Thin: the input layout lives in app/workflows/param_nodes.py.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .. import adapter


def _spec() -> Any:
    return adapter.lib("workflows.param_nodes")


class AnyType(str):
    """A type that ComfyUI's validation accepts for any input (pre-union `__ne__` convention)."""

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


ANY = AnyType("*")


def _file_choices(node_type: str) -> list[str]:
    """Model / input-image lists, read from ComfyUI's folder_paths only when running inside ComfyUI."""
    folder = _spec().MODEL_FOLDERS.get(node_type)
    try:
        import folder_paths  # type: ignore[import-not-found]
    except ImportError:
        return []
    if folder:
        return sorted(folder_paths.get_filename_list(folder))
    input_dir = folder_paths.get_input_directory()
    return sorted(f for f in os.listdir(input_dir) if os.path.isfile(os.path.join(input_dir, f)))


def _make_param_node(node_type: str) -> type:
    spec = _spec().PARAM_NODES[node_type]
    kind, value_input, returns = spec.kind, spec.value_input, spec.returns

    class ParamNode:
        CATEGORY = _spec().CATEGORY
        FUNCTION = "run"
        RETURN_TYPES = tuple(ANY if r == "*" else r for r in returns)
        RETURN_NAMES = tuple("value" if r == "*" else r for r in returns)
        DESCRIPTION = f"Declares a {kind} parameter of this workflow for Inkframe Studio."

        @classmethod
        def INPUT_TYPES(cls) -> dict[str, Any]:
            return _spec().param_input_types(
                node_type, _file_choices(node_type) if kind in ("model", "lora", "image", "mask") else None
            )

        def run(self, **inputs: Any) -> tuple[Any, ...]:
            return read_value(kind, value_input, inputs)

    ParamNode.__name__ = ParamNode.__qualname__ = node_type
    return ParamNode


def read_value(kind: str, value_input: str, inputs: dict[str, Any]) -> tuple[Any, ...]:
    """The node's outputs: the value (or, for image/mask, the loaded tensors)."""
    value = inputs[value_input]
    if kind in ("image", "mask"):
        return load_image(value, inputs.get("channel", "alpha"), kind)
    if kind == "choice":
        choices = [c.strip() for c in str(inputs.get("choices") or "").splitlines() if c.strip()]
        if choices and value not in choices:
            raise ValueError(
                f"Parameter {inputs.get('name')!r} is {value!r}, which is not one of: {', '.join(choices)}."
            )
    if kind in ("int", "float"):
        low, high = inputs.get("min"), inputs.get("max")
        if low is not None and high is not None and not low <= value <= high:
            raise ValueError(f"Parameter {inputs.get('name')!r} is {value}, outside {low}..{high}.")
    return (value,)


def load_image(name: str, channel: str, kind: str) -> tuple[Any, ...]:
    """An uploaded image from ComfyUI's input folder (or a path) as IMAGE + MASK tensors."""
    import numpy as np
    import torch
    from PIL import Image, ImageOps

    path = name
    try:
        import folder_paths  # type: ignore[import-not-found]

        path = folder_paths.get_annotated_filepath(name)
    except ImportError:
        pass
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Image {name!r} is not in ComfyUI's input folder; upload it first.")
    image = ImageOps.exif_transpose(Image.open(path))
    rgba = np.asarray(image.convert("RGBA")).astype(np.float32) / 255.0
    index = {"red": 0, "green": 1, "blue": 2, "alpha": 3}[channel]
    plane = torch.from_numpy(rgba[..., index])
    mask = (1.0 - plane) if index == 3 else plane
    if kind == "mask":
        return (mask[None],)
    return (torch.from_numpy(rgba[..., :3])[None], mask[None])


class InkframeOutputImage:
    """Marks the images the app collects; saves them like SaveImage, with prompt + workflow metadata."""

    CATEGORY = "Inkframe/outputs"
    FUNCTION = "save"
    RETURN_TYPES: tuple[str, ...] = ()
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        entry = _spec().object_info_entry("InkframeOutputImage")
        return {
            "required": {k: tuple(v) for k, v in entry["input"]["required"].items()},
            "hidden": entry["input"]["hidden"],
        }

    def save(
        self, images: Any, name: str, filename_prefix: str, prompt: Any = None, extra_pnginfo: Any = None
    ) -> dict[str, Any]:
        import folder_paths  # type: ignore[import-not-found]

        metadata = adapter.lib("workflows.metadata")
        out_dir = folder_paths.get_output_directory()
        full_dir, base, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, out_dir, images.shape[2], images.shape[1]
        )
        results = []
        workflow = (extra_pnginfo or {}).get("workflow")
        for image in adapter.tensor_to_pil(images):
            import io

            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=4)
            data = metadata.embed_png_metadata(buffer.getvalue(), prompt, workflow, {"inkframe_output": name})
            file = f"{base}_{counter:05}_.png"
            with open(os.path.join(full_dir, file), "wb") as handle:
                handle.write(data)
            results.append({"filename": file, "subfolder": subfolder, "type": "output"})
            counter += 1
        return {"ui": {"images": results, "inkframe_output": [json.dumps(name)]}}


NODE_CLASS_MAPPINGS: dict[str, type] = {t: _make_param_node(t) for t in _spec().PARAM_NODES}
NODE_CLASS_MAPPINGS["InkframeOutputImage"] = InkframeOutputImage
NODE_DISPLAY_NAME_MAPPINGS: dict[str, str] = {t: _spec().display_name(t) for t in NODE_CLASS_MAPPINGS}
