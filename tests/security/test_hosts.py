"""Probe 2: DNS rebinding and drive-by requests. Only the configured host names are served (API, UI, files)."""

from __future__ import annotations

import pytest

from app.api.guards import allowed_host_names, host_name

PATHS = ["/api/jobs", "/config", "/", "/gradio_api/info", "/gradio_api/file=/etc/hostname"]


@pytest.mark.parametrize("path", PATHS)
def test_foreign_host_is_refused(studio, path):
    with studio.client() as client:
        response = client.get(path, headers={"Host": "rebind.attacker.example"})
    assert response.status_code == 421
    assert response.json()["message"].startswith(
        "this studio does not answer to the host name 'rebind.attacker.example'"
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "192.168.1.5"])
def test_loopback_names_and_ip_addresses_are_served(studio, host):
    """An IP address in Host cannot come from DNS rebinding (that needs the attacker's name), so LAN use works."""
    port = studio.url.rsplit(":", 1)[1]
    with studio.client() as client:
        assert client.get("/api/jobs", headers={"Host": f"{host}:{port}"}).status_code == 200


def test_foreign_origin_is_refused(studio):
    with studio.client() as client:
        refused = client.post("/api/jobs", json={"kind": "collect"}, headers={"Origin": "http://evil.example"})
        same = client.get("/api/jobs", headers={"Origin": studio.url})
    assert refused.status_code == 403 and "evil.example" in refused.json()["message"]
    assert same.status_code == 200


def test_page_on_a_lan_address_cannot_post_to_loopback(studio):
    with studio.client() as client:
        refused = client.post("/api/jobs", json={"kind": "collect"}, headers={"Origin": "http://192.168.1.66"})
        sandboxed = client.post("/api/jobs", json={"kind": "collect"}, headers={"Origin": "null"})
        lan_page = client.get("/api/jobs", headers={"Host": "192.168.1.5:7860", "Origin": "http://192.168.1.5:7860"})
    assert refused.status_code == 403 and sandboxed.status_code == 403 and lan_page.status_code == 200


def test_event_stream_needs_an_allowed_host(studio):
    with studio.client() as client:
        assert client.get("/api/events", params={"duration": 1}, headers={"Host": "evil.example"}).status_code == 421


def test_configured_names_are_added():
    names = allowed_host_names("0.0.0.0", ["Studio.LAN", " "])
    assert names == {"127.0.0.1", "localhost", "::1", "studio.lan"}
    assert "10.0.0.5" in allowed_host_names("10.0.0.5", [])
    assert host_name("[::1]:7860") == "::1" and host_name("Example.com:80") == "example.com"
