"""Lettering font resolution: shipped fonts, CJK/RTL fallback, named errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.comic import fonts
from app.comic.fonts import (
    FONT_ROLES,
    FontError,
    covers,
    list_fonts,
    resolve_font,
    text_direction,
)


def _require(name: str) -> None:
    info = next(i for i in list_fonts() if i.name == name)
    if info.path is None:
        pytest.skip(f"{name} is not installed here (Debian fonts-noto-cjk / fonts-noto-core)")


def test_every_shipped_font_has_its_licence_and_renders() -> None:
    shipped = [info for info in list_fonts() if info.shipped]
    assert {i.name for i in shipped} >= {"Comic Neue", "Comic Neue Bold", "Fredoka One"}
    for info in shipped:
        assert info.path is not None and info.path.is_file()
        assert info.licence is not None and "SIL OPEN FONT LICENSE Version 1.1" in info.licence.read_text()
        image = Image.new("L", (200, 60), 0)
        ImageDraw.Draw(image).text((5, 5), "POW!", font=resolve_font("sfx", "POW!", info.name, 32).load(), fill=255)
        assert np.asarray(image).max() == 255


@pytest.mark.parametrize("role", FONT_ROLES)
def test_latin_text_gets_the_shipped_comic_font(role: str) -> None:
    choice = resolve_font(role, "Hello, world! Café — “quoted”…", size=40)
    assert choice.shipped and not choice.fallback
    assert choice.role == role and choice.size == 40 and choice.direction == "ltr"
    assert choice.name.startswith(("Comic Neue", "Fredoka"))


def test_cjk_text_falls_back_to_noto_cjk() -> None:
    _require("Noto Sans CJK JP")
    choice = resolve_font("dialogue", "こんにちは、世界！")
    assert choice.name == "Noto Sans CJK JP" and choice.fallback and choice.path.suffix == ".ttc"
    assert covers(choice.path, "漢字かなカナ", choice.index)


@pytest.mark.parametrize(("text", "font"), [("مرحبا بالعالم", "Noto Sans Arabic"), ("שלום עולם", "Noto Sans Hebrew")])
def test_rtl_text_falls_back_and_reports_direction(text: str, font: str) -> None:
    _require(font)
    choice = resolve_font("dialogue", text)
    assert choice.name == font and choice.direction == "rtl" and choice.fallback


def test_preferred_font_is_used_when_it_covers_the_text_and_skipped_when_not() -> None:
    assert resolve_font("dialogue", "Hi", preferred="Comic Neue Bold").name == "Comic Neue Bold"
    _require("Noto Sans CJK JP")
    choice = resolve_font("dialogue", "你好", preferred="Comic Neue Bold")
    assert choice.name == "Noto Sans CJK JP" and choice.fallback


def test_preferred_font_may_be_a_file_path() -> None:
    path = fonts.FONTS_DIR / "ComicNeue-Italic.otf"
    choice = resolve_font("caption", "Meanwhile...", preferred=str(path))
    assert choice.path == path and not choice.fallback


def test_unknown_font_name_is_named() -> None:
    with pytest.raises(FontError, match=r"^Unknown font 'Bangers'; pick one of: Comic Neue, "):
        resolve_font("dialogue", "Hi", preferred="Bangers")


def test_missing_font_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FontError, match=r"^Font file '.*nope\.ttf' does not exist\.$"):
        resolve_font("dialogue", "Hi", preferred=str(tmp_path / "nope.ttf"))
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(FontError, match=r"cannot be read as a font"):
        resolve_font("dialogue", "Hi", preferred=str(bad))


def test_a_glyph_no_font_has_is_named_by_code_point() -> None:
    with pytest.raises(FontError) as caught:
        resolve_font("dialogue", "Look: \U0010fffd")
    assert str(caught.value) == (
        "No available font has the character '\\U0010fffd' (U+10FFFD); "
        "install a font that covers it (e.g. Debian fonts-noto-core) or change the text."
    )


def test_other_scripts_fall_back_to_any_installed_font_fontconfig_knows() -> None:
    if not fonts._fontconfig_list("สวัสดี"):
        pytest.skip("no Thai font installed (Debian fonts-noto-core has Noto Sans Thai)")
    choice = resolve_font("dialogue", "สวัสดีครับ")
    assert choice.fallback and not choice.shipped and covers(choice.path, "สวัสดีครับ", choice.index)
    assert "Serif" not in choice.name and "Looped" not in choice.name
    assert resolve_font("sfx", "สวัสดี").name.endswith("Bold")


def test_text_mixing_scripts_no_single_font_covers() -> None:
    if fonts._fontconfig_list("ש你"):
        pytest.skip("an installed font covers both Hebrew and Han here")
    with pytest.raises(FontError) as caught:
        resolve_font("dialogue", "שלום 你好")
    assert (
        str(caught.value)
        == "No single available font covers all of 'שלום 你好'; split the text by script into separate balloons."
    )


def test_bad_role_and_size() -> None:
    with pytest.raises(
        FontError, match=r"^Unknown lettering role 'speech'; use one of dialogue, caption, sfx, title\.$"
    ):
        resolve_font("speech", "Hi")  # type: ignore[arg-type]
    with pytest.raises(FontError, match=r"^Font size must be a whole number of pixels from 4 to 2000, got 0\.$"):
        resolve_font("dialogue", "Hi", size=0)
    with pytest.raises(FontError, match=r"got 12\.5"):
        resolve_font("dialogue", "Hi").with_size(12.5)  # type: ignore[arg-type]


def test_text_must_be_a_string() -> None:
    with pytest.raises(FontError, match=r"^Lettering text must be a string, got NoneType\.$"):
        resolve_font("dialogue", None)  # type: ignore[arg-type]


def test_whitespace_and_format_characters_need_no_glyph() -> None:
    assert resolve_font("dialogue", "A\u00a0B\u200dC\n\tD").name == "Comic Neue"


def test_text_direction() -> None:
    assert text_direction("123 abc") == "ltr"
    assert text_direction("123 שלום abc") == "rtl"
    assert text_direction("...") == "ltr"


def test_load_is_cached_and_sized() -> None:
    choice = resolve_font("dialogue", "Hi", size=30)
    assert choice.load() is choice.load()
    assert choice.with_size(60).load().size == 60


def test_system_fonts_are_found_through_fc_match_when_not_at_a_known_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import copy
    import shutil

    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig's fc-match is not installed")
    _require("DejaVu Sans")
    catalogue = copy.deepcopy(fonts._catalogue())
    for entry in catalogue["system"]:
        entry["paths"] = ["/nonexistent/" + entry["name"].replace(" ", "") + ".ttf"]
    monkeypatch.setattr(fonts, "_catalogue", lambda: catalogue)
    fonts._find_system_font.cache_clear()
    try:
        found = next(info for info in list_fonts() if info.name == "DejaVu Sans")
        assert found.path is not None and found.path.is_file() and "DejaVu" in found.path.name
        assert resolve_font("dialogue", "Привет, мир", size=20).name in ("DejaVu Sans", "Noto Sans CJK JP")
    finally:
        fonts._find_system_font.cache_clear()
