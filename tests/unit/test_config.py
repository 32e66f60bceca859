"""Config loading: defaults, env overrides and one-sentence errors."""

from pathlib import Path

import pytest

from app.config import Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_when_sections_are_empty(tmp_path):
    config = load_config(write(tmp_path, "app:\ncomfyui:\n"), environ={})
    assert config == Config()
    assert config.app.host == "127.0.0.1"
    assert config.comfyui.timeouts.connect == 5


def test_project_config_file_is_valid():
    config = load_config(Path(__file__).resolve().parents[2] / "config.yaml", environ={})
    assert config.queue.storage == "sqlite"


def test_env_override_is_parsed_as_yaml_scalar(tmp_path):
    config = load_config(
        write(tmp_path, "comfyui:\n  url: http://127.0.0.1:8188\n"),
        environ={"INKFRAME__COMFYUI__URL": "http://127.0.0.1:9000", "INKFRAME__COMFYUI__TIMEOUTS__READ": "12.5"},
    )
    assert config.comfyui.url == "http://127.0.0.1:9000"
    assert config.comfyui.timeouts.read == 12.5


def test_bad_value_names_key_value_and_rule(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "comfyui:\n  timeouts:\n    connect: -1\n"), environ={})
    assert (
        str(info.value) == "config.yaml: comfyui.timeouts.connect = -1 is not allowed: input should be greater than 0."
    )


def test_bad_choice_lists_allowed_values(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "queue:\n  storage: postgres\n"), environ={})
    assert (
        str(info.value)
        == "config.yaml: queue.storage = 'postgres' is not allowed; allowed values are 'sqlite' or 'redis'."
    )


def test_unknown_key_is_reported(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key comfyui\.ulr; remove it or check its spelling\."):
        load_config(write(tmp_path, "comfyui:\n  ulr: x\n"), environ={})


def test_wide_listening_requires_auth(tmp_path):
    with pytest.raises(ConfigError, match="listening on 0.0.0.0 requires app.auth_token"):
        load_config(write(tmp_path, "app:\n  host: 0.0.0.0\n"), environ={})
    config = load_config(write(tmp_path, "app:\n  host: 0.0.0.0\n  auth_token: S3cret-token-0123\n"), environ={})
    assert config.app.auth_token == "S3cret-token-0123"


def test_invalid_yaml_names_line(tmp_path):
    with pytest.raises(ConfigError, match=r"is not valid YAML at line 2"):
        load_config(write(tmp_path, "app:\n\thost: x\n"), environ={})


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml", environ={})
