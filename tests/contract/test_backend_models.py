"""Model lists read over HTTP from a server answering with the recorded core /object_info (checkpoints filled in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import load_config
from app.services import backend_models_service as models
from tests.contract.replay_server import ReplayServer


@pytest.fixture
def server(comfy_shared: Path, tmp_path: Path):
    folder = tmp_path / "comfy"
    folder.mkdir()
    (folder / "misc").symlink_to(comfy_shared / "misc")
    info = json.loads((comfy_shared / "object_info.core.json").read_text())
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = ["b.safetensors", "a.safetensors"]
    (folder / "object_info.core.json").write_text(json.dumps(info))
    replay = ReplayServer(folder)
    replay.start()
    yield replay, folder, info
    replay.stop()


def test_the_lists_come_from_object_info_and_are_cached_until_forgotten(server):
    replay, folder, info = server
    config = load_config(None, environ={})
    models.forget(replay.base_url)
    assert models.backend_models(config, replay.base_url, "checkpoints") == ["a.safetensors", "b.safetensors"]
    assert models.backend_models(config, replay.base_url, "loras") == []
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = ["c.safetensors"]
    (folder / "object_info.core.json").write_text(json.dumps(info))
    assert models.backend_models(config, replay.base_url, "checkpoints") == ["a.safetensors", "b.safetensors"]  # cached
    assert [r.path for r in replay.requests].count("/object_info") == 1
    models.forget(replay.base_url)
    assert models.backend_models(config, replay.base_url, "checkpoints") == ["c.safetensors"]
    with pytest.raises(models.BackendModelsError, match="no loader node that lists models/animatediff_models"):
        models.backend_models(config, replay.base_url, "animatediff_models")
