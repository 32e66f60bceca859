"""Test-only ComfyUI nodes: a sleep of fixed duration that logs its runs, and a node that fails."""

from __future__ import annotations

import os
import time


def _check_interrupted() -> None:
    import comfy.model_management

    comfy.model_management.throw_exception_if_processing_interrupted()


class InkframeTestSleep:
    CATEGORY = "inkframe/testing"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {
                "image": ("IMAGE",),
                "seconds": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 3600.0, "step": 0.001}),
                "value": ("STRING", {"default": ""}),
            },
            "optional": {"log_file": ("STRING", {"default": ""}), "log_detail": ("BOOLEAN", {"default": False})},
        }

    def run(self, image, seconds, value, log_file="", log_detail=False):
        end = time.monotonic() + seconds
        while True:
            _check_interrupted()
            left = end - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 0.02))
        if log_file:
            fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                line = f"{value}@{os.getpid()}@{time.time():.3f}" if log_detail else value
                os.write(fd, f"{line}\n".encode())
            finally:
                os.close(fd)
        return (image,)


class InkframeTestFail:
    CATEGORY = "inkframe/testing"
    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "run"

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"image": ("IMAGE",), "message": ("STRING", {"default": "told to fail"})}}

    def run(self, image, message):
        raise RuntimeError(message)


NODE_CLASS_MAPPINGS = {"InkframeTestSleep": InkframeTestSleep, "InkframeTestFail": InkframeTestFail}
NODE_DISPLAY_NAME_MAPPINGS = {"InkframeTestSleep": "Inkframe test: sleep", "InkframeTestFail": "Inkframe test: fail"}
