"""The validated configuration of Inkframe Studio.

`load_config()` reads `config.yaml` (or the file named by `INKFRAME_CONFIG`), then, for the default file
only, the git-ignored `config.local.yaml` beside it (machine settings such as the embedded ComfyUI's
`comfyui.launch`, written by `main.py comfyui install`), overlays environment
variables named `INKFRAME__SECTION__KEY` (double underscores separate levels, values are parsed as
YAML scalars) and validates the result. A bad value raises `ConfigError` with one sentence naming
the key, the value and what is allowed. This module imports nothing else from `app`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yaml"
LOCAL_CONFIG_PATH = PROJECT_ROOT / "config.local.yaml"  # overlays config.yaml when no other config file is named
ENV_PREFIX = "INKFRAME__"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message is one sentence for the user."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("it must be a finite number of seconds (not .inf or .nan)")
    return value


class Timeouts(_Section):
    connect: float = Field(5.0, gt=0, description="seconds to open a connection")
    read: float = Field(30.0, gt=0, description="seconds to wait for one HTTP response")
    upload: float = Field(120.0, gt=0, description="seconds for one upload or /view download")
    prompt: float = Field(3600.0, gt=0, description="seconds one prompt may run before it is abandoned")
    ready: float = Field(120.0, gt=0, description="seconds a managed ComfyUI may take to start")

    _check_finite = field_validator("connect", "read", "upload", "prompt", "ready")(_finite)


class LaunchConfig(_Section):
    path: Path = Field(description="folder of an existing ComfyUI checkout (it holds main.py)")
    python: Path = Field(description="python executable of that ComfyUI's environment")
    extra_args: list[str] = Field(default_factory=list, description="extra arguments, e.g. ['--cpu']")
    port: int = Field(0, ge=0, le=65535, description="0 picks a free loopback port")
    restart_on_exit: bool = True
    max_restarts: int = Field(3, ge=0)


class BackendConfig(_Section):
    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    max_concurrent: int = Field(1, ge=1, le=64)


class ComfyUIConfig(_Section):
    url: str = Field("http://127.0.0.1:8188", pattern=r"^https?://")
    launch: LaunchConfig | None = None
    timeouts: Timeouts = Field(default_factory=Timeouts)
    backends: list[BackendConfig] = Field(default_factory=list, description="extra backends for the queue")


class AppConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    auth_token: str | None = Field(None, description="required when host is not a loopback address")
    output_dir: Path = Path("outputs")
    library_dir: Path = Path("library")
    data_dir: Path = Path("data")

    @field_validator("auth_token")
    @classmethod
    def _strong_token(cls, value: str | None) -> str | None:
        if value is not None:
            check_token_strength(value)
        return value

    @model_validator(mode="after")
    def _require_auth_off_loopback(self) -> AppConfig:
        if self.host not in LOOPBACK_HOSTS and not self.auth_token:
            raise ValueError(f"listening on {self.host} requires app.auth_token to be set (or use host 127.0.0.1)")
        return self


TOKEN_MIN_LENGTH = 16
TOKEN_MIN_DISTINCT = 8


def check_token_strength(token: str) -> None:
    """Refuse tokens a guesser finds quickly: short, blank-padded or made of few distinct characters."""
    if len(token) < TOKEN_MIN_LENGTH or token != token.strip() or len(set(token)) < TOKEN_MIN_DISTINCT:
        raise ValueError(
            f"the token is too weak: use at least {TOKEN_MIN_LENGTH} characters, "
            f"{TOKEN_MIN_DISTINCT} of them different and "
            "no surrounding spaces (e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))')"
        )


class SecurityConfig(_Section):
    """What the web server accepts: host names, request sizes, image sizes, login attempts, event streams."""

    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="host names (Host header) served besides "
        "the loopback names and app.host, e.g. ['studio.lan']; '*' serves any (not advised)",
    )
    max_request_bytes: int = Field(16 * 2**20, ge=1024, description="largest request body outside file uploads")
    max_upload_bytes: int = Field(4 * 2**30, ge=1024, description="largest file one UI upload may send")
    max_image_pixels: int = Field(
        64_000_000, ge=1_000_000, le=2_000_000_000, description="largest image (width x height) the studio decodes"
    )
    max_error_chars: int = Field(2000, ge=200, le=100_000, description="longest error text an API answer carries")
    max_event_streams: int = Field(8, ge=1, le=1000, description="open /api/events streams per client address")
    event_keepalive_s: float = Field(
        15.0, gt=0, le=300, description="seconds between keep-alive comments on idle streams"
    )
    login_attempts: int = Field(10, ge=1, le=1000, description="failed logins per client address per login_window_s")
    login_window_s: float = Field(60.0, gt=0, le=86_400)

    _check_finite = field_validator("event_keepalive_s", "login_window_s")(_finite)


class QueueConfig(_Section):
    storage: Literal["sqlite", "redis"] = "sqlite"
    sqlite_path: Path = Path("data/jobs.db")
    redis_url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    max_attempts: int = Field(3, ge=1, le=20)
    retry_backoff_s: float = Field(2.0, ge=0)
    _check_finite = field_validator("retry_backoff_s")(_finite)
    webhook_url: str | None = Field(None, pattern=r"^https?://")

    @field_validator("redis_url")
    @classmethod
    def _redis_needs_password_off_loopback(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("storage") == "redis":
            check_redis_url(value)
        return value


def check_redis_url(url: str) -> None:
    """Huey sends pickled messages through Redis: a Redis beyond loopback must at least ask for a password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in ("127.0.0.1", "localhost", "::1") and not parts.password:
        raise ValueError(
            f"a Redis at {host or url} beyond this machine needs a password in the URL "
            f"(redis://:PASSWORD@{host}:6379/0): "
            "the queue's messages are pickled, so whoever can write to that Redis can run code in the workers"
        )


class FaceSwapConfig(_Section):
    providers: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int = Field(0, ge=0, le=256, description="0 lets onnxruntime choose")
    nsfw_gate: bool = True
    nsfw_threshold: float = Field(0.6, ge=0, le=1)
    nsfw_video_share: float = Field(0.1, ge=0, le=1, description="share of sampled frames that blocks a video")
    visible_mark: bool = False
    models_dir: Path = Field(
        Path("models"), description="models root in ComfyUI's layout (manifest folders are relative to it)"
    )
    manifest: Path = Field(
        Path("models/manifest.yaml"), description="the models manifest (names, folders, sha256, licences)"
    )
    detector: Literal["auto", "insightface", "mediapipe"] = Field(
        "auto", description="auto: insightface's det_10g.onnx when present, else mediapipe's shipped BlazeFace"
    )
    chunk_seconds: float = Field(
        10.0, gt=0, le=600, description="video is encoded in resumable segments of this length"
    )
    workers: int = Field(0, ge=0, le=32, description="frames swapped in parallel; 0 picks from the CPU count")


class GatesConfig(_Section):
    identity_threshold: float = Field(0.45, ge=-1, le=1, description="cosine similarity a face must reach")
    identity_retries: int = Field(2, ge=0, le=10)
    identity_repairs: int = Field(1, ge=0, le=5)
    quality_threshold: float = Field(0.5, ge=0, le=1, description="normalised quality score a panel must reach")


class LLMConfig(_Section):
    url: str | None = Field(None, pattern=r"^https?://")
    model: str = "local"
    temperature: float = Field(0.7, ge=0, le=2)
    timeout: float = Field(120.0, gt=0)
    max_retries: int = Field(2, ge=0, le=10)
    api_key: str | None = None
    context_tokens: int = Field(
        4096, ge=512, le=1_048_576, description="the model's context window; long stories are chunked to fit"
    )

    _check_finite = field_validator("timeout")(_finite)


class ProvenanceConfig(_Section):
    cert: Path | None = Field(
        None, description="PEM: your signing certificate, then the CA certificates that issued it"
    )
    key: Path | None = Field(None, description="PEM private key of that certificate (unencrypted PKCS#8)")
    allow_unsigned: bool = Field(False, description="write outputs unsigned (stated in the file) when signing fails")
    timestamp_url: str | None = Field(None, pattern=r"^https?://", description="RFC 3161 timestamp authority (network)")
    trust_anchors: Path | None = Field(None, description="PEM CA certificates whose signatures count as trusted")


class Config(_Section):
    app: AppConfig = Field(default_factory=AppConfig)
    comfyui: ComfyUIConfig = Field(default_factory=ComfyUIConfig)
    queue: QueueConfig = Field(default_factory=QueueConfig)
    faceswap: FaceSwapConfig = Field(default_factory=FaceSwapConfig)
    gates: GatesConfig = Field(default_factory=GatesConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    provenance: ProvenanceConfig = Field(default_factory=ProvenanceConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)

    @field_validator("app", "comfyui", "queue", "faceswap", "gates", "llm", "provenance", "security", mode="before")
    @classmethod
    def _none_is_default(cls, value: Any) -> Any:
        return {} if value is None else value

    def resolve(self, path: Path) -> Path:
        """Return a config path made absolute against the project root."""
        return path if path.is_absolute() else PROJECT_ROOT / path


SECRET_KEYS = frozenset({"auth_token", "api_key", "redis_url"})


def _describe_error(error: Mapping[str, Any], data: dict[str, Any], source: str) -> str:
    location = [str(part) for part in error["loc"]]
    key = ".".join(location) if location else "(top level)"
    value: Any = data
    for part in error["loc"]:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            value = None
            break
    if location and location[-1] in SECRET_KEYS:
        value = "(hidden)"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "extra_forbidden":
        return f"{source}: unknown key {key}; remove it or check its spelling."
    if error["type"] == "missing":
        return f"{source}: {key} is required but missing."
    if error["type"] == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        return f"{source}: {key} = {value!r} is not allowed; allowed values are {allowed}."
    shown = value if value == "(hidden)" else repr(value)
    return f"{source}: {key} = {shown} is not allowed: {message[0].lower() + message[1:]}."


YAML_MAX_VALUES = 1_000_000


class YamlRefused(ValueError):
    """YAML the studio will not load (duplicate keys, alias bombs); the message is one sentence."""


def _strict_loader(source: str):
    class StrictLoader(yaml.SafeLoader):
        """SafeLoader that refuses duplicate keys and documents whose aliases expand beyond YAML_MAX_VALUES."""

        def construct_mapping(self, node, deep=False):
            lines: dict[Any, int] = {}
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in lines:
                    raise YamlRefused(f"{source} has the key {key!r} twice (lines {lines[key]} and {line}); keep one.")
                lines[key] = line
            return super().construct_mapping(node, deep=deep)

        def compose_document(self):
            document = super().compose_document()
            if document is not None:
                _count_values(document, source)
            return document

    return StrictLoader


def _count_values(root: Any, source: str) -> None:
    """Refuse a node graph whose expanded size (an alias counts its whole value each time) is too large."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Any) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise YamlRefused(f"{source} uses a YAML anchor inside its own value; write the value out.")
        if isinstance(node, yaml.ScalarNode):
            return 1
        open_nodes.add(id(node))
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        total = 1 + sum(size(child) for child in children)
        open_nodes.discard(id(node))
        if total > YAML_MAX_VALUES:
            raise YamlRefused(
                f"{source} expands its YAML aliases to more than {YAML_MAX_VALUES:,} values; "
                "write the values out or use fewer aliases."
            )
        sizes[id(node)] = total
        return total

    size(root)


def load_yaml_strict(text: str, source: str) -> Any:
    """yaml.safe_load, but refusing duplicate keys and alias bombs with YamlRefused (one sentence naming `source`)."""
    return yaml.load(text, Loader=_strict_loader(source))  # noqa: S506 (a SafeLoader subclass)


def _apply_env_overrides(data: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        node = data
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[path[-1]] = yaml.safe_load(raw) if raw != "" else None
    return data


def _load_local(path: Path) -> dict[str, Any]:
    """config.local.yaml: machine-specific settings written by installers (git-ignored), or {}."""
    if not path.is_file():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML; fix or remove it.") from exc
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping of sections (app, comfyui, ...), not {type(loaded).__name__}.")
    return loaded or {}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = (
            _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def load_config(path: Path | str | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load, overlay environment overrides and validate the config; raise ConfigError on bad input."""
    environ = dict(os.environ if environ is None else environ)
    config_path = Path(path or environ.get("INKFRAME_CONFIG") or DEFAULT_CONFIG_PATH)
    source = config_path.name
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            loaded = load_yaml_strict(config_path.read_text(encoding="utf-8"), str(config_path))
        except YamlRefused as exc:
            raise ConfigError(str(exc)) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError(f"{config_path} is not valid YAML{where}; fix the syntax there.") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(
                f"{config_path} must hold a mapping of sections (app, comfyui, ...), not {type(loaded).__name__}."
            )
        data = loaded or {}
    elif path is not None:
        raise ConfigError(f"config file {config_path} does not exist; create it or pass another path.")
    if path is None and not environ.get("INKFRAME_CONFIG"):
        data = _merge(data, _load_local(LOCAL_CONFIG_PATH))
    data = _apply_env_overrides(data, environ)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe_error(exc.errors()[0], data, source)) from exc
