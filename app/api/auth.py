"""Optional Bearer-token auth: required whenever a token is configured (config.app.auth_token, which
config validation demands when the app listens beyond loopback)."""

from __future__ import annotations

import hmac

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="the studio's access token (app.auth_token)")


def bearer_dependency(token: str | None):
    """A dependency that lets every request through when token is None, else demands `Authorization: Bearer <token>`.

    Without a token the OpenAPI schema declares no security scheme, so it never claims auth it does not check.
    """
    if token is None:
        def open_access() -> None:
            return None

        return open_access

    def check(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="a valid 'Authorization: Bearer <token>' header is required.",
                                headers={"WWW-Authenticate": "Bearer"})

    return check
