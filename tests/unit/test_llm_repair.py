"""Reply repair and validation (pure)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from app.llm.repair import ReplyInvalid, extract_json, parse_reply, strip_code_fences


class Pitch(BaseModel):
    title: str = Field(max_length=20)
    pages: int = Field(ge=1, le=8)


class Items(BaseModel):
    items: list[str]


def test_strip_code_fences_keeps_the_fenced_content():
    assert strip_code_fences('Sure!\n```json\n{"a": 1}\n```\nEnjoy.') == '{"a": 1}'
    assert strip_code_fences('```\n{"a": 1}') == '{"a": 1}'  # closing fence never came
    assert strip_code_fences(' {"a": 1} ') == '{"a": 1}'


def test_extract_json_finds_the_outermost_object_among_prose():
    text = 'Here is the plan: {"title": "A {curly} tale", "pages": 2, "x": {"y": [1, 2]}} Hope it helps.'
    assert extract_json(text) == {"title": "A {curly} tale", "pages": 2, "x": {"y": [1, 2]}}


def test_extract_json_rejects_cut_off_and_empty_replies():
    with pytest.raises(ReplyInvalid, match="no complete JSON object"):
        extract_json('{"title": "The Lighthouse", "pages": ')
    with pytest.raises(ReplyInvalid, match="empty"):
        extract_json("   ")


def test_parse_reply_validates_and_names_the_bad_field():
    assert parse_reply('```json\n{"title": "Cats", "pages": 2}\n```', Pitch) == Pitch(title="Cats", pages=2)
    with pytest.raises(ReplyInvalid, match=r"pages: Input should be less than or equal to 8"):
        parse_reply('{"title": "Cats", "pages": 99}', Pitch)


def test_parse_reply_wraps_a_bare_list_for_a_single_field_model():
    assert parse_reply('["a", "b"]', Items) == Items(items=["a", "b"])
