"""The studio server: loopback by default, a token required beyond it, the REST API beside Gradio."""

from __future__ import annotations

import socket

import pytest

from app.config import Config, load_config
from app.ui.server import ServerError, build_server, check_port_free, resolve_options, token_matches


def make_config(tmp_path, **app) -> Config:
    env = {
        "INKFRAME__APP__OUTPUT_DIR": str(tmp_path / "out"),
        "INKFRAME__APP__DATA_DIR": str(tmp_path / "data"),
        "INKFRAME__APP__LIBRARY_DIR": str(tmp_path / "lib"),
        "INKFRAME__QUEUE__SQLITE_PATH": str(tmp_path / "data" / "jobs.db"),
    }
    env.update({f"INKFRAME__APP__{key.upper()}": str(value) for key, value in app.items()})
    return load_config(None, environ=env)


def test_defaults_to_loopback(tmp_path):
    options = resolve_options(make_config(tmp_path), None, None, "http://127.0.0.1:8188")
    assert (options.host, options.port, options.auth_token) == ("127.0.0.1", 7860, None)


def test_wider_address_without_token_is_refused(tmp_path):
    with pytest.raises(ServerError, match="listening on 0.0.0.0 requires app.auth_token"):
        resolve_options(make_config(tmp_path), "0.0.0.0", 9000, "http://127.0.0.1:8188")


def test_wider_address_with_token_is_allowed(tmp_path):
    options = resolve_options(make_config(tmp_path, auth_token="S3cret-token-0123"), "0.0.0.0", 9000, "http://x:1")
    assert options.auth_token == "S3cret-token-0123" and options.host == "0.0.0.0"


def test_token_comparison():
    assert token_matches("abc", "abc")
    assert not token_matches("abc", "abd")
    assert not token_matches(None, "abc")
    assert not token_matches("abc", None)


def test_busy_port_is_one_sentence():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{port}.*pass --port"):
            check_port_free("127.0.0.1", port)


@pytest.fixture
def client_for(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")

    def make(token: str | None):
        config = make_config(tmp_path, **({"auth_token": token} if token else {}))
        options = resolve_options(config, None, None, "http://127.0.0.1:9", embedded_worker=False)
        return TestClient(build_server(config, options), base_url="http://127.0.0.1")

    return make


def test_ui_and_rest_api_share_one_server(client_for):
    with client_for(None) as client:
        assert client.get("/config").status_code == 200
        jobs = client.get("/api/jobs")
        assert jobs.status_code == 200 and jobs.json()["total"] == 0
        assert "/api/jobs" in client.get("/api/openapi.json").json()["paths"]


def test_token_guards_both_the_ui_and_the_api(client_for):
    with client_for("S3cret-token-0123") as client:
        assert client.get("/api/jobs").status_code == 401
        assert client.get("/api/jobs", headers={"Authorization": "Bearer S3cret-token-0123"}).status_code == 200
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "me", "password": "wrong"}).status_code == 400
        assert client.post("/login", data={"username": "me", "password": "S3cret-token-0123"}).status_code == 200
        assert client.get("/config").status_code == 200
