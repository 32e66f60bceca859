"""onnxruntime execution settings: the CUDA provider when present (unless CPU is asked for), thread counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ProviderChoice = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class RuntimeSettings:
    providers: ProviderChoice = "auto"
    threads: int = 0


def providers_for(choice: ProviderChoice) -> list[str]:
    """onnxruntime providers, best first: CUDA when asked or available (auto), always CPU as the fallback."""
    import onnxruntime

    available = set(onnxruntime.get_available_providers())
    if choice == "cuda" and "CUDAExecutionProvider" not in available:
        from .errors import FaceSwapError

        raise FaceSwapError(
            "faceswap.providers is 'cuda' but this onnxruntime has no CUDA provider; "
            "install onnxruntime-gpu or set faceswap.providers to auto."
        )
    if choice in ("auto", "cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def session_kwargs(settings: RuntimeSettings) -> dict[str, Any]:
    """Keyword arguments for insightface's model_zoo.get_model / onnxruntime sessions."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if settings.threads:
        options.intra_op_num_threads = settings.threads
        options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return {"providers": providers_for(settings.providers), "sess_options": options}


def torch_device(settings: RuntimeSettings) -> str:
    import torch

    if settings.providers != "cpu" and torch.cuda.is_available():
        return "cuda"
    return "cpu"
