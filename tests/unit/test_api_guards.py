"""The ASGI guards on their own: host names, body cap, login throttle (tests/security replays them live)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.guards import BodyLimit, HostGuard, LoginThrottle, allowed_host_names


def app_with(*guards) -> TestClient:
    app = FastAPI()

    @app.get("/api/x")
    def read() -> dict:
        return {"ok": True}

    @app.post("/api/x")
    def write(body: dict) -> dict:
        return body

    @app.post("/login")
    def login(body: dict) -> dict:
        from fastapi import HTTPException

        if body.get("password") != "right":
            raise HTTPException(400, "wrong")
        return {}

    for guard, kwargs in guards:
        app.add_middleware(guard, **kwargs)
    return TestClient(app, base_url="http://127.0.0.1")


def test_configured_host_is_served_and_others_are_not():
    client = app_with((HostGuard, {"hosts": allowed_host_names("127.0.0.1", ["studio.lan"])}))
    assert client.get("/api/x", headers={"Host": "studio.lan:7860"}).status_code == 200
    assert client.get("/api/x", headers={"Host": "studio.lan.evil.example"}).status_code == 421
    assert client.get("/api/x", headers={"Host": "10.1.2.3"}).status_code == 200


def test_star_serves_any_host():
    client = app_with((HostGuard, {"hosts": allowed_host_names("127.0.0.1", ["*"])}))
    assert client.get("/api/x", headers={"Host": "anything.example"}).status_code == 200


def test_body_limit_answers_413_in_the_error_schema():
    client = app_with((BodyLimit, {"max_bytes": 1024}))
    response = client.post("/api/x", json={"a": "x" * 2000})
    assert response.status_code == 413 and set(response.json()) == {"message", "detail"}
    assert client.post("/api/x", json={"a": "x"}).json() == {"a": "x"}


def test_throttle_counts_failures_per_address_and_forgets_them():
    now = [0.0]
    client = app_with((LoginThrottle, {"attempts": 2, "window_s": 10, "clock": lambda: now[0]}))
    assert [client.post("/login", json={"password": "no"}).status_code for _ in range(3)] == [400, 400, 429]
    assert client.get("/api/x", headers={"Authorization": "Bearer x"}).status_code == 429
    now[0] = 11.0
    assert client.post("/login", json={"password": "right"}).status_code == 200
