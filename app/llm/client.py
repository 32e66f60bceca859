"""A client for OpenAI-compatible chat endpoints (llama.cpp server, Ollama, vLLM, LM Studio).

`ChatClient.chat` sends one chat completion; `ChatClient.structured` asks for a reply that fits a
pydantic model: it sends the model's JSON schema as `response_format` (servers such as llama.cpp
constrain decoding to it), then validates the reply, repairs common damage (code fences, prose
around the JSON) and re-asks a bounded number of times with the validation error.

Transport errors are translated here, in one place: connection failures, timeouts, HTTP 429 and 5xx
are retried with exponential backoff and jitter (a chat completion has no side effects), then end
as one `LLMUnavailable` sentence; other HTTP errors become `LLMStatusError`.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Self, TypeVar

import requests
from pydantic import BaseModel

from ..backoff import Backoff
from .errors import LLMReplyError, LLMStatusError, LLMUnavailable
from .repair import ReplyInvalid, parse_reply

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
Role = Literal["system", "user", "assistant"]
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_SCHEMA_REJECTION_HINTS = ("response_format", "json_schema", "schema")


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to reach the model. `url` is the API base, e.g. http://127.0.0.1:8080/v1."""

    url: str | None
    model: str = "local"
    temperature: float = 0.7
    timeout: float = 120.0
    connect_timeout: float = 5.0
    max_retries: int = 2
    api_key: str | None = None
    backoff_s: float = 0.5
    reasks: int = 1  # re-asks with the validation error after a reply that does not fit the schema

    @classmethod
    def from_config(cls, llm: Any, url: str | None = None, **overrides: Any) -> LLMSettings:
        """Build settings from `config.llm`; `url` (e.g. from --llm-url) wins over the config.
        The configured api_key goes only to the configured endpoint, never to another `url`."""
        own_endpoint = not url or (llm.url or "").rstrip("/") == url.rstrip("/")
        return cls(
            url=(url or llm.url or None),
            model=llm.model,
            temperature=llm.temperature,
            timeout=llm.timeout,
            max_retries=llm.max_retries,
            api_key=llm.api_key if own_endpoint else None,
            **overrides,
        )


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ChatReply:
    text: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    elapsed_s: float


@dataclass
class StructuredReply:
    """A validated object plus how it was obtained (for reports and benchmarks)."""

    value: BaseModel
    attempts: int
    constrained: bool
    raw: str
    replies: list[ChatReply] = field(default_factory=list)


class ChatClient:
    """One endpoint, one `requests.Session`; safe to reuse for many calls, not across threads."""

    def __init__(self, settings: LLMSettings, session: requests.Session | None = None) -> None:
        if not settings.url:
            raise LLMUnavailable(
                "no language model is configured; set llm.url in config.yaml (an OpenAI-compatible "
                "endpoint such as http://127.0.0.1:8080/v1) or pass --llm-url."
            )
        self.settings = settings
        self.base_url = settings.url.rstrip("/")
        self._session = session or requests.Session()
        self._schema_supported: bool | None = None  # learnt from the first structured call

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport --------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        return headers

    def _sleep_before_retry(self, attempt: int) -> None:
        policy = Backoff(
            attempts=self.settings.max_retries + 1, base=self.settings.backoff_s, cap=math.inf, jitter=(1.0, 1.5)
        )
        time.sleep(policy.delay(attempt))

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        timeout = (self.settings.connect_timeout, self.settings.timeout)
        tries = self.settings.max_retries + 1
        last_problem = ""
        for attempt in range(tries):
            if attempt:
                self._sleep_before_retry(attempt - 1)
            try:
                response = self._session.request(method, url, json=payload, headers=self._headers(), timeout=timeout)
            except requests.Timeout:
                last_problem = f"did not answer within {self.settings.timeout:g} s"
                log.info("LLM %s %s timed out (try %d of %d)", method, url, attempt + 1, tries)
                continue
            except requests.ConnectionError as exc:
                last_problem = f"cannot be reached ({_short_reason(exc)})"
                log.info("LLM %s %s unreachable (try %d of %d)", method, url, attempt + 1, tries)
                continue
            if response.status_code in _RETRYABLE_STATUS:
                last_problem = f"answered HTTP {response.status_code} ({_error_text(response)})"
                continue
            if response.status_code >= 400:
                raise _status_error(url, response)
            try:
                return response.json()
            except ValueError as exc:
                raise LLMReplyError(
                    f"the language model at {self.base_url} answered {path} "
                    "with something that is not JSON; "
                    "check that llm.url points at an OpenAI-compatible API."
                ) from exc
        raise LLMUnavailable(
            f"the language model at {self.base_url} {last_problem} after {tries} tr{'y' if tries == 1 else 'ies'}; "
            "check that it is running, or fix llm.url / --llm-url (llm.timeout sets how long to wait)."
        )

    def list_models(self) -> list[str]:
        """The model ids the endpoint serves (also a cheap reachability check)."""
        data = self._request("GET", "/models")
        return [str(item.get("id") or item.get("name")) for item in data.get("data") or data.get("models") or []]

    # -- chat -------------------------------------------------------------------------------------

    def chat(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float | None = None,
        response_format: dict[str, Any] | None = None,
        seed: int | None = None,
    ) -> ChatReply:
        payload: dict[str, Any] = {
            "model": self.settings.model,
            "messages": [m.as_dict() for m in messages],
            "max_tokens": max_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
            "stream": False,
        }
        if response_format is not None:
            payload["response_format"] = response_format
        if seed is not None:
            payload["seed"] = seed
        started = time.perf_counter()
        data = self._request("POST", "/chat/completions", payload)
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMReplyError(
                f"the language model at {self.base_url} sent a chat reply without choices[0].message.content.",
                raw=json.dumps(data)[:2000],
            ) from exc
        usage = data.get("usage") or {}
        return ChatReply(
            text=text,
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            elapsed_s=time.perf_counter() - started,
        )

    def structured(
        self,
        messages: list[ChatMessage],
        model: type[ModelT],
        *,
        max_tokens: int,
        temperature: float | None = None,
        seed: int | None = None,
    ) -> StructuredReply:
        """Ask for a reply that validates as `model`; raise LLMReplyError when it never does."""
        schema = model.model_json_schema()
        name = model.__name__
        conversation = list(messages)
        replies: list[ChatReply] = []
        detail = ""
        for attempt in range(self.settings.reasks + 1):
            reply = self._chat_with_schema(conversation, name, schema, max_tokens, temperature, seed)
            replies.append(reply)
            try:
                value = parse_reply(reply.text, model)
            except ReplyInvalid as exc:
                detail = exc.detail
                if reply.finish_reason == "length":
                    detail += f" (the reply was cut off at {max_tokens} tokens)"
                log.info("LLM reply for %s invalid (attempt %d): %s", name, attempt + 1, detail)
                conversation = [
                    *messages,
                    ChatMessage("assistant", reply.text[:4000]),
                    ChatMessage(
                        "user",
                        f"That reply is not valid: {detail}. "
                        "Answer again with only one JSON object that fits the schema.",
                    ),
                ]
                continue
            return StructuredReply(
                value=value,
                attempts=attempt + 1,
                constrained=bool(self._schema_supported),
                raw=reply.text,
                replies=replies,
            )
        raise LLMReplyError(
            f"the language model's reply is not valid {name} JSON after {len(replies)} attempt"
            f"{'s' if len(replies) > 1 else ''}: {detail}.",
            raw=replies[-1].text if replies else "",
        )

    def _chat_with_schema(
        self,
        messages: list[ChatMessage],
        name: str,
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float | None,
        seed: int | None,
    ) -> ChatReply:
        if self._schema_supported is not False:
            response_format = {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
            try:
                reply = self.chat(
                    messages, max_tokens=max_tokens, temperature=temperature, response_format=response_format, seed=seed
                )
                self._schema_supported = True
                return reply
            except LLMStatusError as exc:
                if exc.status != 400 or not any(h in str(exc).lower() for h in _SCHEMA_REJECTION_HINTS):
                    raise
                log.info(
                    "endpoint %s rejects json_schema response_format; falling back to prompt + repair", self.base_url
                )
                self._schema_supported = False
        schema_note = ChatMessage(
            "system",
            "Reply with only one JSON object that fits this JSON schema:\n" + json.dumps(schema, separators=(",", ":")),
        )
        return self.chat([schema_note, *messages], max_tokens=max_tokens, temperature=temperature, seed=seed)


def _short_reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host", "Connection reset"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def _error_text(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error or data)[:200]


def _status_error(url: str, response: requests.Response) -> LLMStatusError:
    status = response.status_code
    reason = _error_text(response)
    if status in (401, 403):
        message = f"the language model at {url} refused the request (HTTP {status}: {reason}); check llm.api_key."
    elif status == 404:
        message = f"the language model endpoint {url} does not exist (HTTP 404); llm.url should be the API base, e.g. http://127.0.0.1:8080/v1."
    else:
        message = f"the language model at {url} rejected the request (HTTP {status}: {reason})."
    return LLMStatusError(message, status=status)
