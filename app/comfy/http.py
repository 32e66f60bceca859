"""The HTTP half of the transport: one `requests.Session`, explicit (connect, read) timeouts,
safe retries with backoff + jitter for idempotent GETs, errors translated into `app.comfy.errors`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests

from app.config import Timeouts

from ..backoff import Backoff
from .errors import ComfyError, ComfyHTTPError, translate_transport_error

RETRY_STATUSES = frozenset({502, 503, 504})
SAFE_GET_RETRY = Backoff(attempts=3, base=0.2, factor=2.0, cap=2.0)
RECONNECT = Backoff(attempts=8, base=0.25, factor=2.0, cap=4.0)


class HttpTransport:
    """HTTP calls to one ComfyUI server. Not retried: anything that is not a GET."""

    def __init__(
        self,
        base_url: str,
        timeouts: Timeouts,
        *,
        retry: Backoff = SAFE_GET_RETRY,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self.retry = retry
        self.session = session or requests.Session()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        read_timeout: float | None = None,
        retry: bool = True,
    ) -> requests.Response:
        """GET with retries on transport errors and 502/503/504 (GETs are idempotent)."""
        timeout = (self.timeouts.connect, read_timeout or self.timeouts.read)
        delays = iter(self.retry.delays()) if retry else iter(())
        while True:
            try:
                response = self.session.get(self.url(path), params=params, timeout=timeout)
            except requests.RequestException as exc:
                error = translate_transport_error(exc, url=self.base_url, action=f"GET {path}")
                delay = next(delays, None)
                if delay is None:
                    raise error from exc
                time.sleep(delay)
                continue
            if response.status_code in RETRY_STATUSES:
                delay = next(delays, None)
                if delay is not None:
                    time.sleep(delay)
                    continue
            return response

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None, allow_404: bool = False) -> Any:
        response = self.get(path, params=params)
        if allow_404 and response.status_code == 404:
            return None
        return self.decode_json(self.check(response, "GET", path), "GET", path)

    def get_bytes(self, path: str, *, params: Mapping[str, Any] | None = None) -> bytes:
        response = self.get(path, params=params, read_timeout=self.timeouts.upload)
        return self.check(response, "GET", path).content

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        read_timeout: float | None = None,
    ) -> requests.Response:
        """POST once. A failed POST raises with `maybe_sent` set when the server may have received it."""
        timeout = (self.timeouts.connect, read_timeout or self.timeouts.read)
        try:
            return self.session.post(self.url(path), json=json, data=data, files=files, timeout=timeout)
        except requests.RequestException as exc:
            error = translate_transport_error(exc, url=self.base_url, action=f"POST {path}")
            error.maybe_sent = _maybe_sent(exc)
            raise error from exc

    def check(self, response: requests.Response, method: str, path: str) -> requests.Response:
        if response.status_code >= 400:
            raise ComfyHTTPError(method, self.url(path), response.status_code, response.text)
        return response

    def decode_json(self, response: requests.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise ComfyError(
                f"ComfyUI answered {method} {self.url(path)} with a body that is not JSON: {response.text[:120]!r}."
            ) from exc


def _maybe_sent(exc: requests.RequestException) -> bool:
    """False only when the request certainly never reached the server (connect failed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc)
        return not any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError"))
    return True
