"""The Settings tab's models section: an offline download is one sentence, the table says what the backend lists."""

from __future__ import annotations

from app.config import load_config
from app.services import backend_models_service, models_service
from app.ui.components import settings_tab
from app.ui.context import UiContext
from app.workflows.manifest import ModelEntry

ENTRY = ModelEntry("tiny.safetensors", "checkpoints", "https://no-such-host.invalid/tiny.safetensors", licence="test")


def context(tmp_path) -> UiContext:
    config = load_config(
        None,
        environ={
            "INKFRAME__FACESWAP__MODELS_DIR": str(tmp_path / "models"),
            "INKFRAME__APP__DATA_DIR": str(tmp_path / "data"),
        },
    )
    return UiContext(config=config, comfyui_url="http://127.0.0.1:9")


def test_an_offline_download_shows_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setattr(models_service, "load_manifest", lambda: [ENTRY])
    rows, _choices, status = settings_tab.download(
        context(tmp_path), "tiny.safetensors", progress=lambda *_a, **_k: None
    )
    assert "Cannot download tiny.safetensors: the host name no-such-host.invalid cannot be resolved" in status
    assert "HTTPSConnectionPool" not in status and "Traceback" not in status
    assert rows == [["tiny.safetensors", "checkpoints", "missing", "?", "?", "", "test"]]  # backend down: "?"


def test_the_table_says_whether_the_backend_lists_each_file(tmp_path, monkeypatch):
    monkeypatch.setattr(models_service, "load_manifest", lambda: [ENTRY])
    monkeypatch.setattr(
        backend_models_service,
        "object_info",
        lambda *_a, **_k: {
            "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["SD15/tiny.safetensors"]]}}}
        },
    )
    rows, _choices, _status = settings_tab.models_view(context(tmp_path))
    assert rows[0][3] == "yes"
