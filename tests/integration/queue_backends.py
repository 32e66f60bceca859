"""Live ComfyUI backends with the test node pack, for the queue's integration tests and benchmark.

`start_backends(n, workdir)` starts n ManagedComfyUI processes in parallel (from $COMFYUI_PATH, `--cpu`,
loopback, each with its own data dir) with tests/comfy_test_nodes added as an extra custom_nodes
folder; `sleep_prompt()` builds EmptyImage -> InkframeTestSleep -> SaveImage; `with_gpu_time()` puts an
InkframeTestSleep before a prompt's SaveImage (a panel that holds its backend as a GPU-bound one would).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.comfy import ComfyError, ManagedComfyUI
from app.config import Timeouts

from .launch import managed_comfyui_from_env

TEST_NODES = Path(__file__).resolve().parents[1] / "comfy_test_nodes"
QUEUE_TIMEOUTS = Timeouts(connect=5, read=60, upload=60, prompt=300, ready=300)
NO_COMFYUI = (
    "no ComfyUI to start: set COMFYUI_PATH (+COMFYUI_PYTHON) to a ComfyUI checkout; the queue tests "
    "start their own backends with the test node pack"
)


def start_backends(
    count: int, workdir: Path, *, extra_args: list[str] | None = None, torch_threads: int | None = None
) -> list[ManagedComfyUI]:
    """Start count ComfyUIs at once; raise ComfyError (after stopping the others) when one fails.
    `torch_threads` caps each one's CPU threads (several CPU ComfyUIs on a few cores thrash otherwise)."""
    if not os.environ.get("COMFYUI_PATH"):
        raise LookupError(NO_COMFYUI)
    servers = [
        managed_comfyui_from_env(workdir / f"comfyui-{i}", QUEUE_TIMEOUTS, extra_custom_nodes=[TEST_NODES])
        for i in range(count)
    ]
    for server in servers:
        if torch_threads:
            server.env.update(OMP_NUM_THREADS=str(torch_threads), MKL_NUM_THREADS=str(torch_threads))
        if extra_args:
            server.launch = server.launch.model_copy(update={"extra_args": [*server.launch.extra_args, *extra_args]})
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(_try_start, servers))
    errors = [error for error in results if error is not None]
    if errors:
        for server in servers:
            server.stop()
        raise errors[0]
    return servers


def _try_start(server: ManagedComfyUI) -> ComfyError | None:
    try:
        server.start()
        return None
    except ComfyError as exc:
        return exc


def sleep_prompt(value: str, seconds: float, log_file: Path | str = "", *, fail: bool = False) -> dict[str, Any]:
    middle = (
        {"class_type": "InkframeTestFail", "inputs": {"image": ["1", 0], "message": f"job {value} told to fail"}}
        if fail
        else {
            "class_type": "InkframeTestSleep",
            "inputs": {"image": ["1", 0], "seconds": seconds, "value": value, "log_file": str(log_file)},
        }
    )
    return {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
        "2": middle,
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "queue_test"}},
    }


GPU_TIME_NODE_ID = "inkframe_gpu_time"


def with_gpu_time(prompt: dict[str, Any], seconds: float, value: str) -> dict[str, Any]:
    """The prompt with InkframeTestSleep(seconds) between the picture and its SaveImage node: the backend is held
    for `seconds` without using the CPU (interruptible, like a sampler between steps)."""
    for node in prompt.values():
        if node.get("class_type") == "SaveImage":
            inputs = {"image": node["inputs"]["images"], "seconds": seconds, "value": value}
            prompt[GPU_TIME_NODE_ID] = {"class_type": "InkframeTestSleep", "inputs": inputs}
            node["inputs"]["images"] = [GPU_TIME_NODE_ID, 0]
            return prompt
    raise ValueError("the prompt has no SaveImage node to put the GPU-time node before")


def gpu_time_prompts(seconds: float):
    """A replacement for app.jobs.runner.build_prompt that gives every book_render prompt `seconds` of GPU time."""
    from app.jobs import kinds

    def build(job, object_info=None):
        prompt = kinds.build_prompt(job, object_info)
        return with_gpu_time(prompt, seconds, job.id) if job.kind == "book_render" else prompt

    return build


def write_config(
    path: Path,
    urls: list[str],
    *,
    storage: str = "sqlite",
    redis_url: str | None = None,
    max_concurrent: int = 1,
    extra_backends: list[dict] | None = None,
    webhook_url: str | None = None,
) -> Path:
    """A config.yaml for the app and its worker processes: every url a backend, store and outputs under path's
    folder."""
    root = path.parent
    backends = [{"name": f"b{i}", "url": url, "max_concurrent": max_concurrent} for i, url in enumerate(urls)]
    data = {
        "app": {"output_dir": str(root / "outputs"), "data_dir": str(root / "data")},
        "comfyui": {
            "url": urls[0],
            "backends": backends + list(extra_backends or []),
            "timeouts": QUEUE_TIMEOUTS.model_dump(),
        },
        "queue": {
            "storage": storage,
            "sqlite_path": str(root / "data" / "jobs.db"),
            "retry_backoff_s": 0.2,
            "max_attempts": 4,
            "webhook_url": webhook_url,
        },
    }
    if redis_url:
        data["queue"]["redis_url"] = redis_url
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def running_backends(
    count: int, workdir: Path, *, extra_args: list[str] | None = None, torch_threads: int | None = None
) -> Iterator[list[ManagedComfyUI]]:
    """Body of a test fixture: start `count` backends, skip when no ComfyUI is configured, stop them after."""
    import pytest

    try:
        servers = start_backends(count, workdir, extra_args=extra_args, torch_threads=torch_threads)
    except LookupError as exc:
        pytest.skip(str(exc))
    except ComfyError as exc:
        pytest.fail(f"could not start the test backends: {exc}")
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    """predicate()'s first truthy value, polled every `interval` s; the test fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
