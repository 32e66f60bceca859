"""Motion comic on a splash page: the camera visits each balloon group at a readable size."""

from __future__ import annotations

from app.comic.layout import layout_page
from app.comic.script import parse_script
from app.motion.camera import sample_camera
from app.motion.motion_comic import READABLE_TEXT, MotionComicOptions, page_dpi_for, plan_timeline

SPLASH = """Title: Splash
Page size: us-comic

PAGE 1
Layout: splash

PANEL 1. The harbour at dawn, the whole town below.
Characters: MAYA (left), TOM (right)
CAPTION: The storm had passed. The town woke slowly.
MAYA: Look at the boats. Every one of them made it back.
TOM: Not every one.
CAPTION: Somewhere out there, a lamp was still burning.
"""

GRID = SPLASH.replace("Layout: splash", "Layout: grid-2x3") + "".join(
    f"\nPANEL {n}. More.\nTOM: Line {n}.\n" for n in range(2, 7)
)


def _timeline(text: str, options: MotionComicOptions):
    book = parse_script(text)
    page = book.pages[0]
    layout = layout_page(
        page, page_size=book.page_size, dpi=page_dpi_for(book, page, options), reading_direction=book.reading_direction
    )
    return plan_timeline(book, page, layout, options)


def test_every_balloon_on_a_splash_page_is_shown_at_a_readable_size() -> None:
    options = MotionComicOptions(width=1280, height=720)
    timeline = _timeline(SPLASH, options)
    panel_shots = [s for s in timeline.shots if s.panel_number == 1]
    assert len(panel_shots) >= 3  # the panel, then at least two balloon groups
    for cue in timeline.cues:
        camera = sample_camera(timeline.shots, cue.at_s + 0.01)
        rect = camera.rect
        assert camera.time_in_hold is not None, "a balloon appears while the camera is still moving"
        on_screen = cue.item.font.size * options.height / (rect[3] - rect[1])
        assert on_screen >= READABLE_TEXT * options.height * 0.99, (
            f"{cue.item.text!r} is {on_screen:.1f} px tall on screen"
        )
        body = cue.item.body
        assert rect[0] <= body[0] and rect[2] >= body[2] and rect[1] <= body[1] and rect[3] >= body[3]
    # the whole splash page shown at once would make the text tiny
    whole = timeline.shots[0].rect
    assert (
        min(c.item.font.size for c in timeline.cues) * options.height / (whole[3] - whole[1])
        < 0.6 * READABLE_TEXT * options.height
    )


def test_a_page_of_small_panels_keeps_one_shot_per_panel() -> None:
    timeline = _timeline(GRID, MotionComicOptions(width=1280, height=720))
    assert [s.panel_number for s in timeline.shots] == [None, 1, 2, 3, 4, 5, 6, None]
