"""Lettering keeps off the faces it finds in the art (no `Face:` lines), and tails aim at mouths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from app.comic.compose import ComposeOptions, compose_page
from app.comic.detect import ArtRegions, detect_art, with_detected_faces
from app.comic.lettering.shapes import BalloonShape, tail_outline
from app.comic.model import Balloon, Book, Page, Panel, Point
from app.comic.script_parser import parse_script

skdata = pytest.importorskip("skimage.data", reason="scikit-image (requirements-dev.txt) holds the test photographs")
pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 (requirements-nodeps.txt) ships the face detector")


def _photo(name: str) -> Image.Image:
    array = getattr(skdata, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array)


def _inside(box, point) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _intersects(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _outside_body(shape: BalloonShape, points):
    cx, cy = shape.center
    rx, ry = shape.radii
    return [p for p in points if ((p[0] - cx) / rx) ** 2 + ((p[1] - cy) / ry) ** 2 > 1.0]


SCRIPT = """Title: Faces
Page size: a5
DPI: 150

PAGE 1
Layout: grid-2x2

PANEL 1. An astronaut.
Characters: EILEEN
EILEEN: Everything checks out from up here, all systems nominal.
EILEEN (THOUGHT): I hope they cannot hear how nervous I am.

PANEL 2. A photographer with his camera.
Characters: ANSEL
CAPTION: Meanwhile, on the lawn.
ANSEL: Hold still, the light is perfect for a portrait right now.

PANEL 3. The astronaut again, close.
Characters: EILEEN
EILEEN (WHISPER): Do you copy?
EILEEN: Do you copy, ground? Please answer me.

PANEL 4. The photographer again.
ANSEL: One more shot and then we go.
"""


def test_page_of_photographs_keeps_balloons_and_tails_off_every_face() -> None:
    book = parse_script(SCRIPT)
    page = book.pages[0]
    art = {
        1: _photo("astronaut"),
        2: _photo("camera"),
        3: _photo("astronaut").crop((120, 40, 360, 300)),
        4: _photo("camera"),
    }
    composed = compose_page(book, page, art)
    faces_seen = 0
    for plan, panel in zip(composed.plans, composed.lettered):
        left, top, right, bottom = plan.box
        w, h = right - left, bottom - top
        faces = [
            (left + f.left * w, top + f.top * h, left + f.right * w, top + f.bottom * h) for f in panel.faces.values()
        ]
        assert faces, f"no face was found in panel {panel.number}"
        faces_seen += len(faces)
        for item in plan.items:
            for face in faces:
                assert not _intersects(item.body, face), f"panel {panel.number} item {item.index + 1} covers a face"
            if item.tail_tip is not None and item.kind not in ("caption", "sfx"):
                shape = BalloonShape(item.kind, item.body, item.tail_tip, plan.outline_px)
                tail = _outside_body(shape, tail_outline(shape))
                for face in faces:
                    assert not any(_inside(face, p) for p in tail), (
                        f"panel {panel.number} item {item.index + 1}: the tail pokes into a face"
                    )
                    assert not _inside(face, item.tail_tip)
    assert faces_seen >= 4
    assert not [i for i in composed.issues if "face" in i.message]
    # the speaker's tail aims at the mouth: the tip is near the bottom of the face it was matched to
    plan, panel = composed.plans[1], composed.lettered[1]
    face = panel.faces["ANSEL"]
    left, top, right, bottom = plan.box
    mouth = (
        left + (face.left + face.right) / 2 * (right - left),
        top + (face.top + 0.78 * (face.bottom - face.top)) * (bottom - top),
    )
    item = next(i for i in plan.items if i.kind == "speech")
    shape_center = ((item.body[0] + item.body[2]) / 2, (item.body[1] + item.body[3]) / 2)
    aim = math.atan2(item.tail_tip[1] - shape_center[1], item.tail_tip[0] - shape_center[0])
    want = math.atan2(mouth[1] - shape_center[1], mouth[0] - shape_center[0])
    assert abs(math.remainder(aim - want, math.tau)) < 0.2


def test_faces_are_matched_to_speakers_by_position_and_order() -> None:
    panel = Panel(
        number=1,
        characters=["MAYA", "TOM"],
        character_positions={"TOM": Point(x=0.2, y=0.5)},
        dialogue=[Balloon(speaker="MAYA", text="Hi"), Balloon(speaker="TOM", text="Hey")],
    )
    regions = ArtRegions(faces=((0.1, 0.2, 0.3, 0.4), (0.6, 0.2, 0.8, 0.4), (0.85, 0.1, 0.95, 0.2)))
    matched = with_detected_faces(panel, regions)
    assert matched.faces["TOM"].left == pytest.approx(0.1)  # stated position: the nearest face
    assert matched.faces["MAYA"].left == pytest.approx(0.6)  # the only other one: the biggest face left
    assert sum(1 for name in matched.faces if name.startswith("#face")) == 1  # the third is still avoided
    two = Panel(number=1, characters=["A", "B"], dialogue=[Balloon(speaker="B", text="x")])
    matched = with_detected_faces(two, ArtRegions(faces=((0.6, 0.2, 0.8, 0.4), (0.1, 0.2, 0.3, 0.4))))
    assert matched.faces["A"].left == pytest.approx(0.1) and matched.faces["B"].left == pytest.approx(
        0.6
    )  # listed order, left to right


def test_a_script_face_line_wins_over_detection() -> None:
    panel = Panel.model_validate(
        {"number": 1, "characters": ["A"], "faces": {"A": {"left": 0.1, "top": 0.1, "right": 0.3, "bottom": 0.3}}}
    )
    matched = with_detected_faces(panel, ArtRegions(faces=((0.11, 0.1, 0.31, 0.3), (0.6, 0.6, 0.7, 0.7))))
    assert matched.faces["A"].left == pytest.approx(0.1) and "#face1" in matched.faces and len(matched.faces) == 2


def test_detection_finds_the_astronaut_and_can_be_switched_off() -> None:
    regions = detect_art(_photo("astronaut"))
    assert len(regions.faces) == 1
    left, top, right, bottom = regions.faces[0]
    assert 0.3 < left < right < 0.6 and 0.1 < top < bottom < 0.4
    book = Book(
        title="t",
        page_size="a5",
        dpi=72,
        pages=[Page(number=1, panels=[Panel(number=1, dialogue=[Balloon(speaker="A", text="Hi")])])],
    )
    off = compose_page(book, book.pages[0], {1: _photo("astronaut")}, options=ComposeOptions(detect=False))
    assert off.lettered[0].faces == {}


def test_detection_is_cached_per_picture() -> None:
    from app.comic.detect import clear_detection_cache

    calls = []

    class Counting:
        name = "counting"

        def detect(self, rgb):
            calls.append(rgb.shape)
            return ArtRegions(faces=((0.1, 0.1, 0.2, 0.2),))

    clear_detection_cache()
    image = _photo("camera")
    assert detect_art(image, Counting()) == detect_art(image.copy(), Counting())
    assert len(calls) == 1
    detect_art(image.rotate(90), Counting())
    assert len(calls) == 2
