"""The chat client against a tiny loopback HTTP server that replies as scripted.

Covers: structured output sent as response_format, repair of fenced/prosy replies, the bounded
re-ask with the validation error, fallback when the server rejects json_schema, bounded retries on
timeouts / 5xx / refused connections ending in one LLMUnavailable sentence, and HTTP errors.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, Field

from app.config import LLMConfig
from app.errors import InkframeError
from app.llm import (
    ChatClient,
    ChatMessage,
    LLMReplyError,
    LLMSettings,
    LLMStatusError,
    LLMUnavailable,
)

from .llm_stub import Reply, StubServer, chat_body


class Pitch(BaseModel):
    title: str = Field(max_length=30)
    pages: int = Field(ge=1, le=8)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()


def client_for(url: str, **kw) -> ChatClient:
    defaults = {"timeout": 2.0, "connect_timeout": 1.0, "max_retries": 2, "backoff_s": 0.01, "reasks": 1}
    defaults.update(kw)
    return ChatClient(LLMSettings(url=url, **defaults))


ASK = [ChatMessage("user", "Pitch a comic.")]


def test_structured_sends_the_json_schema_and_validates(stub):
    stub.replies.append((200, chat_body('{"title": "Tides", "pages": 2}')))
    reply = client_for(stub.url, api_key="sk-local").structured(ASK, Pitch, max_tokens=50)
    assert reply.value == Pitch(title="Tides", pages=2)
    assert reply.attempts == 1 and reply.constrained
    sent = stub.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer sk-local"
    fmt = sent["body"]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["required"] == ["title", "pages"]
    assert sent["body"]["max_tokens"] == 50


def test_fenced_reply_with_prose_is_repaired_without_a_reask(stub):
    stub.replies.append((200, chat_body('Sure! Here it is:\n```json\n{"title": "Tides", "pages": 3}\n```')))
    assert client_for(stub.url).structured(ASK, Pitch, max_tokens=50).value.pages == 3
    assert len(stub.requests) == 1


def test_invalid_reply_is_reasked_with_the_validation_error(stub):
    stub.replies += [
        (200, chat_body('{"title": "Tides", "pages": 40}')),
        (200, chat_body('{"title": "Tides", "pages": 4}')),
    ]
    reply = client_for(stub.url).structured(ASK, Pitch, max_tokens=50)
    assert reply.value.pages == 4 and reply.attempts == 2
    reask = stub.requests[1]["body"]["messages"]
    assert reask[-2] == {"role": "assistant", "content": '{"title": "Tides", "pages": 40}'}
    assert "pages: Input should be less than or equal to 8" in reask[-1]["content"]


def test_reply_never_valid_raises_one_sentence_with_the_raw_text(stub):
    stub.replies += [(200, chat_body("I cannot do JSON, sorry.")), (200, chat_body('{"title": "x"', finish="length"))]
    with pytest.raises(LLMReplyError) as info:
        client_for(stub.url).structured(ASK, Pitch, max_tokens=8)
    message = str(info.value)
    assert message.startswith("the language model's reply is not valid Pitch JSON after 2 attempts")
    assert "cut off at 8 tokens" in message and message.count("\n") == 0
    assert info.value.raw == '{"title": "x"'
    assert isinstance(info.value, InkframeError)


def test_server_without_json_schema_support_falls_back_to_prompt_and_repair(stub):
    stub.replies += [
        (400, {"error": {"message": "response_format type json_schema is not supported"}}),
        (200, chat_body('{"title": "Tides", "pages": 1}')),
        (200, chat_body('{"title": "Again", "pages": 1}')),
    ]
    client = client_for(stub.url)
    assert client.structured(ASK, Pitch, max_tokens=50).value.title == "Tides"
    fallback = stub.requests[1]["body"]
    assert "response_format" not in fallback
    assert fallback["messages"][0]["role"] == "system" and '"pages"' in fallback["messages"][0]["content"]
    client.structured(ASK, Pitch, max_tokens=50)  # remembered: no second json_schema attempt
    assert len(stub.requests) == 3 and "response_format" not in stub.requests[2]["body"]


def test_timeouts_are_retried_a_bounded_number_of_times_then_one_sentence(stub):
    def slow() -> Reply:
        time.sleep(0.6)
        return 200, chat_body('{"title": "late", "pages": 1}')

    stub.replies += [slow, slow, slow]
    started = time.monotonic()
    with pytest.raises(
        LLMUnavailable, match=r"did not answer within 0.3 s after 3 tries; check that it is running"
    ) as info:
        client_for(stub.url, timeout=0.3, max_retries=2).chat(ASK, max_tokens=5)
    assert time.monotonic() - started < 5
    assert len(stub.requests) == 3
    assert "\n" not in str(info.value)


def test_server_errors_are_retried_then_succeed(stub):
    stub.replies += [(503, {"error": {"message": "loading model"}}), (200, chat_body("hello"))]
    reply = client_for(stub.url).chat(ASK, max_tokens=5)
    assert reply.text == "hello" and reply.completion_tokens == 5 and len(stub.requests) == 2


def test_refused_connection_is_one_sentence():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(
        LLMUnavailable,
        match=rf"the language model at http://127.0.0.1:{port}/v1 "
        r"cannot be reached \(connection refused\) after 2 tries",
    ):
        client_for(f"http://127.0.0.1:{port}/v1", max_retries=1).chat(ASK, max_tokens=5)


def test_no_endpoint_configured_is_one_sentence():
    settings = LLMSettings.from_config(LLMConfig())
    with pytest.raises(
        LLMUnavailable, match=r"^no language model is configured; set llm.url in config.yaml .* or pass --llm-url\.$"
    ):
        ChatClient(settings)
    assert LLMSettings.from_config(LLMConfig(), url="http://127.0.0.1:1/v1").url == "http://127.0.0.1:1/v1"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, r"refused the request \(HTTP 401: bad key\); check llm.api_key"),
        (404, r"does not exist \(HTTP 404\)"),
        (422, r"rejected the request \(HTTP 422: bad key\)"),
    ],
)
def test_client_errors_are_not_retried(stub, status, expected):
    stub.replies.append((status, {"error": {"message": "bad key"}}))
    with pytest.raises(LLMStatusError, match=expected):
        client_for(stub.url).chat(ASK, max_tokens=5)
    assert len(stub.requests) == 1


def test_envelope_without_choices_is_a_reply_error(stub):
    stub.replies.append((200, {"unexpected": True}))
    with pytest.raises(LLMReplyError, match="without choices"):
        client_for(stub.url).chat(ASK, max_tokens=5)
    stub.replies.append((200, "<html>not json</html>"))
    with pytest.raises(LLMReplyError, match="not JSON"):
        client_for(stub.url).chat(ASK, max_tokens=5)
