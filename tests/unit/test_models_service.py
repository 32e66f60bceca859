"""Model status for the Settings tab: present, partial or missing under the models folder."""

from __future__ import annotations

import pytest

from app.config import load_config
from app.services import models_service


@pytest.fixture
def config(tmp_path):
    return load_config(None, environ={"INKFRAME__FACESWAP__MODELS_DIR": str(tmp_path)})


def test_states_follow_the_files(config, tmp_path):
    statuses = models_service.model_statuses(config)
    assert statuses and all(status.state == "missing" for status in statuses)
    first, second = statuses[0], statuses[1]
    first.path.parent.mkdir(parents=True, exist_ok=True)
    first.path.write_bytes(b"x" * 10)
    second.path.parent.mkdir(parents=True, exist_ok=True)
    second.path.with_name(second.path.name + ".part").write_bytes(b"x" * 3)
    by_name = {status.name: status for status in models_service.model_statuses(config)}
    assert by_name[first.name].state == "present" and by_name[first.name].have_bytes == 10
    assert by_name[second.name].state == "partial" and by_name[second.name].have_bytes == 3
    assert str(tmp_path) in str(by_name[first.name].path)


def test_unknown_model_is_one_sentence(config):
    with pytest.raises(models_service.ModelsError, match="model 'nope.bin' is not in models/manifest.yaml"):
        models_service.download(config, "nope.bin")


def test_download_root_follows_the_target(config, tmp_path):
    assert models_service.download_root(config) == tmp_path
    with pytest.raises(models_service.ModelsError, match="needs comfyui.launch"):
        models_service.download_root(config, "comfyui")
    comfy = tmp_path / "ComfyUI"
    comfy.mkdir()
    (comfy / "main.py").write_text("")
    launched = load_config(
        None,
        environ={
            "INKFRAME__FACESWAP__MODELS_DIR": str(tmp_path),
            "INKFRAME__COMFYUI__LAUNCH__PATH": str(comfy),
            "INKFRAME__COMFYUI__LAUNCH__PYTHON": "/usr/bin/python3",
        },
    )
    assert models_service.download_root(launched, "comfyui") == comfy / "models"
    assert models_service.download_root(config, comfyui_dir=comfy) == comfy / "models"
    with pytest.raises(models_service.ModelsError, match="holds no main.py"):
        models_service.download_root(config, comfyui_dir=tmp_path)


def test_an_offline_settings_download_is_one_sentence(config, monkeypatch):
    from app.workflows import manifest

    entry = manifest.ModelEntry("tiny.safetensors", "checkpoints", "https://no-such-host.invalid/tiny.safetensors")
    monkeypatch.setattr(models_service, "load_manifest", lambda: [entry])
    with pytest.raises(models_service.ModelsError) as caught:
        models_service.download(config, "tiny.safetensors")
    assert str(caught.value).startswith(
        "Cannot download tiny.safetensors: the host name no-such-host.invalid cannot be resolved"
    )
    assert "HTTPSConnectionPool" not in str(caught.value)
