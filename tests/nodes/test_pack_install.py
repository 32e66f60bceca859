"""The node pack installs every way node packs are installed: copied into a ComfyUI whose own top-level `app/`
package would shadow the studio's, symlinked, or loaded from this repository (extra_model_paths.yaml); and its
requirements list every third-party package its code can reach."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "custom_nodes" / "inkframe_nodes"
APP = REPO / "app"
# Loads a node pack the way ComfyUI 0.3.64's nodes.load_custom_node does (file location, path-derived module
# name), from a ComfyUI root on sys.path[0]; then runs one node and reports where `app` and the studio came from.
LOADER = r"""
import importlib.util, json, os, sys
root, pack = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
import app  # ComfyUI's own package, imported first as ComfyUI's server does
name = pack.replace(".", "_x_")
spec = importlib.util.spec_from_file_location(name, os.path.join(pack, "__init__.py"),
                                              submodule_search_locations=[pack])
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
try:
    spec.loader.exec_module(module)
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    sys.exit(0)
import torch
border = module.NODE_CLASS_MAPPINGS["InkframePanelBorder"]()
out = border.run(image=torch.ones((1, 32, 48, 3)), width=2, color="#000000", style="square", corner_radius=0)
print(json.dumps({"app": app.__file__, "studio": sys.modules["inkframe_app"].__file__,
                  "nodes": sorted(module.NODE_CLASS_MAPPINGS),
                  "corner": float(out[0][0, 0, 0, 0]), "centre": float(out[0][0, 16, 24, 0])}))
"""


def fake_comfyui(tmp_path: Path) -> Path:
    """A ComfyUI-shaped folder with its own `app/` package (as upstream ComfyUI has) and an empty custom_nodes/."""
    root = tmp_path / "ComfyUI"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("COMFYUI_APP = True\n")
    (root / "app" / "user_manager.py").write_text("")
    (root / "custom_nodes").mkdir()
    return root


def load(root: Path, pack: Path, env: dict[str, str] | None = None) -> dict:
    pytest.importorskip("torch", reason="running a node needs torch (CPU)")
    clean = {k: v for k, v in os.environ.items() if k != "INKFRAME_HOME"}
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(root), str(pack)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={**clean, **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def copy_pack(root: Path) -> Path:
    target = root / "custom_nodes" / "inkframe_nodes"
    shutil.copytree(PACK, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_copied_pack_without_the_studio_fails_at_load_with_one_sentence(tmp_path: Path) -> None:
    root = fake_comfyui(tmp_path)
    result = load(root, copy_pack(root))
    error = result["error"]
    assert (
        error.startswith("StudioNotFound: Inkframe Studio nodes at ") and error.count(". ") == 0 and error.endswith(".")
    )
    assert "set INKFRAME_HOME to its folder" in error and "ln -s STUDIO/custom_nodes/inkframe_nodes" in error


def test_copied_pack_with_inkframe_home_loads_beside_comfyuis_own_app(tmp_path: Path) -> None:
    root = fake_comfyui(tmp_path)
    result = load(root, copy_pack(root), {"INKFRAME_HOME": str(REPO)})
    assert result["app"] == str(root / "app" / "__init__.py")  # ComfyUI's package untouched
    assert result["studio"] == str(APP / "__init__.py")  # the studio's, under its private name
    assert {"InkframePanelBorder", "InkframeFaceSwap", "InkframeInt"} <= set(result["nodes"])
    assert (result["corner"], result["centre"]) == (0.0, 1.0)  # the node ran: a black frame on white


def test_symlinked_pack_finds_the_studio_through_the_link(tmp_path: Path) -> None:
    root = fake_comfyui(tmp_path)
    link = root / "custom_nodes" / "inkframe_nodes"
    link.symlink_to(PACK, target_is_directory=True)
    result = load(root, link)
    assert result["studio"] == str(APP / "__init__.py") and result["app"] == str(root / "app" / "__init__.py")


def test_pack_loaded_from_the_repository_needs_nothing_set(tmp_path: Path) -> None:
    """The extra_model_paths.yaml way: ComfyUI loads the pack where it lies, inside this repository."""
    result = load(fake_comfyui(tmp_path), PACK)
    assert result["studio"] == str(APP / "__init__.py")


# ---- requirements -------------------------------------------------------------------------------------------
PROVIDED_BY_COMFYUI = {"torch", "torchvision", "folder_paths", "comfy", "server", "nodes"}
DISTRIBUTIONS = {
    "PIL": "pillow",
    "yaml": "pyyaml",
    "fontTools": "fonttools",
    "cv2": "opencv-python-headless",
    "bidi": "python-bidi",
    "arabic_reshaper": "arabic-reshaper",
}


def reachable_imports() -> dict[str, set[str]]:
    """Top-level third-party modules imported by the pack's files and every app/ module they reach (through
    `adapter.lib("...")` and relative imports), with the files that import them."""

    def module_file(dotted: str) -> Path | None:
        base = APP.joinpath(*dotted.split(".")) if dotted else APP
        return (
            base.with_suffix(".py")
            if base.with_suffix(".py").is_file()
            else (base / "__init__.py" if (base / "__init__.py").is_file() else None)
        )

    def chain(dotted: str) -> list[Path]:
        parts = dotted.split(".") if dotted else []
        return [
            APP / "__init__.py",
            *filter(None, (module_file(".".join(parts[:i])) for i in range(1, len(parts) + 1))),
        ]

    found: dict[str, set[str]] = {}
    stack, seen = list(PACK.rglob("*.py")), set()
    while stack:
        file = stack.pop()
        if file in seen:
            continue
        seen.add(file)
        package = None
        if APP in file.parents:
            parts = list(file.relative_to(APP).with_suffix("").parts)
            package = parts[:-1]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.setdefault(alias.name.split(".")[0], set()).add(str(file.relative_to(REPO)))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.setdefault(node.module.split(".")[0], set()).add(str(file.relative_to(REPO)))
            elif isinstance(node, ast.ImportFrom) and package is not None:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
                stack += chain(target)
                stack += [f for a in node.names if (f := module_file(".".join(filter(None, [target, a.name]))))]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "lib"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                stack += chain(str(node.args[0].value))
    return {
        name: files
        for name, files in found.items()
        if name not in sys.stdlib_module_names and name not in PROVIDED_BY_COMFYUI
    }


def listed_requirements() -> set[str]:
    names = set()
    for line in (PACK / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("# optional:"):
            line = line.removeprefix("# optional:").strip()
        elif line.startswith("#") or not line:
            continue
        names.add(line.split("=")[0].split(">")[0].split("<")[0].split(" ")[0].lower())
    return names


def test_requirements_list_everything_the_pack_can_reach() -> None:
    listed = listed_requirements()
    missing = {
        name: sorted(files)[0]
        for name, files in reachable_imports().items()
        if DISTRIBUTIONS.get(name, name).lower() not in listed
    }
    assert missing == {}, f"custom_nodes/inkframe_nodes/requirements.txt lacks: {missing}"
    pyproject = (PACK / "pyproject.toml").read_text(encoding="utf-8").lower()
    assert all(f'"{name}' in pyproject for name in listed if name != "mediapipe")  # pyproject keeps in step
