"""Settings presets saved as JSON."""

from __future__ import annotations

import pytest

from app.services import preset_service
from app.services.preset_service import PresetError


def test_round_trip_and_listing(tmp_path):
    preset_service.save_preset(tmp_path, "Manga A5", {"comic.page_size": "a5", "comic.dpi": 300})
    preset_service.save_preset(tmp_path, "web", {"comic.export_formats": ["webtoon"]})
    assert preset_service.list_presets(tmp_path) == ["Manga A5", "web"]
    assert preset_service.load_preset(tmp_path, "Manga A5") == {"comic.dpi": 300, "comic.page_size": "a5"}


def test_bad_names_and_missing_presets(tmp_path):
    with pytest.raises(PresetError, match="not allowed"):
        preset_service.save_preset(tmp_path, "../escape", {})
    with pytest.raises(PresetError, match="there is no preset 'nope'"):
        preset_service.load_preset(tmp_path, "nope")
    (tmp_path / "presets").mkdir(exist_ok=True)
    (tmp_path / "presets" / "bad.json").write_text("{")
    with pytest.raises(PresetError, match="cannot be read"):
        preset_service.load_preset(tmp_path, "bad")
