"""The writers' room against a real llama.cpp server (SmolLM2-135M on CPU).

The model writes weakly; these tests check the plumbing and the constrained structure: replies
parse without repair because the server decodes under the JSON schema, enums keep names inside the
bible, counts and lengths stay inside the budget, and the whole CLI run writes a script that the
comic engine's parser reads back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from app.comic.script import load_book
from app.llm import ChatClient, ChatMessage, LLMReplyError, LLMSettings
from app.story.bible import Bible, Character, Location, load_bible, save_bible
from app.story.checks import DialogueBudget, check_book
from app.story.draft import Drafter, DraftOptions
from app.story.plan import PlanStats, fit_excerpt
from app.story.prompts import PageShape
from app.story.retrieval import BibleIndex

from .conftest import TEST_CONTEXT_TOKENS

REPO = Path(__file__).resolve().parents[2]
# Tiny pages keep the CPU time low: one or two short panels, one short balloon each.
SHAPE = PageShape(
    min_panels=1,
    max_panels=2,
    budget=DialogueBudget(words_per_balloon=8, words_per_panel=8, balloons_per_panel=1),
    description_chars=100,
    summary_chars=80,
)
STORY = (
    "The storm came early to the cape. Maya, the young lighthouse keeper, climbed the stairs of the lighthouse.\n\n"
    "At the harbour, her brother Tom watched the dark tower. Then the lamp burst into light."
)


def client(server, **kw) -> ChatClient:
    return ChatClient(LLMSettings(url=server.api_url, temperature=0.2, timeout=240, max_retries=1, **kw))


def bible() -> Bible:
    return Bible(
        title="The Last Lamp",
        characters=[
            Character(name="Maya", description="young lighthouse keeper", outfit="yellow raincoat"),
            Character(name="Tom", description="her brother", outfit="green cap"),
        ],
        locations=[
            Location(name="Lighthouse", description="white tower on a rocky cape"),
            Location(name="Harbour", description="fishing boats"),
        ],
    )


class Pitch(BaseModel):
    title: str = Field(min_length=1, max_length=40)
    genre: str = Field(pattern="^(comedy|drama|horror)$")
    pages: int = Field(ge=1, le=4)


def test_server_honours_the_json_schema(llama_server):
    with client(llama_server) as c:
        assert c.list_models()
        reply = c.structured([ChatMessage("user", "Pitch a short comic about a cat.")], Pitch, max_tokens=80, seed=1)
    assert reply.constrained and reply.attempts == 1
    assert Pitch.model_validate(json.loads(reply.raw)) == reply.value  # valid as sent: no repair needed


def test_a_reply_cut_off_by_max_tokens_is_an_error_sentence(llama_server):
    with client(llama_server, reasks=0) as c, pytest.raises(LLMReplyError, match=r"cut off at 3 tokens"):
        c.structured([ChatMessage("user", "Pitch a comic.")], Pitch, max_tokens=3)


def test_retrieval_grounded_draft_of_two_pages_stays_inside_the_bible_and_budget(llama_server, minilm):
    with client(llama_server) as c:
        drafter = Drafter(
            c,
            bible(),
            BibleIndex(minilm),
            DraftOptions(pages=2, shape=SHAPE, context_tokens=TEST_CONTEXT_TOKENS, seed=3),
        )
        result = drafter.draft(STORY)
    book = result.book
    assert [p.number for p in book.pages] == [1, 2]
    names = {"Maya", "Tom"}
    for page in book.pages:
        assert 1 <= len(page.panels) <= 2
        for panel in page.panels:
            assert set(panel.characters) <= names  # enums in the schema: no invented names
            assert panel.description.startswith(("[Lighthouse]", "[Harbour]")) and len(panel.description) <= 100 + len(
                "[Lighthouse] "
            )
            assert len(panel.dialogue) <= 1 and all(len(b.text.split()) <= 8 for b in panel.dialogue)
            assert all(b.speaker in panel.characters for b in panel.balloons if b.speaker)
    assert [p.number for p in result.bible.pages] == [1, 2]
    assert check_book(book, result.bible, SHAPE.budget).ok


def test_long_story_is_chunked_and_summarised(llama_server):
    long_story = "\n\n".join(
        f"Day {i}. Maya trims the wick, polishes the lens and writes in the log of the lighthouse." for i in range(40)
    )
    stats = PlanStats()
    with client(llama_server) as c:
        excerpt = fit_excerpt(c, long_story, 300, context_tokens=1024, stats=stats, seed=4)
    assert stats.summarised_chunks == 2 and stats.llm_calls >= 2 and 0 < len(excerpt) <= 300


def test_cli_story_draft_then_check(llama_server, tmp_path):
    """The real command in a subprocess: one page (the two-page draft is timed in benchmarks/bench_story.py)."""
    story = tmp_path / "storm.txt"
    story.write_text(STORY, encoding="utf-8")
    bible_path = save_bible(bible(), tmp_path / "bible.yaml")
    out = tmp_path / "storm_script.txt"
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "INKFRAME__LLM__CONTEXT_TOKENS": str(TEST_CONTEXT_TOKENS),
        "INKFRAME__LLM__TIMEOUT": "240",
    }
    command = [
        sys.executable,
        "main.py",
        "story",
        "draft",
        str(story),
        "--pages",
        "1",
        "--out",
        str(out),
        "--llm-url",
        llama_server.api_url,
        "--bible",
        str(bible_path),
        "--panels",
        "1-1",
        "--words-per-balloon",
        "8",
        "--words-per-panel",
        "8",
        "--balloons-per-panel",
        "1",
        "--seed",
        "5",
    ]
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=540, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("Title: The Last Lamp")
    book = load_book(out)
    assert len(book.pages) == 1 and len(book.pages[0].panels) == 1 and {m.name for m in book.cast} == {"Maya", "Tom"}
    assert [p.number for p in load_bible(out.with_name("storm_script.bible.json")).pages] == [1]
    check = subprocess.run(
        [sys.executable, "main.py", "story", "check", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode in (0, 1) and check.stdout.strip()
