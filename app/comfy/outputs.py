"""Find the files in a prompt's outputs (`images`, `gifs`, `videos`, `audio`, ...) without duplicates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .results import FileRef

FILE_KEYS = ("images", "gifs", "videos", "video", "audio", "audios")


def find_file_refs(outputs: Mapping[str, Mapping[str, Any]]) -> list[FileRef]:
    """Every file reference in `outputs` (node id -> output dict), each (type, subfolder, filename) once.

    Known keys come first in FILE_KEYS order; any other key whose value is a list of
    `{filename, ...}` dicts counts too; non-file keys (text, `animated` flags, numbers) are skipped.
    """
    refs: list[FileRef] = []
    seen: set[tuple[str, str, str]] = set()
    for node_id in sorted(outputs, key=_node_order):
        output = outputs[node_id] or {}
        keys = [key for key in FILE_KEYS if key in output] + sorted(key for key in output if key not in FILE_KEYS)
        for key in keys:
            items = output[key]
            if not isinstance(items, list):
                continue
            for item in items:
                if not isinstance(item, Mapping) or not isinstance(item.get("filename"), str):
                    continue
                ref = FileRef(
                    str(node_id),
                    key,
                    item["filename"],
                    str(item.get("subfolder") or ""),
                    str(item.get("type") or "output"),
                )
                if ref.identity not in seen:
                    seen.add(ref.identity)
                    refs.append(ref)
    return refs


def merge_outputs(into: dict[str, dict[str, Any]], node_id: str, output: Mapping[str, Any]) -> None:
    """Add one `executed` output; a node reported twice (lists, subgraphs) gets its lists extended."""
    current = into.setdefault(str(node_id), {})
    for key, value in output.items():
        if isinstance(value, list) and isinstance(current.get(key), list):
            current[key] = current[key] + [item for item in value if item not in current[key]]
        else:
            current[key] = value


def _node_order(node_id: str) -> tuple[int, str]:
    return (0, f"{int(node_id):012d}") if str(node_id).isdigit() else (1, str(node_id))
