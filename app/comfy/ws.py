"""The WebSocket half of the transport: one connection per client id, frames parsed into typed events."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit, urlunsplit

import websocket

from .errors import translate_transport_error
from .events import Event, parse_binary_frame, parse_text

CLIENT_FEATURE_FLAGS = {"supports_preview_metadata": True}


class SocketDropped(Exception):
    """The connection closed or broke; the caller reconnects and reconciles (internal, never user-facing)."""


def ws_url(base_url: str, client_id: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") + "/ws"
    return urlunsplit((scheme, parts.netloc, path, f"clientId={quote(client_id)}", ""))


class EventSocket:
    """A ComfyUI `/ws?clientId=...` connection that yields typed events."""

    def __init__(self, base_url: str, client_id: str, *, connect_timeout: float, preview_metadata: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = ws_url(base_url, client_id)
        self.connect_timeout = connect_timeout
        self.preview_metadata = preview_metadata
        self._ws: websocket.WebSocket | None = None

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ws.connected

    def connect(self) -> None:
        """Open the connection (no-op when open); raises a `ComfyError` on failure."""
        if self.connected:
            return
        self.close()
        try:
            self._ws = websocket.create_connection(
                self.url, timeout=self.connect_timeout, skip_utf8_validation=True, enable_multithread=False
            )
            if self.preview_metadata:
                self._ws.send(json.dumps({"type": "feature_flags", "data": CLIENT_FEATURE_FLAGS}))
        except Exception as exc:  # noqa: BLE001 - translated in one place
            self.close()
            raise translate_transport_error(exc, url=self.base_url, action="opening the WebSocket /ws") from exc

    def receive(self, timeout: float) -> Event | None:
        """Wait up to `timeout` seconds for one frame; None when nothing came; SocketDropped when it broke."""
        if self._ws is None:
            raise SocketDropped("not connected")
        self._ws.settimeout(max(timeout, 0.001))
        try:
            opcode, data = self._ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketException, OSError) as exc:
            self.close()
            raise SocketDropped(f"{type(exc).__name__}: {exc}") from exc
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return parse_text(data)
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return parse_binary_frame(data)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.close()
            raise SocketDropped("the server closed the WebSocket")
        return None

    def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close(timeout=0.2)
            except Exception:  # noqa: BLE001 - closing a broken socket may fail in many ways
                pass
