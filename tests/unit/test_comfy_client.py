"""ComfyClient rules that need no server: explicit timeouts, safe retries, never re-POST blindly."""

from __future__ import annotations

import pytest
import requests

from app.backoff import Backoff
from app.comfy import ComfyClient, ComfyConnectionError, ComfyError
from app.comfy.http import HttpTransport
from app.config import Timeouts


class FakeResponse:
    def __init__(self, status: int = 200, body=None) -> None:
        self.status_code = status
        self._body = body if body is not None else {}
        self.text = str(self._body)
        self.content = b"bytes"

    def json(self):
        return self._body


class FakeSession:
    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def _next(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def get(self, url, **kwargs):
        return self._next("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self._next("POST", url, **kwargs)

    def close(self):
        pass


def transport(script) -> tuple[HttpTransport, FakeSession]:
    session = FakeSession(script)
    timeouts = Timeouts(connect=1.5, read=7, upload=9)
    return HttpTransport("http://h:1", timeouts, retry=Backoff(3, 0.0, 1, 0.0), session=session), session


def test_gets_retry_transport_errors_and_gateway_statuses_with_explicit_timeouts():
    http, session = transport([requests.ConnectionError("reset"), FakeResponse(503), FakeResponse(200, {"ok": 1})])
    assert http.get_json("/system_stats") == {"ok": 1}
    assert len(session.calls) == 3 and all(call[2]["timeout"] == (1.5, 7) for call in session.calls)
    http, session = transport([requests.ConnectionError("Connection refused")] * 3)
    with pytest.raises(ComfyConnectionError, match="cannot reach ComfyUI at http://h:1"):
        http.get_json("/queue")
    assert len(session.calls) == 3
    http, session = transport([FakeResponse(200)])
    http.get_bytes("/view", params={"filename": "a"})
    assert session.calls[0][2]["timeout"] == (1.5, 9)  # downloads get the upload/download timeout


def test_posts_are_never_retried():
    http, session = transport([requests.ConnectionError("Connection refused"), FakeResponse(200)])
    with pytest.raises(ComfyConnectionError) as caught:
        http.post("/prompt", json={})
    assert len(session.calls) == 1 and caught.value.maybe_sent is False
    http, session = transport([requests.ReadTimeout("read timed out")])
    with pytest.raises(ComfyError) as caught:
        http.post("/prompt", json={})
    assert caught.value.maybe_sent is True


def client_with(script) -> tuple[ComfyClient, FakeSession]:
    client = ComfyClient("http://h:1", timeouts=Timeouts(connect=1, read=2), retry=Backoff(1))
    session = FakeSession(script)
    client.http.session = session
    return client, session


def test_ambiguous_post_failure_checks_the_server_instead_of_posting_again():
    queue_with = lambda pid: FakeResponse(200, {"queue_running": [[1, pid, {}, {}, []]], "queue_pending": []})  # noqa: E731
    client, session = client_with([requests.ReadTimeout("read timed out"), queue_with("pid-1")])
    assert client.submit({"1": {"class_type": "SaveImage", "inputs": {}}}, prompt_id="pid-1") == "pid-1"
    assert [c[0] + " " + c[1] for c in session.calls] == ["POST http://h:1/prompt", "GET http://h:1/queue"]
    body = session.calls[0][2]["json"]
    assert body["prompt_id"] == "pid-1" and body["client_id"] == client.client_id
    client, session = client_with(
        [
            requests.ReadTimeout("read timed out"),
            FakeResponse(200, {"queue_running": [], "queue_pending": []}),
            FakeResponse(200, {}),
        ]
    )
    with pytest.raises(ComfyError, match="did not answer POST /prompt in time"):
        client.submit({"1": {"class_type": "SaveImage", "inputs": {}}}, prompt_id="pid-2")
    assert sum(1 for c in session.calls if c[0] == "POST") == 1


def test_old_servers_that_choose_their_own_prompt_id_and_bad_prompts():
    client, _ = client_with([FakeResponse(200, {"prompt_id": "server-chosen", "number": 1, "node_errors": {}})])
    assert client.submit({"1": {"class_type": "SaveImage", "inputs": {}}}) == "server-chosen"
    with pytest.raises(ComfyError, match="must be an API-format mapping"):
        client.submit([1, 2])
    with pytest.raises(ComfyError, match="UI format"):
        client.submit({"nodes": [], "links": []})


def test_uploads_need_a_name_for_bytes_and_refuse_paths_in_names(tmp_path):
    client, session = client_with([])
    with pytest.raises(ComfyError, match="needs a filename"):
        client.upload_image(b"png")
    with pytest.raises(ComfyError, match="must be a plain file name"):
        client.upload_image(b"png", filename="../x.png")
    with pytest.raises(ComfyError, match="cannot read .*missing.png"):
        client.upload_image(tmp_path / "missing.png")
    with pytest.raises(ComfyError, match="upload type 'models' is not allowed"):
        client.upload_image(b"png", filename="a.png", type="models")
    assert session.calls == []
