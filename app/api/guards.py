"""ASGI guards in front of the whole studio (REST API, Gradio UI and its file routes).

- `HostGuard`: serve only the host names the studio is meant to answer to (loopback names, app.host,
  security.allowed_hosts; IP addresses too, since rebinding needs a name), so a web page cannot reach
  it through DNS rebinding, and refuse
  cross-site requests whose `Origin` names another host (drive-by requests to 127.0.0.1).
- `BodyLimit`: refuse request bodies above security.max_request_bytes (file uploads to Gradio have
  their own limit, security.max_upload_bytes, which Gradio enforces).
- `LoginThrottle`: after security.login_attempts failed logins from one address within
  security.login_window_s, answer 429 until the window passes.

Pure ASGI (no gradio import), so they wrap anything.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
UPLOAD_PATHS = ("/gradio_api/upload",)
MAX_TRACKED_CLIENTS = 10_000


def allowed_host_names(app_host: str, extra: Iterable[str]) -> frozenset[str]:
    """The Host names served: loopback names, the listening address unless it is a wildcard, and the configured
    extras."""
    names = {name.lower() for name in LOOPBACK_NAMES} | {name.strip().lower() for name in extra if name.strip()}
    if app_host not in WILDCARD_ADDRESSES:
        names.add(app_host.lower())
    return frozenset(names)


def host_name(value: str) -> str:
    """`Example.com:7860` -> `example.com`; `[::1]:7860` -> `::1`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _refuse(
    scope: Scope, send: Send, status: int, message: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"message": message, "detail": None}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HostGuard:
    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts
        self.any_host = "*" in hosts

    def allows(self, name: str) -> bool:
        """A configured name, or an IP address: DNS rebinding needs a host name (the attacker's), never an IP."""
        return self.any_host or name in self.hosts or is_ip_literal(name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any_host:
            await self.app(scope, receive, send)
            return
        host = host_name(_header(scope, b"host") or "")
        if not self.allows(host):
            await _refuse(
                scope,
                send,
                421,
                f"this studio does not answer to the host name {host[:80]!r}; "
                "add it to security.allowed_hosts in config.yaml if it is yours.",
            )
            return
        origin = _header(scope, b"origin")
        if origin:  # "null" (sandboxed frames, file: pages) is foreign too
            origin_host = host_name(urlsplit(origin).netloc)
            if (
                origin_host != host and origin_host not in self.hosts
            ):  # same origin, or a configured name (never any IP)
                await _refuse(
                    scope,
                    send,
                    403,
                    f"requests from pages on {origin_host[:80]!r} are refused; "
                    "add that host to security.allowed_hosts in config.yaml if it is yours.",
                )
                return
        await self.app(scope, receive, send)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, *, exempt: tuple[str, ...] = UPLOAD_PATHS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    def _message(self) -> str:
        return (
            f"the request body is larger than {self.max_bytes:,} bytes (security.max_request_bytes); send less at once."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(scope, send, 413, self._message())
            return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> dict[str, Any]:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # answer now; the app sees a client that left and its answer is dropped
                    refused = True
                    if not started:
                        await _refuse(scope, send, 413, self._message())
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise


class LoginThrottle:
    """Counts failed logins per client address: a 4xx answer to a POST on one of `paths` (the UI's login form),
    or a 401 to an API request that presented a wrong `Authorization` header. A throttled address gets 429 there."""

    def __init__(
        self,
        app: ASGIApp,
        attempts: int,
        window_s: float,
        *,
        paths: tuple[str, ...] = ("/login",),
        api_prefix: str = "/api/",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.attempts = attempts
        self.window_s = window_s
        self.paths = paths
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.setdefault(client, deque())
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def record_failure(self, client: str) -> None:
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_CLIENTS:  # many addresses: forget the ones whose window passed
                for known in list(self._failures):
                    self._recent(known)
            self._recent(client)
            self._failures.setdefault(client, deque()).append(self.clock())

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self.attempts

    def _watched(self, scope: Scope) -> bool:
        path = scope.get("path", "").rstrip("/")
        return (scope.get("method") == "POST" and path in self.paths) or path.startswith(self.api_prefix)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._watched(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        if self.blocked(client):
            await _refuse(
                scope,
                send,
                429,
                f"too many failed logins from {client}; wait {self.window_s:g} seconds and try again.",
                [(b"retry-after", str(int(self.window_s)).encode())],
            )
            return
        is_login = scope.get("path", "").rstrip("/") in self.paths
        presented = _header(scope, b"authorization") is not None

        async def watching_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if (is_login and 400 <= status < 500 and status != 429) or (
                    not is_login and status == 401 and presented
                ):
                    self.record_failure(client)
            await send(message)

        await self.app(scope, receive, watching_send)
