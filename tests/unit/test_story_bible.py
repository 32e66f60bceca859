"""The book bible: validation, lookup, entries, load/save."""

from __future__ import annotations

import pytest

from app.story.bible import (
    Bible,
    BibleError,
    Character,
    Location,
    load_bible,
    save_bible,
)


def sample() -> Bible:
    return Bible(
        title="The Keeper",
        style="ink wash, muted blues",
        characters=[
            Character(
                name="Maya", description="young lighthouse keeper", outfit="yellow raincoat", aliases=["the keeper"]
            )
        ],
        locations=[Location(name="Lighthouse", description="white tower on a rocky cape")],
    )


def test_lookup_is_case_insensitive_and_alias_aware():
    bible = sample()
    assert bible.character("MAYA").name == "Maya"
    assert bible.character("The Keeper").name == "Maya"
    assert bible.character("Tom") is None
    assert bible.location("lighthouse").name == "Lighthouse"


def test_entries_are_keyed_and_carry_outfits():
    bible = sample()
    bible.record_page(2, "Maya climbs the stairs.")
    bible.record_page(1, "A storm gathers.")
    bible.record_page(2, "Maya reaches the lamp.")
    texts = {e.key: e.text for e in bible.entries()}
    assert texts["character:Maya"] == "Maya (also the keeper): young lighthouse keeper. Wears: yellow raincoat."
    assert texts["style:book"] == "Art style: ink wash, muted blues"
    assert texts["page:2"] == "Page 2: Maya reaches the lamp."
    assert [p.number for p in bible.pages] == [1, 2]


def test_duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="character 'maya' appears twice"):
        Bible(characters=[Character(name="Maya"), Character(name="Tom", aliases=["maya"])])


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_save_and_load_round_trip(tmp_path, suffix):
    path = save_bible(sample(), tmp_path / f"bible{suffix}")
    assert load_bible(path) == sample()


def test_bad_bible_files_are_one_sentence(tmp_path):
    broken = tmp_path / "b.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(BibleError, match=r"b.json is not valid JSON; fix its syntax\."):
        load_bible(broken)
    wrong = tmp_path / "b.yaml"
    wrong.write_text("characters:\n  - description: no name\n", encoding="utf-8")
    with pytest.raises(BibleError, match=r"b.yaml is invalid at characters.0.name: Field required\."):
        load_bible(wrong)
    with pytest.raises(BibleError, match=r"cannot read the bible .*missing.json"):
        load_bible(tmp_path / "missing.json")
