"""The layer rules of docs/architecture.md, checked by parsing imports (ast); used by tests/unit/test_architecture.py.

Every function takes the repository root, so a test can plant a violation in a temporary tree. Each returns
sentences `path:line: what is wrong`, empty when the rule holds. Imports inside functions and under
TYPE_CHECKING count like any other: a dependency is a dependency.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Rank of each package under app/: a module may import its own package, a lower rank, or a FOUNDATION module.
# Read from the code (issue 19); docs/architecture.md shows the same table.
LAYERS: dict[str, int] = {
    "ui": 6,
    "cli": 6,
    "api": 6,  # entry points: the web UI, the command line, the REST API
    "services": 5,  # one module per capability: the single door for the entry points
    "book": 4,  # the book builder: panels through the queue or a backend, pages, exports
    "jobs": 3,  # persistent queue, dispatch over backends, restart safety
    "workflows": 2,
    "story": 2,
    "motion": 2,
    "faceswap": 2,  # workflow files; writers' room; motion; face swap
    "comfy": 1,
    "llm": 1,  # transports: ComfyUI (HTTP/WS), the LLM endpoint
    "comic": 0,
    "media": 0,
    "quality": 0,
    "provenance": 0,  # pure libraries (PIL/numpy/ffmpeg/c2pa)
}
FOUNDATION = frozenset(
    {"backoff", "config", "errors", "image_files", "image_limits", "torch_compat"}
)  # import no other app module
ENTRY = frozenset({"ui", "cli", "api"})
ENTRY_MAY_IMPORT = frozenset({"services", "config", "errors", "image_files"})  # besides their own package
# (file, imported module or its prefix) -> why the rule does not apply there.
LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("app/ui/server.py", "app.api"): "one web server on one port: the UI mounts the REST API and its request guards",
    ("app/cli/ui_cmd.py", "app.ui"): "the `ui` command starts the web UI",
}

GRADIO_HOME = "app/ui"
HTTP_MODULES = frozenset(
    {"requests", "websocket", "websockets", "httpx", "aiohttp", "urllib3", "http.client", "urllib.request"}
)
HTTP_HOME = "app/comfy"
HTTP_EXCEPTIONS: dict[str, str] = {
    "app/llm/client.py": "the writers' room talks to an OpenAI-compatible LLM endpoint, not to ComfyUI",
    "app/llm/local_server.py": "waits for the local llama.cpp server it started to answer",
    "app/jobs/webhooks.py": "posts job events to the webhook URL the user configured",
    "app/workflows/model_download.py": "downloads model files from the URLs of the model manifest",
}
SCANNED = ("app", "custom_nodes", "main.py")

PACK = "custom_nodes/inkframe_nodes"
PROVIDED_BY_COMFYUI = frozenset(
    {
        "torch",
        "torchvision",
        "folder_paths",
        "comfy",
        "comfy_extras",
        "server",
        "nodes",
        "node_helpers",
        "latent_preview",
    }
)
IMPORT_NAMES = {
    "pillow": "PIL",
    "pyyaml": "yaml",
    "fonttools": "fontTools",
    "opencv-python-headless": "cv2",
    "python-bidi": "bidi",
    "arabic-reshaper": "arabic_reshaper",
}  # distribution -> top-level module


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository root, with '/'
    line: int
    target: str  # absolute dotted name; `from a.b import c` gives a.b.c


def python_files(root: Path, *places: str) -> list[Path]:
    files: list[Path] = []
    for place in places:
        path = root / place
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
    return files


def package_of(file: Path, root: Path) -> list[str]:
    """The dotted package a file's relative imports start from (`app/jobs/kinds.py` and `app/jobs/__init__.py`:
    app.jobs)."""
    parts = list(file.relative_to(root).with_suffix("").parts)
    return parts[:-1]


def parse(file: Path) -> ast.Module:
    return _parse(file, file.stat().st_mtime_ns)


@lru_cache(maxsize=4096)
def _parse(file: Path, _mtime_ns: int) -> ast.Module:
    return ast.parse(file.read_text(encoding="utf-8"), filename=str(file))


MODULE_STRING = re.compile(r"^app(\.[a-z_][a-z0-9_]*)+(:[a-z_][a-z0-9_]*)?$")  # "app.x.y" or "app.x.y:function"


def imports_of(file: Path, root: Path) -> Iterator[Import]:
    """Import statements, and strings naming a module of the studio (importlib.import_module("app.x"),
    "app.x:function" registries): a module loaded by name is a dependency all the same."""
    name = file.relative_to(root).as_posix()
    package = package_of(file, root)
    for node in ast.walk(parse(file)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.match(node.value):
            yield Import(name, node.lineno, node.value.partition(":")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level <= len(package) else ["<outside>"]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                yield Import(name, node.lineno, f"{module}.{alias.name}" if alias.name != "*" else module)


def app_package(dotted: str) -> str | None:
    """`app.jobs.models.Job` -> `jobs`; `app.config.Config` -> `config`; None outside app."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def layer_violations(root: Path) -> list[str]:
    problems: list[str] = []
    for file in python_files(root, "app"):
        own = app_package(".".join(file.relative_to(root).with_suffix("").parts))
        if own is None or own == "__init__":
            continue
        if own not in LAYERS and own not in FOUNDATION:
            problems.append(
                f"{file.relative_to(root).as_posix()}:1: app/{own} is in no layer; add it to LAYERS in "
                "tests/architecture_rules.py and to docs/architecture.md."
            )
            continue
        for imp in imports_of(file, root):
            target = app_package(imp.target)
            if target is None or target == own:
                continue
            if any(
                imp.file == where and (imp.target + ".").startswith(prefix + ".") for where, prefix in LAYER_EXCEPTIONS
            ):
                continue
            problem = _layer_problem(own, target)
            if problem:
                problems.append(f"{imp.file}:{imp.line}: imports {imp.target}: {problem}")
    return problems


def _layer_problem(own: str, target: str) -> str:
    if own in FOUNDATION:
        return "" if target in FOUNDATION else f"app/{own}.py is a foundation module and imports no other layer."
    if own in ENTRY:
        return (
            ""
            if target in ENTRY_MAY_IMPORT
            else (f"app/{own} reaches lower layers only through app.services (add a service function there).")
        )
    if target in FOUNDATION:
        return ""
    if target not in LAYERS:
        return f"app/{target} is in no layer."
    if LAYERS[target] >= LAYERS[own]:
        return (
            f"app/{own} (layer {LAYERS[own]}) may not import app/{target} (layer {LAYERS[target]}): upward or sideways."
        )
    return ""


def gradio_violations(root: Path) -> list[str]:
    return [
        f"{imp.file}:{imp.line}: imports {imp.target}: gradio belongs in {GRADIO_HOME} only."
        for file in python_files(root, *SCANNED)
        for imp in imports_of(file, root)
        if imp.target.split(".")[0] == "gradio" and not imp.file.startswith(GRADIO_HOME + "/")
    ]


def http_violations(root: Path) -> list[str]:
    problems = []
    for file in python_files(root, *SCANNED):
        for imp in imports_of(file, root):
            if not any((imp.target + ".").startswith(module + ".") for module in HTTP_MODULES):
                continue
            if imp.file.startswith(HTTP_HOME + "/") or imp.file in HTTP_EXCEPTIONS:
                continue
            problems.append(
                f"{imp.file}:{imp.line}: imports {imp.target}: HTTP/WebSocket clients belong in "
                f"{HTTP_HOME} (or a justified entry in HTTP_EXCEPTIONS)."
            )
    return problems


def pack_requirements(root: Path) -> set[str]:
    names = set()
    for line in (root / PACK / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("# optional:").strip()
        if line and not line.startswith("#"):
            dist = line.split("=")[0].split(">")[0].split("<")[0].split(" ")[0].lower()
            names.add(IMPORT_NAMES.get(dist, dist.replace("-", "_")))
    return names


def pack_violations(root: Path) -> list[str]:
    """The node pack works as a copy inside ComfyUI: its files import only the standard library, the pack itself,
    ComfyUI's modules and its requirements.txt; the studio only through `adapter.lib("...")`, whose modules
    (and everything they import) use relative imports, because inside ComfyUI the name `app` is ComfyUI's."""
    problems: list[str] = []
    allowed = set(sys.stdlib_module_names) | PROVIDED_BY_COMFYUI | pack_requirements(root)
    pack_parts = len(Path(PACK).parts)
    lib_targets: list[tuple[str, int, str]] = []
    for file in python_files(root, PACK):
        depth = len(package_of(file, root)) - pack_parts  # how many `..` stay inside the pack
        for node in ast.walk(parse(file)):
            where = f"{file.relative_to(root).as_posix()}:{getattr(node, 'lineno', 1)}"
            if isinstance(node, ast.ImportFrom) and node.level:
                if node.level - 1 > depth:
                    problems.append(f"{where}: a relative import leaves the pack; a copied pack has nothing above it.")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for top in {n.split(".")[0] for n in names} - allowed:
                    hint = ' (reach the studio through adapter.lib("..."))' if top in ("app", "inkframe_app") else ""
                    problems.append(
                        f"{where}: imports {top}, which a copied pack cannot resolve{hint}: use the "
                        "standard library, ComfyUI's modules or a package in the pack's requirements.txt."
                    )
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "lib"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                lib_targets.append((where, node.lineno, node.args[0].value))
    problems += _studio_modules_problems(root, lib_targets)
    return problems


def _module_file(root: Path, dotted: str) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _studio_modules_problems(root: Path, lib_targets: list[tuple[str, int, str]]) -> list[str]:
    problems: list[str] = []
    stack: list[Path] = []
    for where, _line, name in lib_targets:
        file = _module_file(root, f"app.{name}")
        if file is None:
            problems.append(f"{where}: lib({name!r}) names no module under app/.")
        else:
            stack.append(file)
    seen: set[Path] = set()
    while stack:
        file = stack.pop()
        if file in seen:
            continue
        seen.add(file)
        parts = package_of(file, root)
        stack += [p for i in range(1, len(parts) + 1) if (p := _module_file(root, ".".join(parts[:i])))]
        for node in ast.walk(parse(file)):
            if isinstance(node, ast.Import | ast.ImportFrom) and not (isinstance(node, ast.ImportFrom) and node.level):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(n.split(".")[0] == "app" for n in names):
                    problems.append(
                        f"{file.relative_to(root).as_posix()}:{node.lineno}: the node pack loads this module "
                        "under the name inkframe_app, where `app` is ComfyUI's: import the studio relatively."
                    )
        for imp in imports_of(file, root):
            if app_package(imp.target) is not None:
                dotted = imp.target
                while dotted and (found := _module_file(root, dotted)) is None:
                    dotted = dotted.rpartition(".")[0]
                if dotted:
                    stack.append(found)
    return problems
