"""ComfyUI round-trip figures on one live ComfyUI, each against a baseline measured in the same run.

1. App vs bare: a trivial core-node workflow (EmptyImage -> ImageInvert -> SaveImage, a new colour
   each time so nothing is cached) through `ComfyClient.run` (submit, follow, fetch via /view),
   alternated with a bare minimal websocket-client + requests loop doing the same
   submit / wait for `execution_success` / fetch. Median end-to-end ratio app/bare (target <= 1.10)
   and the app's added milliseconds (median of paired differences, target < 15 ms).
2. 50 outputs of 1024x1024 (noisy, so the PNGs are realistic in size) saved with SaveImage and
   fetched via /view, against the same batch sent as binary WebSocket frames by SaveImageWebsocket
   (upstream's custom_nodes/websocket_image_save.py): images per second end to end, and the /view
   download alone; then the same files fetched again one /view at a time (what fetch_outputs did before)
   against `fetch_outputs` (several at a time).

The server: $COMFYUI_URL, or ComfyUI from $COMFYUI_PATH (+$COMFYUI_PYTHON) started on a free
loopback port with --cpu. Without either, it prints a skip line.
Run: `.venv/bin/python -m benchmarks comfy_roundtrip` (`--pairs N`, `--batch N`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
import websocket  # noqa: E402

from app.comfy import ComfyClient, ComfyError  # noqa: E402
from app.comfy.client import FETCH_WORKERS  # noqa: E402
from app.config import Timeouts  # noqa: E402

TIMEOUTS = Timeouts(connect=5, read=120, upload=300, prompt=900, ready=300)


def trivial_prompt(color: int) -> dict[str, Any]:
    return {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": color}},
        "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inkframe_bench/trivial"}},
    }


def batch_prompt(count: int, seed: int, websocket_output: bool) -> dict[str, Any]:
    output = (
        {"class_type": "SaveImageWebsocket", "inputs": {"images": ["2", 0]}}
        if websocket_output
        else {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inkframe_bench/batch"}}
    )
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 1024, "height": 1024, "batch_size": count, "color": 0x808080},
        },
        "2": {"class_type": "ImageAddNoise", "inputs": {"image": ["1", 0], "seed": seed, "strength": 0.5}},
        "3": output,
    }


class BareClient:
    """What a minimal script does: one websocket-client socket, requests for HTTP, no abstractions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client_id = uuid.uuid4().hex
        self.session = requests.Session()
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}", timeout=60
        )

    def run(self, prompt: dict[str, Any]) -> list[bytes]:
        body = {"prompt": prompt, "client_id": self.client_id}
        prompt_id = self.session.post(self.url + "/prompt", json=body, timeout=60).json()["prompt_id"]
        outputs: list[dict[str, Any]] = []
        while True:
            raw = self.ws.recv()
            if not isinstance(raw, str):
                continue
            message = json.loads(raw)
            data = message.get("data", {})
            if data.get("prompt_id") != prompt_id:
                continue
            if message["type"] == "executed":
                outputs.extend(data["output"].get("images", []))
            elif message["type"] == "execution_success":
                break
            elif message["type"] == "execution_error":
                raise RuntimeError(data.get("exception_message"))
        return [self.session.get(self.url + "/view", params=image, timeout=60).content for image in outputs]

    def close(self) -> None:
        self.ws.close()
        self.session.close()


def bench_app_vs_bare(url: str, pairs: int) -> None:
    app = ComfyClient(url, timeouts=TIMEOUTS)
    bare = BareClient(url)
    rng = random.Random(7)
    try:
        for _ in range(3):  # warm both paths (sockets, ComfyUI's first-run imports)
            app.run(trivial_prompt(rng.randrange(1 << 24)))
            bare.run(trivial_prompt(rng.randrange(1 << 24)))
        app_s: list[float] = []
        bare_s: list[float] = []
        for index in range(pairs):
            order = ("app", "bare") if index % 2 == 0 else ("bare", "app")
            for who in order:
                prompt = trivial_prompt(rng.randrange(1 << 24))
                started = time.perf_counter()
                if who == "app":
                    files = app.run(prompt).files
                else:
                    files = bare.run(prompt)
                elapsed = time.perf_counter() - started
                assert len(files) == 1
                (app_s if who == "app" else bare_s).append(elapsed)
    finally:
        app.close()
        bare.close()
    app_median, bare_median = statistics.median(app_s), statistics.median(bare_s)
    added_ms = statistics.median(a - b for a, b in zip(app_s, bare_s, strict=True)) * 1000
    ratio = app_median / bare_median
    print(
        f"trivial workflow, {pairs} alternated pairs: app median {app_median * 1000:.1f} ms, bare median "
        f"{bare_median * 1000:.1f} ms"
    )
    print(f"  ratio app/bare = {ratio:.3f} (target <= 1.10) {'OK' if ratio <= 1.10 else 'MISSED'}")
    print(
        f"  app added = {added_ms:+.1f} ms median of paired differences (target < 15 ms) "
        f"{'OK' if added_ms < 15 else 'MISSED'}"
    )


def bench_view_vs_websocket(url: str, count: int) -> None:
    with ComfyClient(url, timeouts=TIMEOUTS) as client:
        if "SaveImageWebsocket" not in client.object_info(refresh=True):
            print(
                "skip /view vs WebSocket frames: SaveImageWebsocket is not loaded on this server (ComfyUI loads "
                "it from its own custom_nodes/websocket_image_save.py, which ships with upstream)"
            )
            return
        client.run(batch_prompt(2, 1, False))  # warm: first use of the nodes
        started = time.perf_counter()
        via_view = client.run(batch_prompt(count, 2, False))
        view_s = time.perf_counter() - started
        started = time.perf_counter()
        via_ws = client.run(batch_prompt(count, 3, True))
        ws_s = time.perf_counter() - started
        started = time.perf_counter()  # the same files again, one /view after the other (before: fetch_outputs did)
        serial = [client.view(f.filename, f.subfolder, f.type) for f in via_view.files]
        serial_s = time.perf_counter() - started
        started = time.perf_counter()
        parallel = client.fetch_outputs(via_view.outputs)
        parallel_s = time.perf_counter() - started
    assert [f.data for f in parallel] == serial
    assert len(via_view.files) == count and all(f.source == "view" for f in via_view.files)
    assert len(via_ws.files) == count and all(f.source == "websocket" for f in via_ws.files)
    fetch_s = via_view.timings.fetched_at - via_view.timings.done_at
    view_mb = sum(len(f.data) for f in via_view.files) / 1e6
    ws_mb = sum(len(f.data) for f in via_ws.files) / 1e6
    print(
        f"{count} outputs of 1024x1024: SaveImage + /view {count / view_s:.2f} images/s end to end "
        f"({view_s:.1f} s, {view_mb:.0f} MB); /view download alone {count / fetch_s:.1f} images/s ({fetch_s:.2f} s)"
    )
    print(
        f"  the same {count} files again: one /view at a time {count / serial_s:.1f} images/s ({serial_s:.2f} s), "
        f"fetch_outputs ({FETCH_WORKERS} at a time) {count / parallel_s:.1f} images/s ({parallel_s:.2f} s); "
        f"ratio {serial_s / parallel_s:.2f}x"
    )
    print(
        f"  SaveImageWebsocket binary frames {count / ws_s:.2f} images/s end to end ({ws_s:.1f} s, {ws_mb:.0f} MB); "
        f"ratio ws/view = {view_s / ws_s:.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args(argv or [])
    url = os.environ.get("COMFYUI_URL")
    server = None
    workdir = Path(tempfile.mkdtemp(prefix="inkframe-bench-comfy-"))
    try:
        if not url:
            if not os.environ.get("COMFYUI_PATH"):
                print("skip: no live ComfyUI (set COMFYUI_URL, or COMFYUI_PATH + COMFYUI_PYTHON to start one)")
                return 0
            from tests.integration.launch import managed_comfyui_from_env

            server = managed_comfyui_from_env(workdir / "comfyui", TIMEOUTS)
            url = server.start()
        print(f"ComfyUI at {url}")
        bench_app_vs_bare(url, args.pairs)
        bench_view_vs_websocket(url, args.batch)
        return 0
    except ComfyError as exc:
        print(f"error: {exc}")
        return 1
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
