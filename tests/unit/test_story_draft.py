"""Drafting against a scripted loopback endpoint: planning helpers, shaping, the per-page schema,
retrieval in the prompt, and the Book / script produced."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from app.comic.script import parse_script
from app.llm import ChatClient, LLMSettings
from app.story.bible import Bible, Character, Location
from app.story.checks import DialogueBudget
from app.story.draft import Drafter, DraftError, DraftFailed, DraftOptions
from app.story.plan import chunk_text, split_story
from app.story.prompts import PageShape, page_model
from app.story.retrieval import BibleIndex
from app.story.shaping import ShapedBalloon, ShapedPanel, shape_page, trim_to_words

from .llm_stub import BagOfWordsEmbedder, StubServer, chat_body

STORY = (
    "The storm came early to the cape. Maya climbed the lighthouse stairs with a lantern.\n\n"
    "Tom waited in the lamp room. 'Hold the light steady,' Maya said.\n\n"
    "Down at the harbour, the boats strained at their ropes.\n\n"
    "Then the great lamp burst into light, and Maya shouted for joy."
)
SHAPE = PageShape(
    min_panels=1, max_panels=3, budget=DialogueBudget(words_per_balloon=8, words_per_panel=12, balloons_per_panel=2)
)


def bible() -> Bible:
    return Bible(
        title="The Last Lamp",
        style="ink wash",
        characters=[
            Character(name="Maya", description="lighthouse keeper", outfit="yellow raincoat"),
            Character(name="Tom", description="her brother"),
        ],
        locations=[
            Location(name="Lighthouse", description="white tower"),
            Location(name="Harbour", description="fishing boats"),
        ],
    )


def page(summary: str, *panels: dict) -> str:
    return json.dumps({"summary": summary, "panels": list(panels)})


def panel(
    location: str, shot: str, description: str, characters: list[str], dialogue: list[tuple[str, str, str]] = ()
) -> dict:
    return {
        "location": location,
        "shot": shot,
        "description": description,
        "characters": characters,
        "dialogue": [{"kind": k, "speaker": s, "text": t} for k, s, t in dialogue],
    }


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()


def drafter(url: str, pages: int = 2, the_bible: Bible | None = None, context: int = 4096) -> Drafter:
    client = ChatClient(LLMSettings(url=url, timeout=5, max_retries=0, reasks=1))
    return Drafter(
        client,
        the_bible or bible(),
        BibleIndex(BagOfWordsEmbedder()),
        DraftOptions(pages=pages, shape=SHAPE, context_tokens=context, seed=1),
    )


def test_split_story_gives_one_balanced_excerpt_per_page():
    excerpts = split_story(STORY, 2)
    assert len(excerpts) == 2 and excerpts[0].startswith("The storm") and excerpts[1].endswith("joy.")
    assert len(split_story("One. Two. Three.", 3)) == 3
    assert len(split_story("a b c d e f", 3)) == 3
    assert split_story("   ", 2) == []


def test_chunk_text_respects_the_limit_and_keeps_all_words():
    text = " ".join(f"word{i}." for i in range(300))
    pieces = chunk_text(text, 200)
    assert all(len(p) <= 200 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_trim_to_words():
    assert trim_to_words("Short line.", 5) == "Short line."
    assert trim_to_words("Hold the light steady. I cannot see the gears at all.", 6) == "Hold the light steady."
    assert trim_to_words("one two three four five six seven", 4) == "one two three four…"


def test_shaping_resolves_names_puts_speakers_in_panels_trims_and_varies_shots():
    panels = [
        ShapedPanel(
            "lighthouse",
            "close-up",
            "Maya climbs.",
            ["maya"],
            [ShapedBalloon("speech", "TOM", "Hold the light steady now please, I beg you")],
        ),
        ShapedPanel("Lighthouse", "close-up", "Tom waits.", ["Tom"], [ShapedBalloon("caption", "Maya", "Later.")]),
        ShapedPanel("Harbor", "medium", "Boats.", [], []),
    ]
    notes = shape_page(panels, bible(), SHAPE.budget, page=1, previous_location=None)
    assert [p.location for p in panels] == ["Lighthouse", "Lighthouse", "Harbour"]
    assert (
        panels[0].characters == ["Maya", "Tom"]
        and panels[0].dialogue[0].text == "Hold the light steady now please, I beg…"
    )
    assert panels[1].dialogue[0].speaker is None  # captions have no speaker
    assert [p.shot for p in panels] == ["wide", "close-up", "wide"]
    assert "page 1 panel 1: Tom speaks, so was added to the panel's characters." in notes
    assert any("new place (Harbour)" in n for n in notes)


def test_page_schema_admits_only_bible_names_and_the_panel_budget():
    model = page_model(["Maya", "Tom"], ["Lighthouse"], SHAPE)
    good = model.model_validate_json(page("s", panel("Lighthouse", "wide", "d", ["Maya"], [("speech", "Tom", "Hi")])))
    assert good.panels[0].characters == ["Maya"]
    with pytest.raises(ValidationError, match="Input should be 'Maya' or 'Tom'"):
        model.model_validate_json(page("s", panel("Lighthouse", "wide", "d", ["Bob"])))
    with pytest.raises(ValidationError, match="at most 3 items"):
        model.model_validate_json(page("s", *[panel("Lighthouse", "wide", "d", [])] * 4))
    schema = model.model_json_schema()
    assert schema["$defs"]["DraftPanel"]["properties"]["characters"]["items"]["enum"] == ["Maya", "Tom"]


def test_draft_builds_a_book_that_round_trips_and_grows_the_bible(stub):
    stub.replies += [
        (
            200,
            chat_body(
                page(
                    "Maya climbs the tower.",
                    panel(
                        "Lighthouse", "wide", "Maya climbs the stairs.", ["Maya"], [("speech", "Maya", "Almost there.")]
                    ),
                )
            ),
        ),
        (
            200,
            chat_body(
                page(
                    "The lamp shines.",
                    panel("Harbour", "medium", "Boats rock.", ["Tom"], [("shout", "Tom", "Look, the lamp!")]),
                )
            ),
        ),
    ]
    result = drafter(stub.url).draft(STORY)
    book = result.book
    assert [len(p.panels) for p in book.pages] == [1, 1]
    assert book.title == "The Last Lamp" and book.cast[0].description == "lighthouse keeper. Wears: yellow raincoat."
    assert book.pages[0].panels[0].description == "[Lighthouse] Maya climbs the stairs."
    assert book.pages[1].panels[0].shot == "wide"  # a new place opens wide
    assert parse_script(result.script_text) == book
    assert [p.summary for p in result.bible.pages] == ["Maya climbs the tower.", "The lamp shines."]
    first, second = stub.chat_requests()
    assert first["response_format"]["json_schema"]["schema"]["$defs"]["DraftPanel"]["properties"]["location"][
        "enum"
    ] == ["Lighthouse", "Harbour"]
    prompt = first["messages"][1]["content"]
    assert "Maya: lighthouse keeper. Wears: yellow raincoat." in prompt and "Page 1 of 2" in prompt
    assert "Maya climbs the tower." in second["messages"][1]["content"]  # the story so far carries over
    assert result.report.llm_calls == 2 and result.report.constrained


def test_invalid_reply_after_reask_fails_with_the_pages_so_far(stub):
    stub.replies += [
        (200, chat_body(page("One.", panel("Lighthouse", "wide", "Maya.", ["Maya"])))),
        (200, chat_body("Sorry, I can only write prose.")),
        (200, chat_body('{"summary": "cut off", "panels": [')),
    ]
    with pytest.raises(
        DraftFailed, match=r"^page 2: the language model's reply is not valid DraftPage JSON after 2 attempts"
    ) as info:
        drafter(stub.url).draft(STORY)
    assert info.value.partial is not None and len(info.value.partial.book.pages) == 1


def test_empty_bible_is_filled_from_the_story_dropping_invented_names(stub):
    cast = {
        "title": "Lamp",
        "characters": [
            {"name": "Maya", "description": "keeper", "outfit": "red coat"},
            {"name": "Zed", "description": "?", "outfit": ""},
            {"name": "Tom", "description": "brother", "outfit": ""},
        ],
        "locations": [{"name": "Harbour", "description": "boats"}, {"name": "Tom", "description": "?"}],
    }
    stub.replies += [
        (200, chat_body(json.dumps(cast))),
        (200, chat_body(page("s", panel("Harbour", "wide", "Maya at the harbour.", ["Maya"])))),
    ]
    d = drafter(stub.url, pages=1, the_bible=Bible())
    result = d.draft(STORY)
    assert [c.name for c in result.bible.characters] == ["Maya", "Tom"] and [
        x.name for x in result.bible.locations
    ] == ["Harbour"]
    assert any("'Zed', who is not in the story" in n for n in result.report.notes)
    assert any("'Tom' as a location, but it is a character" in n for n in result.report.notes)
    assert stub.chat_requests()[1]["response_format"]["json_schema"]["schema"]["$defs"]["DraftPanel"]["properties"][
        "characters"
    ]["items"]["enum"] == ["Maya", "Tom"]


def test_long_story_is_summarised_in_chunks_to_fit_the_context(stub):
    long_story = "\n\n".join(
        f"Paragraph {i}: Maya walks along the cape and thinks about the lamp for a long while." for i in range(120)
    )
    stub.replies += [(200, chat_body(json.dumps({"summary": "Maya walks and thinks."})))] * 8
    stub.replies += [(200, chat_body(page("s", panel("Lighthouse", "wide", "Maya walks.", ["Maya"]))))]
    d = drafter(stub.url, pages=1, context=1536)
    excerpts = d.plan(long_story)
    assert d.report.summarised_chunks >= 2 and len(excerpts[0]) < len(long_story) // 4
    assert "Maya walks and thinks." in excerpts[0]


def test_context_too_small_for_the_page_budget_is_one_sentence(stub):
    with pytest.raises(
        DraftError, match=r"needs more than llm.context_tokens = 512; raise it or lower the panel and balloon budget\."
    ):
        drafter(stub.url, context=512).plan(STORY)
