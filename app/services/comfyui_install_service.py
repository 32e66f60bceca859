"""Install the embedded default ComfyUI: the pinned, tested release and the node packs the built-in
workflows need (scripts/comfyui_pins.yaml), into a folder of the user's choosing, with its own venv and
the project's torch pin, then point `comfyui.launch` at it (config.local.yaml) so `python main.py`
starts it.

Sources are configurable (a git URL, or a local checkout/mirror path) so that the install also works
offline. A pack whose source cannot be reached is skipped with one sentence; the rest goes on. With
`python` given, that interpreter is used as it is and nothing is installed into it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import LOCAL_CONFIG_PATH, PROJECT_ROOT
from ..errors import InkframeError

PINS_FILE = PROJECT_ROOT / "scripts" / "comfyui_pins.yaml"
DEFAULT_TARGET = PROJECT_ROOT / "comfyui"
CONSTRAINTS = PROJECT_ROOT / "constraints.txt"
UNLISTED_REQUIREMENTS = ("requests",)  # imported by ComfyUI itself, missing from its requirements.txt
NODE_PACK_REQUIREMENTS = PROJECT_ROOT / "custom_nodes" / "inkframe_nodes" / "requirements.txt"
GIT_TIMEOUT_S = 900
PIP_TIMEOUT_S = 3600
PROBE_TIMEOUT_S = 300
Say = Callable[[str], None]


class InstallError(InkframeError):
    """The embedded ComfyUI could not be installed; the message names the step and the fix.
    `reason` is the cause alone (shared by every pack that failed the same way)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message.rstrip(".")


@dataclass(frozen=True)
class PackPin:
    name: str
    source: str
    commit: str
    needed_by: tuple[str, ...] = ()
    # what to pip install instead of the pack's requirements.txt (None: that file), and what to install without its
    # dependencies (a release whose declared pins would break ComfyUI's venv); scripts/comfyui_pins.yaml says why
    requirements: tuple[str, ...] | None = None
    requirements_no_deps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pins:
    source: str
    commit: str
    version: str
    skip_requirements: tuple[str, ...]
    packs: tuple[PackPin, ...]


@dataclass(frozen=True)
class InstallOptions:
    target: Path = DEFAULT_TARGET
    source: str | None = None  # git URL or local checkout/mirror; default: the pinned upstream URL
    packs_source: str | None = None  # a folder (or URL base) holding one checkout per pack, named as the pack
    python: Path | None = None  # reuse this interpreter as it is (no venv, nothing installed)
    base_python: Path = Path(sys.executable)  # makes the venv otherwise
    with_packs: bool = True
    config_out: Path | None = LOCAL_CONFIG_PATH  # None: do not write comfyui.launch anywhere
    extra_args: tuple[str, ...] | None = None  # None: --cpu when the interpreter's torch sees no GPU


@dataclass
class InstallReport:
    path: Path
    python: Path
    commit: str
    extra_args: list[str]
    packs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one sentence per thing skipped or missing
    config_path: Path | None = None


def load_pins(path: Path = PINS_FILE) -> Pins:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        core = data["comfyui"]
        packs = tuple(
            PackPin(
                str(p["name"]),
                str(p["source"]),
                str(p["commit"]),
                tuple(p.get("needed_by") or ()),
                None if p.get("requirements") is None else tuple(str(r) for r in p["requirements"]),
                tuple(str(r) for r in p.get("requirements_no_deps") or ()),
            )
            for p in data.get("packs") or []
        )
        return Pins(
            str(core["source"]),
            str(core["commit"]),
            str(core.get("version", "")),
            tuple(core.get("skip_requirements") or ()),
            packs,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise InstallError(
            f"{path} cannot be read as the ComfyUI pins ({exc.__class__.__name__}); restore it from git."
        ) from exc


def install(options: InstallOptions, say: Say = print, pins: Pins | None = None) -> InstallReport:
    """Install (or bring up to the pins) the embedded ComfyUI; returns what was done and what was skipped."""
    pins = pins or load_pins()
    target = options.target.expanduser().resolve()
    notes: list[str] = []
    say(f"ComfyUI {pins.version} ({pins.commit[:8]}) -> {target}")
    notes += checkout(options.source or pins.source, pins.commit, target, "ComfyUI", say)
    if not (target / "main.py").is_file():
        raise InstallError(f"{target} holds no main.py after the checkout; the source is not a ComfyUI repository.")
    python = prepare_python(options, target, pins, say)
    report = InstallReport(target, python, pins.commit, [], notes=notes)
    if options.with_packs:
        skipped: dict[str, list[PackPin]] = {}
        for pack in pins.packs:
            reason = install_pack(pack, options, target, python, say, report)
            if reason:
                skipped.setdefault(reason, []).append(pack)
        report.notes += [skipped_sentence(reason, packs) for reason, packs in skipped.items()]
    report.extra_args = list(options.extra_args) if options.extra_args is not None else default_extra_args(python)
    if options.config_out is not None:
        report.config_path = write_launch(options.config_out, target, python, report.extra_args)
        say(f"comfyui.launch written to {report.config_path}")
    return report


def checkout(source: str, commit: str, target: Path, what: str, say: Say) -> list[str]:
    """Clone `source` into `target` (or reuse a clone there) and check out `commit`; notes on missing files."""
    if (target / ".git").exists():
        if _git(["rev-parse", "HEAD"], cwd=target, what=what, source=source).stdout.strip() == commit:
            say(f"{what}: already at {commit[:8]}")
            return _missing_files(target, what, source)
        say(f"{what}: moving to {commit[:8]}")
        for fetch in (["fetch", "-q", _git_source(source), commit], ["fetch", "-q", "--tags", _git_source(source)]):
            if (
                _git(
                    ["cat-file", "-e", f"{commit}^{{commit}}"], cwd=target, what=what, source=source, check=False
                ).returncode
                == 0
            ):
                break
            _git(fetch, cwd=target, what=what, source=source, check=False)
    elif target.exists() and any(target.iterdir()):
        raise InstallError(f"{target} exists and is not a git checkout; choose an empty folder for {what}.")
    else:
        say(f"{what}: cloning {source}")
        target.parent.mkdir(parents=True, exist_ok=True)
        _git(["clone", "-q", "--no-checkout", _git_source(source), str(target)], what=what, source=source)
    done = _git(
        ["-c", "advice.detachedHead=false", "checkout", "-q", "--force", "--detach", commit],
        cwd=target,
        what=what,
        source=source,
        check=False,
    )
    if done.returncode != 0 and not _only_missing_blobs(done.stderr):
        if (
            "reference is not a tree" in done.stderr
            or "did not match" in done.stderr
            or "unable to read tree" in done.stderr
        ):
            raise InstallError(
                f"The {what} source {source} does not have the pinned commit {commit[:8]}; "
                "use a newer clone or mirror.",
                "the sources lack the pinned commits",
            )
        raise InstallError(f"Checking out {what} {commit[:8]} failed: {_first_error(done.stderr)}.")
    return _missing_files(target, what, source)


def prepare_python(options: InstallOptions, target: Path, pins: Pins, say: Say) -> Path:
    """The interpreter ComfyUI runs with: the one given (untouched), else TARGET/venv with the pinned torch."""
    if options.python is not None:
        python = options.python.expanduser()
        if not python.exists():
            raise InstallError(
                f"The python {python} does not exist; give the interpreter of an existing ComfyUI environment."
            )
        say(f"python: reusing {python} as it is (nothing installed into it)")
        return python
    venv = target / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        say(f"python: creating {venv}")
        _run([str(options.base_python), "-m", "venv", str(venv)], "creating the venv", PROBE_TIMEOUT_S)
    torch_pins = [
        line.strip()
        for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()
        if re.match(r"^(torch|torchvision)==", line.strip())
    ]
    say(f"python: installing {', '.join(torch_pins)} (the project's pin; a few minutes)")
    _pip(python, ["install", "-q", "--upgrade", "pip"])
    _pip(python, ["install", "-q", *torch_pins])
    requirements = target / ".inkframe-requirements.txt"
    skip = {name.lower() for name in pins.skip_requirements}
    lines = (target / "requirements.txt").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if _requirement_name(line) not in skip]
    listed = {_requirement_name(line) for line in kept}
    # 0.3.64's server imports requests without listing it (measured: a venv of its requirements alone fails to start)
    kept += [name for name in UNLISTED_REQUIREMENTS if name not in listed]
    requirements.write_text("\n".join(kept) + "\n", encoding="utf-8")
    say("python: installing ComfyUI's requirements" + (f" (without {', '.join(sorted(skip))})" if skip else ""))
    _pip(python, ["install", "-q", "-r", str(requirements)])
    if NODE_PACK_REQUIREMENTS.is_file():
        say("python: installing the requirements of the project's node pack (custom_nodes/inkframe_nodes)")
        _pip(python, ["install", "-q", "-r", str(NODE_PACK_REQUIREMENTS)])
    return python


def install_pack(
    pack: PackPin, options: InstallOptions, target: Path, python: Path, say: Say, report: InstallReport
) -> str:
    """Clone one pinned pack into TARGET/custom_nodes and install its requirements; the cause when skipped, else ""."""
    source = pack_source(pack, options.packs_source)
    if source is None:
        return f"they are not in {options.packs_source}"
    folder = target / "custom_nodes" / pack.name
    try:
        report.notes += checkout(source, pack.commit, folder, pack.name, say)
    except InstallError as exc:
        return exc.reason
    if options.python is None:
        try:
            install_pack_requirements(pack, folder, python, say)
        except InstallError as exc:
            report.notes.append(
                f"{pack.name}: its requirements did not install ({exc.reason}); its nodes may fail to load."
            )
    report.packs.append(pack.name)
    return ""


def install_pack_requirements(pack: PackPin, folder: Path, python: Path, say: Say) -> None:
    """The pack's requirements.txt, or the pinned replacement for it, into ComfyUI's venv."""
    if pack.requirements is not None:
        say(f"{pack.name}: installing the pinned requirements (instead of its requirements.txt)")
        if pack.requirements:
            _pip(python, ["install", "-q", *pack.requirements])
    elif (folder / "requirements.txt").is_file():
        _pip(python, ["install", "-q", "-r", str(folder / "requirements.txt")])
    if pack.requirements_no_deps:
        _pip(python, ["install", "-q", "--no-deps", *pack.requirements_no_deps])


def skipped_sentence(reason: str, packs: list[PackPin]) -> str:
    """One sentence for every pack skipped for the same cause."""
    names = ", ".join(p.name for p in packs)
    needed = sorted({name for p in packs for name in p.needed_by})
    count = f"{len(packs)} node packs were" if len(packs) > 1 else "1 node pack was"
    return (
        f"{count} skipped ({names}): {reason}; run the install again when they can be reached, or give local "
        f"checkouts with --packs-source DIR (needed by {', '.join(needed)})."
    )


def pack_source(pack: PackPin, packs_source: str | None) -> str | None:
    if not packs_source:
        return pack.source
    if re.match(r"^[a-z+]+://", packs_source) or packs_source.startswith("git@"):
        return f"{packs_source.rstrip('/')}/{pack.name}.git"
    local = Path(packs_source).expanduser() / pack.name
    return str(local) if local.exists() else None


def default_extra_args(python: Path) -> list[str]:
    """['--cpu'] when that interpreter's torch sees no CUDA device (ComfyUI then needs the flag)."""
    try:
        probe = subprocess.run(
            [str(python), "-c", "import torch; print(torch.cuda.is_available())"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ["--cpu"]
    return [] if probe.stdout.strip().endswith("True") else ["--cpu"]


def write_launch(path: Path, comfyui: Path, python: Path, extra_args: list[str]) -> Path:
    """Set comfyui.launch in `path` (config.local.yaml by default), keeping its other settings."""
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InstallError(f"{path} is not valid YAML; fix or remove it, then run the install again.") from exc
        if not isinstance(data, dict):
            raise InstallError(f"{path} does not hold a mapping; fix or remove it, then run the install again.")
    section = data.setdefault("comfyui", {}) or {}
    data["comfyui"] = section
    section["launch"] = {"path": str(comfyui), "python": str(python), "extra_args": list(extra_args)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Machine settings, overlaid on config.yaml (git-ignored). comfyui.launch was written by\n"
        "# `python main.py comfyui install`; the studio starts that ComfyUI itself.\n"
        + yaml.safe_dump(data, sort_keys=False),
        encoding="utf-8",
    )
    return path


# ---- helpers ------------------------------------------------------------------------------------------
def _git_source(source: str) -> str:
    path = Path(source).expanduser()
    return str(path.resolve()) if path.exists() else source


def _git(
    args: list[str], *, what: str, source: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, env=env)
    except FileNotFoundError as exc:
        raise InstallError("git is not installed; install it (apt-get install git) and run the install again.") from exc
    except subprocess.TimeoutExpired as exc:
        raise InstallError(
            f"git {args[0]} of {what} from {source} took over {GIT_TIMEOUT_S} s; check the network."
        ) from exc
    if check and done.returncode != 0:
        raise InstallError(
            f"Cannot get {what} from {source}: {_first_error(done.stderr)}; check the network, "
            "or give a local checkout or mirror as the source.",
            _cause(done.stderr),
        )
    return done


def _missing_files(target: Path, what: str, source: str) -> list[str]:
    """A note when the source lacked file contents (a partial mirror): the checkout works without them."""
    deleted = _git(["ls-files", "--deleted"], cwd=target, what=what, source=source, check=False).stdout.split()
    if not deleted:
        return []
    shown = ", ".join(deleted[:3]) + (f" and {len(deleted) - 3} more" if len(deleted) > 3 else "")
    return [
        f"{what}: the source {source} lacks the content of {shown}; the rest is checked out, but whatever "
        "needs those files will fail: install from a complete clone to get them."
    ]


def _only_missing_blobs(stderr: str) -> bool:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return bool(lines) and all("unable to read sha1 file" in line or "invalid object" in line for line in lines)


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    chosen = next(
        (line for line in lines if line.startswith(("fatal:", "error:", "ERROR:"))), lines[-1] if lines else "no output"
    )
    return chosen.rstrip(".")[:300]


def _cause(stderr: str) -> str:
    """git's error without the repository's own URL or path, so that packs failing alike share one sentence."""
    text = _first_error(stderr).removeprefix("fatal: ").removeprefix("error: ")
    if "': " in text:  # "unable to access 'https://host/x.git/': Could not resolve host: host"
        return text.rsplit("': ", 1)[1]
    return re.sub(r"'[^']*'", "the source", text)


def _requirement_name(line: str) -> str:
    return re.split(r"[<>=!~\[;\s]", line.strip(), maxsplit=1)[0].lower()


def _pip(python: Path, args: list[str]) -> None:
    env = {**os.environ, "PIP_CONSTRAINT": str(CONSTRAINTS), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        [str(python), "-m", "pip", *args],
        f"pip {' '.join(a for a in args if not a.startswith('-'))}",
        PIP_TIMEOUT_S,
        env,
    )


def _run(command: list[str], step: str, timeout: float, env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{step} failed: {exc.__class__.__name__}.") from exc
    if done.returncode != 0:
        raise InstallError(f"{step} failed: {_first_error(done.stderr or done.stdout)}.")
