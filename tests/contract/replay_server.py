"""A loopback HTTP + WebSocket server that replays real recorded ComfyUI traffic.

It serves the transcripts in `../shared/comfyui/transcripts/*.json` (README there) and the
`misc/*.json` answers. What it sends is the recorded bytes, with two substitutions a live client
needs: the client id (the `sid` of the first status frame) and the prompt id (the client chooses its
own; the recorded one is replaced everywhere, binary metadata included). Recorded WebSocket messages
are released by the HTTP calls that caused them (`POST /prompt`, `POST /interrupt`), using the
`ws_index_at_send` counters of the transcript.

Faults for reconnection tests: `drop_after=N` closes the submitting socket after N messages of a
prompt stream and swallows the rest (the prompt still finishes, so only /history knows the result),
or with `resume_after_drop=S` pauses S seconds and sends the rest to the reconnected socket;
`lose_after=N` does the same and forgets the prompt (a restarted server); `die_after=N` stops the
whole server. `legacy=True` removes `execution_success` and `progress_state` like old releases.
Uploads follow ComfyUI's own rename rule (server.py) on top of the recorded first answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

CAUSAL = {("POST", "/prompt"), ("POST", "/interrupt")}
LEGACY_DROPPED = {"execution_success", "progress_state"}


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Message:
    slot: int
    index: int
    frame: dict[str, Any]


class ReplayServer:
    def __init__(
        self,
        comfy_dir: Path,
        scenario: str | None = None,
        *,
        delay: float = 0.002,
        legacy: bool = False,
        drop_after: int | None = None,
        lose_after: int | None = None,
        die_after: int | None = None,
        resume_after_drop: float | None = None,
    ) -> None:
        self.comfy_dir = Path(comfy_dir)
        self.transcripts = self.comfy_dir / "transcripts"
        self.delay = delay
        self.legacy = legacy
        self.drop_after, self.lose_after, self.die_after = drop_after, lose_after, die_after
        self.resume_after_drop = resume_after_drop
        self.transcript: dict[str, Any] = (
            json.loads((self.transcripts / f"{scenario}.json").read_text()) if scenario else {"clients": [], "http": []}
        )
        self.misc = {
            json.loads(p.read_text())["request"]["path"]: json.loads(p.read_text())["response"]
            for p in (self.comfy_dir / "misc").glob("*.json")
        }
        self.requests: list[SeenRequest] = []
        self.ws_sent_by_clients: list[tuple[str | None, Any]] = []
        self.ws_connects: list[str | None] = []
        self.timeline: list[str] = []
        self.uploads: dict[tuple[str, str, str], str] = {}
        self._used_calls: set[int] = set()
        self._slots: dict[str, int] = {}
        self._sockets: dict[int, web.WebSocketResponse] = {}
        self._live_ids: dict[str, str] = {}  # recorded prompt id -> live prompt id
        self._prompts: dict[str, dict[str, Any]] = {}  # live id -> state
        self._released_until: dict[int, int] = {}
        self._queues: dict[int, asyncio.Queue] = {}
        self._client_ids = [c.get("client_id") for c in self.transcript["clients"]]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> str:
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start_site())
            ready.set()
            loop.run_forever()
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=serve, name="comfy-replay", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("replay server did not start")
        return self.base_url

    async def _start_site(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/ws", self._ws)
        app.router.add_route("*", "/{tail:.*}", self._http)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(10)

    async def _shutdown(self) -> None:
        for ws in list(self._sockets.values()):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    # ---- substitution ----------------------------------------------------------------------------
    def _live(self, value: Any) -> Any:
        text = json.dumps(value)
        for recorded, live in self._live_ids.items():
            text = text.replace(recorded, live)
        return json.loads(text)

    def _binary(self, frame: dict[str, Any]) -> bytes:
        image = (self.transcripts / frame["image_file"]).read_bytes()
        head = bytes.fromhex(frame["first_8_bytes_hex"])
        if frame["event_type"] != 4:
            return head + image
        metadata = frame["metadata_json"]
        for recorded, live in self._live_ids.items():
            metadata = metadata.replace(recorded, live)
        encoded = metadata.encode()
        return head[:4] + len(encoded).to_bytes(4, "big") + encoded + image

    # ---- WebSocket -------------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        client_id = request.query.get("clientId")
        self.ws_connects.append(client_id)
        self.timeline.append(f"WS {client_id}")
        sid = client_id or uuid.uuid4().hex
        slot = self._slots.setdefault(sid, len(self._slots))
        self._sockets[slot] = ws
        recorded = self.transcript["clients"][slot] if slot < len(self.transcript["clients"]) else None
        if recorded is None:
            await ws.send_json(
                {"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": sid}}
            )
        else:
            first = dict(recorded["messages"][0])
            first["data"] = {**first["data"], "sid": sid}
            await ws.send_json(first)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                frame = json.loads(message.data)
                self.ws_sent_by_clients.append((client_id, frame))
                if frame.get("type") == "feature_flags" and recorded is not None:
                    for reply in recorded["messages"][1:3]:
                        if reply.get("type") == "feature_flags":
                            await ws.send_json(reply)
        if self._sockets.get(slot) is ws:
            del self._sockets[slot]
        return ws

    def _release(self, call_index: int) -> None:
        """Queue every recorded message whose gate is this causal call."""
        calls = self.transcript["http"]
        later = [i for i, c in enumerate(calls) if i > call_index and (c["method"], c["path"]) in CAUSAL]
        for slot, client in enumerate(self.transcript["clients"]):
            start = calls[call_index]["ws_index_at_send"].get(client["name"], 0)
            end = min(
                (calls[i]["ws_index_at_send"].get(client["name"], 0) for i in later), default=len(client["messages"])
            )
            queue = self._queues.setdefault(slot, asyncio.Queue())
            if slot not in self._released_until or start >= self._released_until[slot]:
                for index in range(max(start, self._released_until.get(slot, 0)), end):
                    queue.put_nowait(_Message(slot, index, client["messages"][index]))
                self._released_until[slot] = end
            if not hasattr(queue, "consumer"):
                queue.consumer = asyncio.ensure_future(self._consume(slot, queue))  # type: ignore[attr-defined]
        self._finish_if_drained()

    async def _consume(self, slot: int, queue: asyncio.Queue) -> None:
        sent = 0
        while True:
            message: _Message = await queue.get()
            frame = message.frame
            kind = frame.get("type")
            live_id = self._live(frame).get("data", {}).get("prompt_id") if not frame.get("binary") else None
            state = self._prompts.get(live_id or "") or self._running_prompt()
            await asyncio.sleep(self.delay)
            if not (self.legacy and kind in LEGACY_DROPPED) and not (state and state.get("swallow")):
                ws = self._sockets.get(slot)
                if ws is not None and not ws.closed:
                    if frame.get("binary"):
                        await ws.send_bytes(self._binary(frame))
                    else:
                        await ws.send_json(self._live(frame))
                sent += 1
                if state and message.slot == state["slot"]:
                    state["sent"] = state.get("sent", 0) + 1
                    await self._maybe_fault(state, slot)
            if state and self._is_terminal(frame, state["live_id"]):
                state["terminal"] = True
            queue.task_done()
            self._finish_if_drained()

    def _running_prompt(self) -> dict[str, Any] | None:
        running = [s for s in self._prompts.values() if not s["finished"]]
        return running[0] if running else None

    async def _maybe_fault(self, state: dict[str, Any], slot: int) -> None:
        for limit, mode in ((self.drop_after, "drop"), (self.lose_after, "lose"), (self.die_after, "die")):
            if limit is not None and state["sent"] == limit and not state.get("faulted"):
                state["faulted"] = mode
                state["swallow"] = not (mode == "drop" and self.resume_after_drop is not None)
                if mode == "lose":
                    state["lost"] = True
                ws = self._sockets.pop(slot, None)
                if ws is not None:
                    await ws.close()
                if mode == "die":
                    asyncio.ensure_future(self._shutdown())
                if not state["swallow"]:
                    await asyncio.sleep(self.resume_after_drop or 0.0)  # the client reconnects meanwhile

    def _is_terminal(self, frame: dict[str, Any], live_id: str) -> bool:
        if frame.get("binary"):
            return False
        data = self._live(frame).get("data", {})
        if data.get("prompt_id") != live_id:
            return False
        kind = frame.get("type")
        return kind in ("execution_error", "execution_interrupted") or (
            kind == "executing" and data.get("node") is None
        )

    def _finish_if_drained(self) -> None:
        calls = self.transcript["http"]
        all_released = all(i in self._used_calls for i, c in enumerate(calls) if (c["method"], c["path"]) in CAUSAL)
        drained = all(q.empty() and q._unfinished_tasks == 0 for q in self._queues.values())  # type: ignore[attr-defined]
        for state in self._prompts.values():
            if drained and (state.get("terminal") or all_released):
                state["finished"] = True

    # ---- HTTP ------------------------------------------------------------------------------------
    async def _http(self, request: web.Request) -> web.StreamResponse:
        seen = SeenRequest(request.method, request.path, dict(request.query))
        if request.method == "POST" and request.content_type == "application/json":
            seen.json = await request.json()
        elif request.method == "POST" and request.content_type.startswith("multipart/"):
            form = await request.post()
            seen.form = {k: (v.file.read() if hasattr(v, "file") else v) for k, v in form.items()}
            seen.form["_filename"] = form["image"].filename if "image" in form else None
        self.requests.append(seen)
        self.timeline.append(f"{request.method} {request.path}")
        route = (request.method, request.path)
        if route == ("POST", "/prompt"):
            return self._post_prompt(seen)
        if route == ("POST", "/interrupt"):
            return self._post_interrupt(seen)
        if request.method == "POST" and request.path in ("/upload/image", "/upload/mask"):
            return self._upload(seen)
        if request.method == "POST" and request.path in ("/free", "/queue", "/history"):
            return web.Response(status=200)
        if route == ("GET", "/view"):
            return self._view(seen)
        if route == ("GET", "/queue"):
            return web.json_response(self._queue())
        if request.method == "GET" and request.path.startswith("/history/"):
            return web.json_response(self._history(request.path.split("/", 2)[2]))
        if route == ("GET", "/object_info"):
            info = json.loads((self.comfy_dir / "object_info.core.json").read_text())
            info.update(self.misc["/object_info/SaveImageWebsocket"]["json"])
            return web.json_response(info)
        if request.method == "GET" and request.path.startswith("/object_info/"):
            entry = self.misc.get(request.path)
            return web.json_response(entry["json"] if entry else {})
        if request.method == "GET" and request.path in self.misc:
            response = self.misc[request.path]
            return web.json_response(response["json"], status=response["status"])
        return web.Response(status=404, text="404: Not Found")

    def _recorded(self, response: dict[str, Any]) -> web.Response:
        if "json" in response:
            return web.json_response(self._live(response["json"]), status=response["status"])
        return web.Response(
            status=response["status"],
            text=response.get("text", ""),
            content_type=(response.get("content_type") or "text/plain").split(";")[0],
        )

    def _match_call(self, path: str, body: Any) -> int | None:
        calls = [
            (i, c)
            for i, c in enumerate(self.transcript["http"])
            if c["method"] == "POST" and c["path"] == path and i not in self._used_calls
        ]
        for i, call in calls:
            if path == "/prompt" and (call.get("json") or {}).get("prompt") == (body or {}).get("prompt"):
                return i
        return calls[0][0] if calls else None

    def _post_prompt(self, seen: SeenRequest) -> web.Response:
        index = self._match_call("/prompt", seen.json)
        if index is None:
            return web.json_response(
                {"error": {"type": "replay", "message": "no recorded POST /prompt left"}}, status=500
            )
        self._used_calls.add(index)
        call = self.transcript["http"][index]
        response = call["response"]
        if response["status"] != 200:
            return self._recorded(response)
        recorded_id = response["json"]["prompt_id"]
        live_id = str((seen.json or {}).get("prompt_id") or recorded_id)
        self._live_ids[recorded_id] = live_id
        client_id = (seen.json or {}).get("client_id")
        self._prompts[live_id] = {
            "live_id": live_id,
            "recorded_id": recorded_id,
            "finished": False,
            "slot": self._slots.get(client_id or "", -1),
            "client_id": client_id,
            "prompt": (seen.json or {}).get("prompt"),
            "number": response["json"].get("number"),
        }
        self._release(index)
        return web.json_response(self._live(response["json"]))

    def _post_interrupt(self, seen: SeenRequest) -> web.Response:
        index = self._match_call("/interrupt", seen.json)
        if index is None:
            return web.Response(status=200)
        self._used_calls.add(index)
        self._release(index)
        return self._recorded(self.transcript["http"][index]["response"])

    def _queue(self) -> dict[str, Any]:
        running = [
            [s["number"], s["live_id"], s["prompt"], {"client_id": s["client_id"]}, []]
            for s in self._prompts.values()
            if not s["finished"] and not s.get("lost")
        ]
        return {"queue_running": running[:1], "queue_pending": running[1:]}

    def _history(self, live_id: str) -> dict[str, Any]:
        state = self._prompts.get(live_id)
        if state is None or not state["finished"] or state.get("lost"):
            return {}
        for call in self.transcript["http"]:
            if call["path"] == f"/history/{state['recorded_id']}":
                return self._live(call["response"]["json"])
        return {}

    def _view(self, seen: SeenRequest) -> web.Response:
        for call in self.transcript["http"]:
            if call["path"] == "/view" and call.get("query") == seen.query and "file" in call["response"]:
                body = (self.transcripts / call["response"]["file"]).read_bytes()
                return web.Response(body=body, content_type=call["response"]["content_type"])
        return web.Response(status=404, text="404: Not Found")

    def _upload(self, seen: SeenRequest) -> web.Response:
        """The recorded answer for the recorded upload; ComfyUI's rename rule for everything else."""
        data: bytes = seen.form.get("image", b"")
        name = seen.form.get("_filename") or ""
        kind = seen.form.get("type") or "input"
        subfolder = seen.form.get("subfolder", "")
        overwrite = seen.form.get("overwrite") in ("true", "1")
        digest = hashlib.sha256(data).hexdigest()
        stem, ext = os.path.splitext(name)
        candidate, n = name, 1
        while not overwrite and (kind, subfolder, candidate) in self.uploads:
            if self.uploads[(kind, subfolder, candidate)] == digest:
                break
            candidate, n = f"{stem} ({n}){ext}", n + 1
        self.uploads[(kind, subfolder, candidate)] = digest
        for call in self.transcript["http"]:
            if (
                call["path"] == seen.path
                and call.get("multipart", {}).get("files", {}).get("image", {}).get("sha256") == digest
                and candidate == name
            ):
                return self._recorded(call["response"])
        return web.json_response({"name": candidate, "subfolder": subfolder, "type": kind})
