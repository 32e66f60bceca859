"""Rebuild app/workflows/node_sources.json (node type -> the node pack that provides it) from the recorded
object_info of the 8 node packs in ../shared/comfyui/object_info/ (packs.json names each pack's registry id).

Run: `.venv/bin/python scripts/build_node_sources.py [--check]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "app" / "workflows" / "node_sources.json"


def build(recorded: Path, core_types: list[str]) -> dict:
    packs = json.loads((recorded / "packs.json").read_text(encoding="utf-8"))["packs"]
    result: dict = {
        "_about": "Node type -> node pack, from the recorded /object_info of these packs "
        "(scripts/build_node_sources.py); "
        "core_types: the core node types ComfyUI frontend 1.58.1 ships English names for (its nodeDefs "
        "locale), so a backend lacking one needs a newer ComfyUI.",
        "packs": {},
        "nodes": {},
        "core_types": sorted(set(core_types)),
    }
    for name, pack in sorted(packs.items()):
        result["packs"][name] = {"registry_id": pack["registry_id"], "repo": pack["repo"]}
        info = json.loads((recorded / pack["file"]).read_text(encoding="utf-8"))
        for node_type in sorted(info):
            result["nodes"].setdefault(node_type, name)
    result["nodes"] = dict(sorted(result["nodes"].items()))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recorded", type=Path, default=ROOT.parent / "shared" / "comfyui" / "object_info")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    parser.add_argument(
        "--core-types",
        type=Path,
        metavar="JSON",
        help="a JSON list or {type: name} object of core node types (default: keep the file's current list)",
    )
    args = parser.parse_args(argv)
    if not (args.recorded / "packs.json").is_file():
        print(f"{args.recorded}/packs.json not found; nothing to build.")
        return 0
    if args.core_types:
        core_types = list(json.loads(args.core_types.read_text(encoding="utf-8")))
    else:
        core_types = json.loads(TARGET.read_text(encoding="utf-8")).get("core_types", []) if TARGET.is_file() else []
    text = json.dumps(build(args.recorded, core_types), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        ok = TARGET.is_file() and TARGET.read_text(encoding="utf-8") == text
        print("node_sources.json is up to date" if ok else "node_sources.json is out of date")
        return 0 if ok else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
