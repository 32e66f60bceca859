"""The studio's web server: one FastAPI app serving the Gradio UI at `/` and the REST API (app.api) when present.

Bound to 127.0.0.1 by default. On any other address the config requires `app.auth_token`: the UI then
asks for it at login (any user name, the token as password) and the REST API gets it as a bearer token.
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..config import LOOPBACK_HOSTS, Config
from ..errors import InkframeError
from ..services.startup_service import apply_pixel_limit
from .context import UiContext

log = logging.getLogger(__name__)


class ServerError(InkframeError):
    """The web server cannot start as asked."""


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    comfyui_url: str
    auth_token: str | None
    embedded_worker: bool = True


def resolve_options(
    config: Config, host: str | None, port: int | None, comfyui_url: str, embedded_worker: bool = True
) -> ServerOptions:
    """Merge command-line overrides with the config; refuse a non-loopback address without a token."""
    chosen_host = host or config.app.host
    token = config.app.auth_token
    if chosen_host not in LOOPBACK_HOSTS and not token:
        raise ServerError(
            f"listening on {chosen_host} requires app.auth_token to be set "
            "(config.yaml or INKFRAME__APP__AUTH_TOKEN), or use --host 127.0.0.1"
        )
    return ServerOptions(chosen_host, port or config.app.port, comfyui_url, token, embedded_worker)


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServerError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); stop the program using it or pass --port"
            ) from exc


def token_matches(token: str | None, candidate: str | None) -> bool:
    return bool(token) and candidate is not None and hmac.compare_digest(token.encode(), candidate.encode())


def build_server(config: Config, options: ServerOptions):
    """The FastAPI app with the REST API (when app.api exists) and the Gradio UI mounted at /."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr
    from fastapi import FastAPI

    from .layouts import studio
    from .theme import build_theme

    config = config.model_copy(
        update={"app": config.app.model_copy(update={"host": options.host, "port": options.port})}
    )
    apply_pixel_limit(config.security.max_image_pixels)
    context = UiContext(config=config, comfyui_url=options.comfyui_url)
    app = FastAPI(
        title="Inkframe Studio",
        docs_url=None,
        openapi_url=None,
        redoc_url=None,
        lifespan=_lifespan(config, context, options),
    )
    session = GradioSession()
    _include_rest_api(app, config, options, context, session)
    demo = studio.render(context)
    auth = None
    if options.auth_token:
        token = options.auth_token
        auth = lambda _user, password: token_matches(token, password)  # noqa: E731
    app = gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=auth,
        auth_message="Enter the studio's access token as the password.",
        ssr_mode=False,
        theme=build_theme(),
        css=_css(),
        footer_links=[],
        show_error=True,
        allowed_paths=readable_folders(config),
        blocked_paths=blocked_files(config),
        max_file_size=config.security.max_upload_bytes,
        app_kwargs={"openapi_url": None},  # the API's schema is at /api/openapi.json
    )
    # mount_gradio_app skips launch(), and gradio checks that an input file was uploaded by a user (and that an
    # output lies in allowed_paths) only once has_launched is set: without this any path on disk could be read.
    demo.has_launched = True
    session.bind(app)
    _install_guards(app, config, options)
    return app


def readable_folders(config: Config) -> list[str]:
    """The folders the UI may serve files from besides its own uploads: the studio's outputs and library."""
    return [str(config.resolve(config.app.output_dir).resolve()), str(config.resolve(config.app.library_dir).resolve())]


def blocked_files(config: Config) -> list[str]:
    """Never served, even when inside an allowed folder: the config file, the data folder (job store) and the env
    file."""
    from ..config import DEFAULT_CONFIG_PATH, PROJECT_ROOT

    named = os.environ.get("INKFRAME_CONFIG")
    paths = [
        DEFAULT_CONFIG_PATH,
        config.resolve(config.app.data_dir),
        config.resolve(config.queue.sqlite_path),
        PROJECT_ROOT / ".env",
    ]
    if named:
        paths.append(Path(named))
    return [str(Path(path).resolve()) for path in paths]


def _install_guards(app, config: Config, options: ServerOptions) -> None:
    """Host allow-list, request body cap and login throttle in front of everything (API, UI, file routes)."""
    from app.api.guards import BodyLimit, HostGuard, LoginThrottle, allowed_host_names

    security = config.security
    app.add_middleware(LoginThrottle, attempts=security.login_attempts, window_s=security.login_window_s)
    app.add_middleware(BodyLimit, max_bytes=security.max_request_bytes)
    app.add_middleware(HostGuard, hosts=allowed_host_names(options.host, security.allowed_hosts))


class GradioSession:
    """Whether a request carries a logged-in UI session (gradio's login cookie); bound once the UI is mounted."""

    def __init__(self) -> None:
        self._gradio = None

    def bind(self, app) -> None:
        from starlette.routing import Mount

        for route in app.routes:
            if isinstance(route, Mount) and hasattr(route.app, "tokens"):
                self._gradio = route.app

    def __call__(self, request) -> bool:
        gradio = self._gradio
        if gradio is None or not getattr(gradio, "auth", None):
            return False
        cookie_id = getattr(gradio, "cookie_id", "")
        token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return token is not None and gradio.tokens.get(token) is not None


def _lifespan(config: Config, context: UiContext, options: ServerOptions):
    """Start the embedded queue worker (in a thread: a slow backend check must not delay the page) and
    stop it, and close the services, when the server stops."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app):
        host = WorkerHost(config) if options.embedded_worker else None
        if host is not None:
            host.start()
        try:
            yield
        finally:
            if host is not None:
                host.stop()
            context.services.close()

    return lifespan


class WorkerHost:
    """The queue worker running inside the studio process (app.jobs.worker), when the queue exists."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.worker = None
        self._thread = None

    def start(self) -> None:
        import threading

        self._thread = threading.Thread(target=self._run, name="inkframe-embedded-worker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from ..services.worker_service import make_worker

        try:
            worker = make_worker(self.config)
            worker.start()
            self.worker = worker
        except InkframeError as exc:
            log.warning("the embedded queue worker did not start: %s", exc)

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.worker is not None:
            self.worker.stop()


def _css() -> str:
    from .theme import CSS

    return CSS


def _include_rest_api(app, config: Config, options: ServerOptions, context: UiContext, session: GradioSession) -> None:
    """Serve the queue's REST API (app.api) under /api, sharing one QueueService with the UI."""
    from app.api import include_api

    service = include_api(app, config, auth_token=options.auth_token, session_check=session)
    context.services.adopt_queue(service)


def serve(config: Config, options: ServerOptions) -> None:
    """Start the server and block until interrupted."""
    import uvicorn

    check_port_free(options.host, options.port)
    app = build_server(config, options)
    print(f"Inkframe Studio on http://{options.host}:{options.port}/  (ComfyUI: {options.comfyui_url})", flush=True)
    # open event streams must not hold a stop (SIGTERM, Ctrl-C) for more than a few seconds
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning", timeout_graceful_shutdown=5)
