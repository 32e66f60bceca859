"""A workflow that needs node types the backend lacks: one sentence naming them and where they come from."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import WorkflowError

SOURCES_FILE = Path(__file__).with_name("node_sources.json")
CORE_PACK_ID = "comfy-core"


class MissingNodeTypesError(WorkflowError):
    """Conversion for running refused: the backend lacks some of the workflow's node types."""

    def __init__(self, message: str, node_types: Iterable[str]) -> None:
        super().__init__(message)
        self.node_types = tuple(node_types)


@lru_cache(maxsize=1)
def node_sources() -> dict[str, Any]:
    """{"packs": {pack: {registry_id, repo}}, "nodes": {node_type: pack}} from the recorded packs' object_info."""
    return json.loads(SOURCES_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def core_types() -> frozenset[str]:
    """Core node types that ComfyUI frontend 1.58.1 knows (a backend lacking one is older than it)."""
    return frozenset(node_sources().get("core_types") or ())


def source_of(node_type: str, properties: Mapping[str, Any] | None = None) -> str:
    """Where a node type comes from, as words ("" when unknown): the saved node's own properties first
    (`cnr_id` + `ver`, which the editor stores), then the recorded node packs, then the core node types
    frontend 1.58 knows."""
    props = properties if isinstance(properties, Mapping) else {}
    cnr_id, ver = props.get("cnr_id"), props.get("ver")
    ver = ver if isinstance(ver, str) and ver and ver != "unknown" else ""
    if cnr_id == CORE_PACK_ID:
        return f"ComfyUI {ver.lstrip('v')} or newer" if ver else "a newer ComfyUI"
    data = node_sources()
    pack = data["nodes"].get(node_type)
    if pack is not None:
        return f"the {pack} node pack (`comfy node install {data['packs'][pack]['registry_id']}`)"
    if node_type.startswith("Inkframe"):
        return "Inkframe Studio's own node pack (`python scripts/download_models.py --extra-model-paths COMFYUI_DIR`)"
    if node_type in core_types():
        return "a newer ComfyUI"
    if isinstance(cnr_id, str) and cnr_id:
        suffix = f" {ver}" if ver else ""
        return f"the {cnr_id}{suffix} node pack (`comfy node install {cnr_id}`)"
    aux_id = props.get("aux_id")
    if isinstance(aux_id, str) and aux_id:
        return f"github.com/{aux_id}"
    return ""


def missing_types_sentence(nodes: Iterable[Mapping[str, Any]]) -> str:
    """One sentence for the UI nodes whose types the backend lacks (each type named once, with its source)."""
    described: dict[str, str] = {}
    for node in nodes:
        node_type = str(node.get("type"))
        source = source_of(node_type, node.get("properties"))
        if node_type not in described or (source and not described[node_type]):
            described[node_type] = source
    if any(t.startswith(("workflow>", "workflow/")) for t in described):
        groups = ", ".join(t for t in described if t.startswith(("workflow>", "workflow/")))
        return (
            f"This workflow uses legacy group nodes ({groups}), which the app does not expand; open it in ComfyUI, "
            "convert them to subgraphs and save it again."
        )
    parts = [f"{t} (from {s})" if s else t for t, s in sorted(described.items())]
    noun = "node type" if len(parts) == 1 else "node types"
    return (
        f"This ComfyUI lacks the workflow's {noun} {', '.join(parts)}; "
        f"install {'it' if len(parts) == 1 else 'them'} and restart ComfyUI to run it."
    )
