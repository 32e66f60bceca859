"""The REST API of the batch queue: a FastAPI router over `app.services.queue_service`.

`create_api(service, auth_token=...)` gives a standalone FastAPI app (OpenAPI at /api/openapi.json);
`build_router(service, auth_token=...)` gives the router the studio mounts next to Gradio, and
`install_error_handlers(app)` adds the one-sentence error bodies. Nothing happens at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.config import Config


def include_api(app: FastAPI, config: Config, *, auth_token: str | None = None, session_check: Any = None) -> Any:
    """Mount the queue API on an existing FastAPI app (the studio's, built with docs_url=None and openapi_url=None);
    returns the QueueService it uses. `session_check(request)` lets a logged-in UI session open the API docs."""
    from app.services.queue_service import QueueService

    from .auth import install_docs
    from .routes import PREFIX, build_router, install_error_handlers

    token = auth_token if auth_token is not None else config.app.auth_token
    service = QueueService(config)
    install_error_handlers(app, max_chars=config.security.max_error_chars)
    app.include_router(build_router(service, auth_token=token))
    install_docs(app, prefix=PREFIX, title=app.title, token=token, session_check=session_check)
    return service


def create_api(service: Any, *, auth_token: str | None = None) -> FastAPI:
    from .routes import create_api as _create

    return _create(service, auth_token=auth_token)
