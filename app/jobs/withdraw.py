"""Take one of our prompts off a ComfyUI server without touching anyone else's.

ComfyUI's `POST /interrupt` stops whatever runs on the server (releases before the `prompt_id` body was
honoured ignore it), and `POST /queue {"delete": [...]}` removes pending prompts only. So the prompt's place
is looked up first: a pending one is deleted, and the server is interrupted only while our prompt is the
one running (with its id in the body, so a current ComfyUI checks that again itself). A prompt that moves
from pending to running between the two looks is caught by a second look.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from app.errors import InkframeError

log = logging.getLogger(__name__)

Withdrawn = Literal["deleted", "interrupted", "absent", "unreachable"]


def withdraw_prompt(client: Any, prompt_id: str) -> Withdrawn:
    """Delete prompt_id from the server's queue or interrupt it while it runs; what was done."""
    try:
        for _look in range(2):
            state = client.queue()
            if state.is_running(prompt_id):
                client.interrupt(prompt_id)
                return "interrupted"
            if not state.is_pending(prompt_id):
                return "absent"
            client.delete_from_queue([prompt_id])
            if not client.queue().contains(prompt_id):
                return "deleted"
        return "absent"
    except InkframeError as exc:  # a dead server runs nothing of ours any more
        log.warning("could not withdraw prompt %s: %s", prompt_id, exc)
        return "unreachable"
