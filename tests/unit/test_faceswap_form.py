"""The Face swap tab's typed form: values by name, one sentence for what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import InkframeError
from app.services.faceswap_form import FaceSwapForm

VALUES = {
    "sources": ["a.png"],
    "target": "t.mp4",
    "consent": True,
    "picked": "face.png",
    "selector": "reference",
    "one_mode": "largest",
    "face_index": 2.0,
    "distance": 0.6,
    "gender": "any",
    "min_age": 20.0,
    "max_age": None,
    "enhancer": "none",
    "blend": 0.8,
    "smoothing": 0.5,
}


def test_the_values_arrive_by_name_and_become_a_request(tmp_path: Path) -> None:
    assert FaceSwapForm.field_names() == tuple(VALUES)
    request = FaceSwapForm.from_values(list(VALUES.values())).request(tmp_path / "out.mp4")
    assert request.sources == [Path("a.png")] and request.target == Path("t.mp4")
    assert request.out == tmp_path / "out.mp4"
    assert request.reference_face == Path("face.png") and request.face_index == 2 and request.min_age == 20
    assert request.max_age is None and request.blend == 0.8 and request.consent


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"sources": []}, "upload at least one source face picture."),
        ({"target": None}, "upload a target image or video."),
        ({"picked": None}, "pick the face to replace (Find faces, then click one), or choose another selector."),
    ],
)
def test_a_missing_field_is_one_sentence(change: dict, sentence: str) -> None:
    with pytest.raises(InkframeError) as caught:
        FaceSwapForm(**{**VALUES, **change}).request(Path("out.png"))
    assert str(caught.value) == sentence


def test_a_short_form_is_refused() -> None:
    with pytest.raises(InkframeError, match="14 fields"):
        FaceSwapForm.from_values(list(VALUES.values())[:-1])


def test_an_unknown_choice_is_one_sentence_naming_the_choices() -> None:
    with pytest.raises(InkframeError) as caught:
        FaceSwapForm(**{**VALUES, "enhancer": "codeformer"}).request(Path("out.png"))
    assert str(caught.value) == "the face swap enhancer 'codeformer' is unknown; choose one of gfpgan, none."
