"""Probe 5: event-stream exhaustion. Streams are async, keep alive, notice a client that left, are capped per
client, and never hold up a stop (SIGTERM)."""

from __future__ import annotations

import socket
import time

from .conftest import start_studio, stop_studio


def open_stream(url: str, path: str = "/api/events?duration=600") -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    return sock


def status_of(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(1024)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ")[1])


def test_keepalive_comments_while_idle(studio):
    with studio.client() as client, client.stream("GET", "/api/events", params={"duration": 3}) as response:
        text = "".join(response.iter_text())
    assert text.count(": keep-alive") >= 1


def test_streams_per_client_are_capped_and_freed_on_disconnect(studio):
    socks = [open_stream(studio.url) for _ in range(4)]
    try:
        assert [status_of(s) for s in socks] == [200] * 4
        with studio.client() as client:
            refused = client.get("/api/events", params={"duration": 1})
            assert refused.status_code == 429 and "max_event_streams" in refused.json()["message"]
            assert client.get("/api/jobs").status_code == 200
    finally:
        for sock in socks:
            sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server notices the clients left and gives their slots back
        with studio.client() as client:
            if client.get("/api/events", params={"duration": 0.2}).status_code == 200:
                return
        time.sleep(0.5)
    raise AssertionError("slots of disconnected streams were not given back within 10 s")


def test_sixty_abandoned_streams_neither_freeze_nor_block_sigterm(tmp_path):
    running = start_studio(tmp_path, extra="security:\n  max_event_streams: 100\n")
    socks = []
    try:
        socks = [open_stream(running.url) for _ in range(60)]
        assert {status_of(s) for s in socks} == {200}
        started = time.monotonic()
        with running.client(timeout=10) as client:
            assert client.get("/api/jobs").status_code == 200
            assert client.get("/config").status_code == 200
        assert time.monotonic() - started < 5
        started = time.monotonic()
        code = stop_studio(running, timeout=20)  # SIGTERM with 60 streams still open
        assert code is not None, "SIGTERM did not stop the studio within 20 s"
        assert time.monotonic() - started < 15
    finally:
        for sock in socks:
            sock.close()
        stop_studio(running)
