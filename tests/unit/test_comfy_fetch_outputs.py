"""ComfyClient.fetch_outputs: several outputs are downloaded at a time, returned in their order, each exactly once;
the first failure raises its typed error."""

from __future__ import annotations

import threading
import time

import pytest

from app.comfy import ComfyClient, ComfyHTTPError


def _outputs(count: int) -> dict:
    return {
        "9": {"images": [{"filename": f"p_{i:05d}_.png", "subfolder": "s", "type": "output"} for i in range(count)]}
    }


def _client(monkeypatch: pytest.MonkeyPatch, fail: str | None = None) -> tuple[ComfyClient, list[str], list[int]]:
    client = ComfyClient("http://127.0.0.1:9")
    calls: list[str] = []
    in_flight = [0, 0]  # now, most at once
    lock = threading.Lock()

    def view(filename: str, subfolder: str = "", type: str = "output") -> bytes:
        with lock:
            calls.append(filename)
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        if filename == fail:
            raise ComfyHTTPError("GET", "http://127.0.0.1:9/view", 404, "404: Not Found")
        return filename.encode()

    monkeypatch.setattr(client, "view", view)
    return client, calls, in_flight


def test_several_outputs_are_fetched_at_once_and_kept_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    client, calls, in_flight = _client(monkeypatch)
    files = client.fetch_outputs(_outputs(6))
    assert [f.filename for f in files] == [f"p_{i:05d}_.png" for i in range(6)]
    assert all(f.data == f.filename.encode() and f.source == "view" and f.node_id == "9" for f in files)
    assert sorted(calls) == [f.filename for f in files]  # each exactly once
    assert in_flight[1] > 1


def test_one_output_is_fetched_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    client, calls, in_flight = _client(monkeypatch)
    [file] = client.fetch_outputs(_outputs(1))
    assert file.data == b"p_00000_.png" and in_flight[1] == 1


def test_a_failed_download_raises_its_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    client, _calls, _in_flight = _client(monkeypatch, fail="p_00002_.png")
    with pytest.raises(ComfyHTTPError, match="404"):
        client.fetch_outputs(_outputs(4))
