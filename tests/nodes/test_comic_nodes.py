"""Comic nodes called directly with CPU tensors (no ComfyUI): outputs and exact error sentences."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="node tests need torch (CPU) for IMAGE tensors")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "custom_nodes")) if str(REPO / "custom_nodes") not in sys.path else None

from inkframe_nodes.nodes import comic

SCRIPT = """Title: Node test
Page size: a5
DPI: 100

PAGE 1

PANEL 1. Maya on the left.
Characters: MAYA (left)
MAYA: Hello from the node test!

PANEL 2. A blast.
SFX: BOOM
"""


def _batch(count: int = 2, height: int = 96, width: int = 128, value: float = 1.0) -> torch.Tensor:
    return torch.full((count, height, width, 3), value, dtype=torch.float32)


def _defaults(node: type) -> dict:
    """Every widget's default value, as ComfyUI would pass them (combos take their first choice)."""
    values = {}
    for name, spec in node.INPUT_TYPES()["required"].items():
        kind = spec[0]
        if isinstance(kind, list):
            values[name] = kind[0]
        elif kind not in ("IMAGE",):
            values[name] = spec[1]["default"]
    return values


EFFECT_NODES = [
    "InkframeSpeedLines",
    "InkframeFocusLines",
    "InkframeImpactBurst",
    "InkframeHalftone",
    "InkframePanelBorder",
]


def test_every_node_is_registered_with_a_display_name() -> None:
    assert set(comic.NODE_CLASS_MAPPINGS) == set(comic.NODE_DISPLAY_NAME_MAPPINGS)
    assert set(EFFECT_NODES) | {"InkframeColorGrade", "InkframeComicPage", "InkframeLetterPage"} == set(
        comic.NODE_CLASS_MAPPINGS
    )


@pytest.mark.parametrize("name", EFFECT_NODES)
def test_effect_nodes_draw_on_every_batch_item_with_defaults(name: str) -> None:
    node = comic.NODE_CLASS_MAPPINGS[name]
    source = _batch(2, value=0.5) if name == "InkframeHalftone" else _batch(2)
    (out,) = node().run(image=source, **_defaults(node))
    assert out.shape == source.shape and out.dtype == torch.float32
    assert 0.0 <= float(out.min()) and float(out.max()) <= 1.0
    assert not torch.equal(out, source)
    assert torch.equal(out[0], out[1])  # same parameters, same seed: the same drawing on each item


def test_node_matches_the_library() -> None:
    from inkframe_nodes import adapter

    params = _defaults(comic.InkframeFocusLines) | {"center_x": 0.3, "seed": 9}
    (out,) = comic.InkframeFocusLines().run(image=_batch(1), **params)
    center = (params.pop("center_x"), params.pop("center_y"))
    expected = (
        adapter.lib("comic.effects").FocusLines(center=center, **params).render(adapter.tensor_to_pil(_batch(1))[0])
    )
    assert np.array_equal(adapter.tensor_to_arrays(out)[0], np.asarray(expected))


def test_burst_core_none_draws_no_inner_star() -> None:
    params = _defaults(comic.InkframeImpactBurst) | {"core": "none"}
    (out,) = comic.InkframeImpactBurst().run(image=_batch(1, 128, 128, 0.0), **params)
    assert out[0, 64, 64].tolist() == [1.0, 1.0, 1.0]  # white fill, no yellow core


@pytest.mark.parametrize(
    ("name", "override", "message"),
    [
        (
            "InkframeSpeedLines",
            {"color": "plaid"},
            "Speed lines color must be a colour name, '#rrggbb' or (r, g, b), got 'plaid'.",
        ),
        (
            "InkframeHalftone",
            {"lpi": 200.0, "dpi": 300.0},
            "Halftone at 200 LPI and 300 DPI gives 1.5-pixel cells; lower the LPI to at most 120 or raise the DPI.",
        ),
        (
            "InkframePanelBorder",
            {"width": 60},
            "Panel border width 60 leaves nothing of a 128x96 image; use at most 47.",
        ),
    ],
)
def test_effect_nodes_report_bad_widgets_in_one_sentence(name: str, override: dict, message: str) -> None:
    node = comic.NODE_CLASS_MAPPINGS[name]
    with pytest.raises(Exception) as caught:
        node().run(image=_batch(1), **(_defaults(node) | override))
    assert str(caught.value) == message


def test_color_grade_node_grades_the_batch_and_reports_consistency() -> None:
    batch = torch.rand((3, 32, 32, 3), generator=torch.Generator().manual_seed(0))
    assert "noir" in comic.InkframeColorGrade.INPUT_TYPES()["required"]["preset"][0]
    out, consistency = comic.InkframeColorGrade().run(images=batch, preset="noir", strength=1.0)
    assert out.shape == batch.shape
    assert float((out[..., 0] - out[..., 2]).abs().max()) < 0.05  # noir is monochrome
    assert 0.0 < consistency <= 1.0


def test_color_grade_node_names_a_missing_lut(tmp_path: Path) -> None:
    with pytest.raises(Exception) as caught:
        comic.InkframeColorGrade().run(
            images=_batch(1), preset="noir", strength=1.0, lut_path=str(tmp_path / "look.cube")
        )
    assert str(caught.value) == f"LUT file {tmp_path / 'look.cube'} does not exist."


def test_comic_page_node_composes_and_letters() -> None:
    panels = torch.stack([torch.full((64, 96, 3), 0.8), torch.full((64, 96, 3), 0.3)])
    lettered, report = comic.InkframeComicPage().run(
        panels=panels, script=SCRIPT, page_number=1, letter=True, border_style="square"
    )
    bare, _ = comic.InkframeComicPage().run(
        panels=panels, script=SCRIPT, page_number=1, letter=False, border_style="square"
    )
    assert lettered.shape[0] == 1 and lettered.shape[1] > lettered.shape[2]  # one portrait page
    assert lettered.shape == bare.shape and not torch.equal(lettered, bare)
    assert isinstance(report, str)


def test_letter_page_node_letters_a_composed_page() -> None:
    panels = torch.full((2, 64, 96, 3), 0.8)
    bare, _ = comic.InkframeComicPage().run(
        panels=panels, script=SCRIPT, page_number=1, letter=False, border_style="square"
    )
    lettered, _ = comic.InkframeLetterPage().run(page=bare, script=SCRIPT, page_number=1)
    composed, _ = comic.InkframeComicPage().run(
        panels=panels, script=SCRIPT, page_number=1, letter=True, border_style="square"
    )
    assert torch.equal(lettered, composed)


def test_page_nodes_report_bad_input_in_one_sentence() -> None:
    with pytest.raises(ValueError, match=r"^The script has no PAGE 3; it has pages 1\.$"):
        comic.InkframeComicPage().run(
            panels=_batch(1), script=SCRIPT, page_number=3, letter=True, border_style="square"
        )
    with pytest.raises(
        ValueError,
        match=r"^The page image is 128x96 but page 1 of the script lays out at "
        r"\d+x\d+ \(a5 at 100 DPI\); compose it with Inkframe Comic Page\.$",
    ):
        comic.InkframeLetterPage().run(page=_batch(1), script=SCRIPT, page_number=1)
    with pytest.raises(Exception, match=r"line 1"):
        comic.InkframeComicPage().run(
            panels=_batch(1), script="PAGE one\n", page_number=1, letter=True, border_style="square"
        )
