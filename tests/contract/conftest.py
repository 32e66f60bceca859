"""Fixtures of the contract tier: a loopback server replaying recorded ComfyUI traffic."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.contract.replay_server import ReplayServer


@pytest.fixture
def replay(comfy_shared: Path) -> Iterator[Callable[..., ReplayServer]]:
    """`replay("a_simple_success", drop_after=6)` starts a server; every one is stopped after the test."""
    servers: list[ReplayServer] = []

    def start(scenario: str | None = None, **faults) -> ReplayServer:
        server = ReplayServer(comfy_shared, scenario, **faults)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def transcript(comfy_shared: Path) -> Callable[[str], dict]:
    return lambda scenario: json.loads((comfy_shared / "transcripts" / f"{scenario}.json").read_text())
