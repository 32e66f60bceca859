"""The comic nodes inside a real ComfyUI: registered in /object_info and running in a graph."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .graph import GraphBuilder

pytestmark = pytest.mark.timeout(300)

COMIC_NODES = {
    "InkframeSpeedLines",
    "InkframeFocusLines",
    "InkframeImpactBurst",
    "InkframeHalftone",
    "InkframePanelBorder",
    "InkframeColorGrade",
    "InkframeComicPage",
    "InkframeLetterPage",
}


def test_comic_nodes_are_registered(comfy_client):
    info = comfy_client.object_info(refresh=True)
    missing = COMIC_NODES - set(info)
    assert not missing, f"ComfyUI did not load {sorted(missing)}; see its log for the import error"
    assert info["InkframeHalftone"]["input"]["required"]["mode"][0] == ["grey", "cmyk", "screentone"]
    assert "noir" in info["InkframeColorGrade"]["input"]["required"]["preset"][0]


def test_halftone_and_border_run_in_a_graph(comfy_client):
    g = GraphBuilder()
    image = g.node("EmptyImage", width=160, height=120, batch_size=1, color=0x808080)
    screened = g.node(
        "InkframeHalftone", image=image.out(0), mode="grey", lpi=30.0, dpi=300.0, angle=45.0, shape="dot", levels=4
    )
    framed = g.node(
        "InkframePanelBorder",
        image=screened.out(0),
        width=6,
        color="black",
        style="rounded",
        corner_radius=0,
        roughness=0.5,
        background="white",
        seed=0,
    )
    g.node("SaveImage", images=framed.out(0), filename_prefix="inkframe_it/halftone")
    result = comfy_client.run(g.to_prompt())
    [file] = result.files
    pixels = np.asarray(Image.open(io.BytesIO(file.data)).convert("L"), dtype=float)
    assert pixels.shape == (120, 160)
    inside = pixels[20:100, 20:140]
    assert inside.min() < 30 and inside.max() > 225  # dots, not flat grey
    assert abs(inside.mean() - 128) < 12  # the screen keeps the tone
    assert pixels[60, 2] < 10  # the frame


def test_bad_widget_fails_with_the_library_sentence(comfy_client):
    from app.comfy import ExecutionError

    g = GraphBuilder()
    image = g.node("EmptyImage", width=64, height=64, batch_size=1, color=0)
    lines = g.node(
        "InkframeSpeedLines",
        image=image.out(0),
        angle=0.0,
        count=10,
        thickness=0.01,
        clear_band=0.0,
        color="plaid",
        opacity=1.0,
        seed=0,
    )
    g.node("SaveImage", images=lines.out(0), filename_prefix="inkframe_it/bad")
    with pytest.raises(ExecutionError) as caught:
        comfy_client.run(g.to_prompt())
    assert caught.value.node_type == "InkframeSpeedLines"
    assert "Speed lines color must be a colour name, '#rrggbb' or (r, g, b), got 'plaid'." in str(caught.value)


SCRIPT = """Title: Live page
Page size: a5
DPI: 72

PAGE 1

PANEL 1
MAYA: Lettered inside ComfyUI!

PANEL 2
SFX: BOOM
"""


def test_comic_page_node_composes_and_letters_in_a_graph(comfy_client):
    g = GraphBuilder()
    panels = g.node("EmptyImage", width=128, height=96, batch_size=2, color=0x6FA8DC)
    page = g.node(
        "InkframeComicPage", panels=panels.out(0), script=SCRIPT, page_number=1, letter=True, border_style="square"
    )
    g.node("SaveImage", images=page.out(0), filename_prefix="inkframe_it/page")
    [file] = comfy_client.run(g.to_prompt()).files
    image = Image.open(io.BytesIO(file.data)).convert("RGB")
    assert image.height > image.width  # a portrait A5 page
    colours = {c for _, c in image.getcolors(maxcolors=1 << 20)}
    assert (
        (255, 255, 255) in colours and (0, 0, 0) in colours and len(colours) > 20
    )  # page, ink, anti-aliased lettering
