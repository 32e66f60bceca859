"""Turning a model's text reply into a validated pydantic object (pure, no network).

Small models wrap JSON in code fences, add a sentence before or after it, or stop early. `extract_json`
strips fences and finds the outermost JSON object or array with a real JSON decoder (so braces inside
strings do not confuse it); `parse_reply` validates the result against a pydantic model and raises
`ReplyInvalid` with a short description of what is wrong, which the client sends back to the model
when it re-asks.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_MAX_ERRORS_REPORTED = 5


class ReplyInvalid(ValueError):
    """A reply that is not JSON, or JSON that does not fit the schema; `detail` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def strip_code_fences(text: str) -> str:
    """Return the content of the first ``` fenced block, or the text itself when there is none."""
    match = _FENCE.search(text)
    if match:
        return match.group(1).strip()
    stripped = text.strip()
    if stripped.startswith("```"):  # an opening fence whose closing fence never came
        return stripped.split("\n", 1)[1] if "\n" in stripped else ""
    return stripped


def extract_json(text: str) -> Any:
    """Return the first complete JSON object or array found in `text` (after stripping fences).

    Raises ReplyInvalid when there is none.
    """
    candidate = strip_code_fences(text)
    try:
        return json.loads(candidate)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for source in (candidate, text):
        for index, char in enumerate(source):
            if char not in "{[":
                continue
            try:
                value, _end = decoder.raw_decode(source, index)
            except json.JSONDecodeError:
                continue
            if isinstance(value, (dict, list)):
                return value
    if not text.strip():
        raise ReplyInvalid("the reply was empty")
    raise ReplyInvalid("the reply holds no complete JSON object (it may have been cut off)")


def describe_validation_error(error: ValidationError) -> str:
    """A compact, model-readable list of what does not fit the schema."""
    parts = []
    for item in error.errors()[:_MAX_ERRORS_REPORTED]:
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - len(parts)
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def parse_reply(text: str, model: type[ModelT]) -> ModelT:
    """Validate a reply text against `model`, repairing fences and surrounding prose first."""
    value = extract_json(text)
    if isinstance(value, list) and len(model.model_fields) == 1:
        # A model asked for {"items": [...]} sometimes answers with the bare list.
        (only_field,) = model.model_fields
        value = {only_field: value}
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise ReplyInvalid(describe_validation_error(exc)) from exc
