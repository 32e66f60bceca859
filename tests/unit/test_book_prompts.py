"""Prompt assembly and style presets."""

from __future__ import annotations

import pytest

from app.book.errors import BookError
from app.book.library import Character, Location
from app.book.prompts import assemble_prompt, join_fragments
from app.book.styles import resolve_style
from app.comic.model import CastMember, Panel


def test_fragments_are_joined_once_in_order() -> None:
    assert join_fragments("a, b", ["B", "c"], "", "d,a") == "a, b, c, d"


def test_panel_prompt_order_and_parts() -> None:
    style = resolve_style("noir")
    panel = Panel(
        number=1,
        description="Maya wrestles with a lever",
        shot="medium",
        characters=["MAYA", "TOM"],
        camera="low angle",
    )
    cast = [CastMember(name="MAYA", description="from the script"), CastMember(name="TOM", description="knitted cap")]
    maya = Character(
        name="Maya", description="red raincoat", negative="smiling", lora="maya.safetensors", lora_weight=0.6
    )
    location = Location(name="lamp room", prompt="brass gears", negative="daylight")
    prompt = assemble_prompt(panel, style=style, cast=cast, characters={"MAYA": maya, "TOM": None}, location=location)
    assert prompt.positive == (
        "noir comic panel, heavy black ink, high contrast, dramatic shadows, medium shot, "
        "Maya wrestles with a lever, Maya (red raincoat), Tom (knitted cap), brass gears, low angle"
    )
    assert prompt.negative.endswith("bright colors, smiling, daylight")
    assert [(l.name, l.weight, l.source) for l in prompt.loras] == [("maya.safetensors", 0.6, "character:MAYA")]
    assert prompt.characters == ("MAYA", "TOM") and prompt.location == "lamp room"
    assert prompt.notes == ("TOM is not in the character library; only the script's description is used.",)


def test_prompt_override_replaces_the_action_only() -> None:
    panel = Panel(number=2, description="old action", shot="close-up", characters=["MAYA"])
    prompt = assemble_prompt(panel, style=resolve_style("ink"), characters={"MAYA": None}, prompt_override="new action")
    assert "new action" in prompt.positive and "old action" not in prompt.positive
    assert prompt.positive.startswith("comic book panel") and "close-up on the face" in prompt.positive


def test_styles_resolve_presets_free_text_and_user_files(tmp_path) -> None:
    assert resolve_style("Manga").grade == "manga-greyscale"
    free = resolve_style("moody ink wash, teal and amber")
    assert (free.name, free.prompt, free.grade) == ("custom", "moody ink wash, teal and amber", None)
    assert resolve_style("noir", grade="").grade is None
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "mine.yaml").write_text(
        "prompt: my look\ngrade: sepia\nlora: look.safetensors\n", encoding="utf-8"
    )
    mine = resolve_style("mine", tmp_path)
    assert (mine.prompt, mine.grade, mine.lora) == ("my look", "sepia", "look.safetensors")


def test_an_unknown_grade_fails_before_anything_is_generated() -> None:
    with pytest.raises(BookError, match=r"the colour grade 'glowy' of style 'noir' cannot be used"):
        resolve_style("noir", grade="glowy")
