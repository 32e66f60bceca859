"""The embedded ComfyUI installer against local git repositories (no network): checkout at the pinned
commit, packs from a local folder or skipped with one sentence, comfyui.launch written to the config overlay."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.config import load_config
from app.services import comfyui_install_service as installer


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_repo(folder: Path, files: dict[str, str]) -> str:
    folder.mkdir(parents=True)
    git("init", "-q", cwd=folder)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    git("add", ".", cwd=folder)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "pinned", cwd=folder)
    commit = git("rev-parse", "HEAD", cwd=folder)
    (folder / "main.py").write_text("# a later commit the pin does not want\n")
    git("add", ".", cwd=folder)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "later", cwd=folder)
    return commit


@pytest.fixture
def sources(tmp_path):
    comfy_commit = make_repo(
        tmp_path / "src" / "ComfyUI", {"main.py": "# pinned\n", "requirements.txt": "torch\ntorchaudio\n"}
    )
    pack_commit = make_repo(tmp_path / "packs" / "PackA", {"__init__.py": "NODE_CLASS_MAPPINGS = {}\n"})
    pins = installer.Pins(
        "https://example.invalid/ComfyUI.git",
        comfy_commit,
        "0.0.1",
        ("torchaudio",),
        (
            installer.PackPin("PackA", "https://example.invalid/PackA.git", pack_commit, ("panel",)),
            installer.PackPin("PackB", "https://example.invalid/PackB.git", "0" * 40, ("text_to_video",)),
        ),
    )
    return pins, tmp_path / "src" / "ComfyUI", tmp_path / "packs"


def test_install_checks_out_the_pins_and_writes_the_launch(sources, tmp_path):
    pins, source, packs = sources
    config_out = tmp_path / "config.local.yaml"
    config_out.write_text("app:\n  port: 7999\n")
    options = installer.InstallOptions(
        target=tmp_path / "comfyui",
        source=str(source),
        packs_source=str(packs),
        python=Path(sys.executable),
        config_out=config_out,
        extra_args=("--cpu",),
    )
    lines: list[str] = []
    report = installer.install(options, say=lines.append, pins=pins)
    target = tmp_path / "comfyui"
    assert (target / "main.py").read_text() == "# pinned\n"
    assert git("rev-parse", "HEAD", cwd=target / "custom_nodes" / "PackA") == pins.packs[0].commit
    assert report.packs == ["PackA"]
    assert report.notes == [
        f"1 node pack was skipped (PackB): they are not in {packs}; run the install again when they "
        "can be reached, or give local checkouts with --packs-source DIR (needed by text_to_video)."
    ]
    written = yaml.safe_load(config_out.read_text())
    assert written["app"] == {"port": 7999}  # other settings kept
    assert written["comfyui"]["launch"] == {"path": str(target), "python": sys.executable, "extra_args": ["--cpu"]}
    config = load_config(
        None,
        environ={"INKFRAME__COMFYUI__LAUNCH__PATH": str(target), "INKFRAME__COMFYUI__LAUNCH__PYTHON": sys.executable},
    )
    assert config.comfyui.launch is not None
    # a second run finds everything in place
    again = installer.install(options, say=lines.append, pins=pins)
    assert again.packs == ["PackA"] and any("already at" in line for line in lines)


def test_an_unreachable_pack_source_is_skipped_with_one_sentence(sources, tmp_path):
    pins, source, _packs = sources
    options = installer.InstallOptions(
        target=tmp_path / "comfyui",
        source=str(source),
        packs_source="file:///nonexistent/mirror",
        python=Path(sys.executable),
        config_out=None,
        extra_args=(),
    )
    report = installer.install(options, say=lambda _line: None, pins=pins)
    assert report.packs == []
    [note] = report.notes  # one sentence for the two packs that failed the same way
    assert note.startswith("2 node packs were skipped (PackA, PackB): ")
    assert "/nonexistent/mirror" not in note and note.endswith("(needed by panel, text_to_video).")


def test_a_source_without_the_pinned_commit_is_one_sentence(sources, tmp_path):
    pins, source, _packs = sources
    wrong = installer.Pins(pins.source, "1" * 40, pins.version, (), ())
    options = installer.InstallOptions(
        target=tmp_path / "comfyui", source=str(source), python=Path(sys.executable), config_out=None, extra_args=()
    )
    with pytest.raises(
        installer.InstallError, match=r"does not have the pinned commit 11111111; use a newer clone or mirror\.$"
    ):
        installer.install(options, say=lambda _line: None, pins=wrong)


def test_a_non_git_folder_in_the_way_is_refused(sources, tmp_path):
    pins, source, _packs = sources
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x.txt").write_text("mine")
    options = installer.InstallOptions(
        target=tmp_path / "busy", source=str(source), python=Path(sys.executable), config_out=None
    )
    with pytest.raises(installer.InstallError, match="exists and is not a git checkout; choose an empty folder"):
        installer.install(options, say=lambda _line: None, pins=pins)


def test_the_shipped_pins_name_the_tested_release():
    pins = installer.load_pins()
    assert pins.commit == "a125cd84b054a57729b5eecab930ca9408719832" and pins.version == "0.3.64"
    assert {p.name for p in pins.packs} >= {
        "ComfyUI-VideoHelperSuite",
        "ComfyUI-AnimateDiff-Evolved",
        "ComfyUI_IPAdapter_plus",
    }
    assert all(len(p.commit) == 40 for p in pins.packs)


def test_the_local_config_overlays_the_default_config(tmp_path, monkeypatch):
    from app import config as config_module

    local = tmp_path / "config.local.yaml"
    installer.write_launch(local, tmp_path / "comfyui", Path(sys.executable), ["--cpu"])
    monkeypatch.setattr(config_module, "LOCAL_CONFIG_PATH", local)
    overlaid = load_config(None, environ={})
    assert overlaid.comfyui.launch is not None and overlaid.comfyui.launch.extra_args == ["--cpu"]
    assert overlaid.comfyui.url == "http://127.0.0.1:8188"  # config.yaml's other values stay
    assert load_config(None, environ={"INKFRAME_CONFIG": str(config_module.DEFAULT_CONFIG_PATH)}).comfyui.launch is None


def test_a_fresh_venv_gets_the_torch_pin_and_comfyuis_requirements_without_torchaudio(sources, tmp_path, monkeypatch):
    pins, source, _packs = sources
    commands: list[list[str]] = []
    monkeypatch.setattr(installer, "_run", lambda command, *_a, **_k: commands.append(command))
    options = installer.InstallOptions(
        target=tmp_path / "comfyui", source=str(source), with_packs=False, config_out=None, extra_args=()
    )
    report = installer.install(options, say=lambda _line: None, pins=pins)
    venv_python = str(tmp_path / "comfyui" / "venv" / "bin" / "python")
    assert report.python == Path(venv_python)
    assert commands[0] == [str(options.base_python), "-m", "venv", str(tmp_path / "comfyui" / "venv")]
    pip = [c[3:] for c in commands[1:]]
    assert all(c[:3] == [venv_python, "-m", "pip"] for c in commands[1:])
    assert ["install", "-q", "torch==2.13.0", "torchvision==0.28.0"] in pip
    requirements = (tmp_path / "comfyui" / ".inkframe-requirements.txt").read_text().split()
    assert requirements == [
        "torch",
        "requests",
    ]  # torchaudio left out (no wheel for the torch pin); requests added (ComfyUI imports it unlisted)
    assert ["install", "-q", "-r", str(installer.NODE_PACK_REQUIREMENTS)] in pip


def test_a_rerun_moves_an_older_install_to_the_pins(sources, tmp_path):
    pins, source, _packs = sources
    target = tmp_path / "comfyui"
    subprocess.run(["git", "clone", "-q", str(source), str(target)], check=True)
    assert (target / "main.py").read_text() != "# pinned\n"  # the clone is at the later commit
    options = installer.InstallOptions(
        target=target, source=str(source), python=Path(sys.executable), with_packs=False, config_out=None, extra_args=()
    )
    installer.install(options, say=lambda _line: None, pins=pins)
    assert (target / "main.py").read_text() == "# pinned\n"


def test_a_pack_with_pinned_requirements_installs_them_instead_of_its_own(tmp_path, monkeypatch):
    commands: list[list[str]] = []
    monkeypatch.setattr(installer, "_run", lambda command, *_a, **_k: commands.append(command))
    folder = tmp_path / "Pack"
    folder.mkdir()
    (folder / "requirements.txt").write_text("numpy<=1.26.4\nmediapipe\n")
    python = tmp_path / "venv" / "bin" / "python"
    own = installer.PackPin("Pack", "https://example.invalid/Pack.git", "0" * 40)
    installer.install_pack_requirements(own, folder, python, say=lambda _line: None)
    assert [c[3:] for c in commands] == [["install", "-q", "-r", str(folder / "requirements.txt")]]
    commands.clear()
    pinned = installer.PackPin(
        "Pack", "https://example.invalid/Pack.git", "0" * 40, (), ("pykalman", "protobuf<5"), ("mediapipe==0.10.21",)
    )
    installer.install_pack_requirements(pinned, folder, python, say=lambda _line: None)
    assert [c[3:] for c in commands] == [
        ["install", "-q", "pykalman", "protobuf<5"],
        ["install", "-q", "--no-deps", "mediapipe==0.10.21"],
    ]


def test_the_shipped_pins_keep_liveportraits_requirements_off_comfyuis_numpy():
    [live] = [p for p in installer.load_pins().packs if p.name == "ComfyUI-LivePortraitKJ"]
    assert live.requirements is not None and not any(r.startswith("numpy") for r in live.requirements)
    assert "onnxruntime-gpu" not in live.requirements and live.requirements_no_deps == ("mediapipe==0.10.21",)
