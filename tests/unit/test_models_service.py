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
