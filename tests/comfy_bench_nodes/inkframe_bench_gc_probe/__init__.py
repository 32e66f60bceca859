"""Benchmark-only ComfyUI extension, never part of the product: records ComfyUI's own garbage-collection pauses.

ComfyUI's prompt worker runs `gc.collect()` after a prompt (at most every 10 s) while holding the GIL, so its event
loop sends no message and serves no /view until it ends; on a loaded machine that takes seconds. The pause falls
outside ComfyUI's execution_start .. execution_success timestamps, so a client's "wall minus execution" includes it.
benchmarks/bench_families.py loads this pack (only there) and subtracts the pauses that overlap a run's time outside
execution, to tell ComfyUI's time from the app's. GET /inkframe_bench/gc_pauses -> {"pauses": [[start_ms, end_ms,
generation], ...]}: the latest collections that took at least 1 ms (wall clock, ms since the epoch).
"""

import collections
import gc
import time

from aiohttp import web
from server import PromptServer

PAUSES = collections.deque(maxlen=4096)
_STARTED = {}


def _on_gc(phase, info):
    if phase == "start":
        _STARTED["at"] = time.time()
        return
    began = _STARTED.pop("at", None)
    if began is None:
        return
    ended = time.time()
    if ended - began >= 0.001:
        PAUSES.append((began * 1000.0, ended * 1000.0, info.get("generation")))


gc.callbacks.append(_on_gc)


@PromptServer.instance.routes.get("/inkframe_bench/gc_pauses")
async def gc_pauses(request):
    return web.json_response({"pauses": list(PAUSES)})


NODE_CLASS_MAPPINGS = {}
NODE_DISPLAY_NAME_MAPPINGS = {}
