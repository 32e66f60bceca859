"""Optional Bearer-token auth: required whenever a token is configured (config.app.auth_token, which
config validation demands when the app listens beyond loopback).

A refusal is a 401 with the API's error body (`{message, detail}`, see app.api.routes). The API docs
(`/api/docs`, `/api/openapi.json`) need the token too when one is set; in a browser the UI's login
session opens them (`session_check`), since a page cannot send a bearer header.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="the studio's access token (app.auth_token)")
REFUSED = "a valid 'Authorization: Bearer <token>' header is required."

SessionCheck = Callable[[Request], bool]


def _matches(token: str, given: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def bearer_dependency(token: str | None, session_check: SessionCheck | None = None):
    """A dependency that lets every request through when token is None, else demands `Authorization: Bearer <token>`
    (or, when `session_check` is given, a logged-in UI session).

    Without a token the OpenAPI schema declares no security scheme, so it never claims auth it does not check.
    """
    if token is None:

        def open_access() -> None:
            return None

        return open_access

    def check(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
        given = credentials.credentials if credentials is not None else ""
        if _matches(token, given) or (session_check is not None and session_check(request)):
            return
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=REFUSED, headers={"WWW-Authenticate": "Bearer"})

    return check


def install_docs(
    app: FastAPI, *, prefix: str, title: str, token: str | None, session_check: SessionCheck | None = None
) -> None:
    """Serve `<prefix>/openapi.json` and `<prefix>/docs` (Swagger UI), behind the token when one is set.

    The app must be built with `docs_url=None, openapi_url=None` so these are the only copies."""
    from fastapi.openapi.docs import get_swagger_ui_html

    guard = [Depends(bearer_dependency(token, session_check))]

    @app.get(f"{prefix}/openapi.json", include_in_schema=False, dependencies=guard)
    def openapi() -> dict:
        return app.openapi()

    @app.get(f"{prefix}/docs", include_in_schema=False, dependencies=guard)
    def docs():
        return get_swagger_ui_html(openapi_url=f"{prefix}/openapi.json", title=f"{title} - API")
