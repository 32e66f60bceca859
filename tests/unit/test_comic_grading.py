"""Colour grading: .cube parsing/writing, trilinear application, presets and the consistency figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.comic import grading
from app.comic.grading import (
    GradeError,
    Lut,
    format_cube,
    grade_book,
    list_presets,
    load_cube,
    measure_grade_consistency,
    page_consistency,
    parse_cube,
    preset_description,
    preset_lut,
    resolve_lut,
)

EXPECTED_PRESETS = {"noir", "sepia", "vintage-print", "cool-night", "warm-sunset", "manga-greyscale"}


def _cube(size: int, fn) -> str:  # type: ignore[no-untyped-def]
    axis = np.linspace(0, 1, size)
    rows = [fn(r, g, b) for b in axis for g in axis for r in axis]  # red fastest, as the format says
    return f'TITLE "t"\n# comment\nLUT_3D_SIZE {size}\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n' + "\n".join(
        f"{a:.6f} {b:.6f} {c:.6f}" for a, b, c in rows
    )


def _photo() -> Image.Image:
    """A colourful synthetic picture: hue across, brightness down."""
    hue = np.tile(np.linspace(0, 255, 96, dtype=np.uint8), (64, 1))
    sat = np.full((64, 96), 200, np.uint8)
    val = np.tile(np.linspace(60, 255, 64, dtype=np.uint8)[:, None], (1, 96))
    return Image.merge("HSV", [Image.fromarray(c) for c in (hue, sat, val)]).convert("RGB")


def test_identity_cube_leaves_the_image_alone() -> None:
    lut = parse_cube(_cube(17, lambda r, g, b: (r, g, b)))
    assert lut.kind == "3d" and lut.size == 17 and lut.title == "t"
    source = _photo()
    assert np.abs(np.asarray(lut.apply(source), int) - np.asarray(source, int)).max() <= 1


def test_channel_swap_cube_follows_red_fastest_order() -> None:
    lut = parse_cube(_cube(5, lambda r, g, b: (b, g, r)))
    out = lut.apply(Image.new("RGB", (8, 8), (255, 0, 0)))
    assert out.getpixel((0, 0)) == (0, 0, 255)


def test_trilinear_interpolation_between_grid_points() -> None:
    lut = parse_cube(_cube(2, lambda r, g, b: (r * 0.5, g, 1 - b)))  # 2 points: everything is interpolated
    out = lut.apply(Image.new("RGB", (4, 4), (128, 64, 192)))
    r, g, b = out.getpixel((0, 0))
    assert abs(r - 64) <= 1 and abs(g - 64) <= 1 and abs(b - 63) <= 1


def test_one_d_cube_and_strength_and_alpha() -> None:
    lut = parse_cube("LUT_1D_SIZE 2\n1 1 1\n0 0 0\n")  # invert
    source = Image.new("RGBA", (4, 4), (200, 100, 0, 77))
    full, half = lut.apply(source), lut.apply(source, strength=0.5)
    assert full.getpixel((0, 0)) == (55, 155, 255, 77)
    assert all(abs(v - 127.5) <= 1 for v in half.getpixel((0, 0))[:3])


def test_format_cube_round_trips(tmp_path: Path) -> None:
    lut = preset_lut("sepia", size=9)
    path = tmp_path / "sepia.cube"
    path.write_text(format_cube(lut))
    again = load_cube(path)
    assert again.size == 9 and again.title == "sepia"
    assert np.allclose(again.table, lut.table, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 0 0\n", "LUT file x.cube has no LUT_3D_SIZE or LUT_1D_SIZE line."),
        ("LUT_3D_SIZE 2\n0 0 0\n", "LUT file x.cube has 1 table rows but its size 2 needs 8."),
        (
            "LUT_3D_SIZE 99\n",
            "LUT file x.cube line 1: the size must be a whole number from 2 to 65, got 'LUT_3D_SIZE 99'.",
        ),
        (
            "LUT_3D_SIZE 2\nLUT_1D_SIZE 2\n",
            "LUT file x.cube line 2: a second size line; a .cube file holds one 1D or one 3D table.",
        ),
        ("LUT_1D_SIZE 2\n0 0 zero\n", "LUT file x.cube line 2: expected three numbers or a keyword, got '0 0 zero'."),
        (
            "LUT_1D_SIZE 2\nDOMAIN_MAX 2 2 2\n",
            "LUT file x.cube line 2: only the input domain 0..1 is supported, got 'DOMAIN_MAX 2 2 2'.",
        ),
        ("LUT_1D_SIZE 2\n0 0 1e400\n1 1 1\n", "LUT file x.cube has a value that is not a finite number."),
    ],
)
def test_bad_cube_files_are_named_with_their_line(text: str, message: str) -> None:
    with pytest.raises(GradeError) as caught:
        parse_cube(text, "x.cube")
    assert str(caught.value) == message


def test_missing_lut_file(tmp_path: Path) -> None:
    with pytest.raises(GradeError, match=r"^LUT file .*missing\.cube does not exist\.$"):
        resolve_lut(str(tmp_path / "missing.cube"))


def test_presets_exist_and_are_described() -> None:
    assert EXPECTED_PRESETS <= set(list_presets())
    for name in EXPECTED_PRESETS:
        assert preset_description(name).endswith(".")
    with pytest.raises(GradeError, match=r"^Unknown grading preset 'teal-orange'; use one of cool-night, "):
        preset_lut("teal-orange")


@pytest.mark.parametrize("name", ["noir", "manga-greyscale", "sepia"])
def test_monochrome_presets_remove_colour(name: str) -> None:
    out = np.asarray(preset_lut(name).apply(_photo()), dtype=float)
    chroma = out.max(axis=2) - out.min(axis=2)
    if name == "sepia":
        hue_bias = out[..., 0] - out[..., 2]  # a brown cast: red over blue everywhere it isn't black or white
        assert np.median(hue_bias) > 15 and np.std(hue_bias) < 25
    else:
        assert chroma.max() < 12


def test_temperature_presets_shift_the_colour_balance() -> None:
    grey = Image.new("RGB", (16, 16), (128, 128, 128))
    warm = np.asarray(preset_lut("warm-sunset").apply(grey), dtype=float)[0, 0]
    cool = np.asarray(preset_lut("cool-night").apply(grey), dtype=float)[0, 0]
    assert warm[0] > warm[2] + 20 and cool[2] > cool[0] + 20
    assert cool.mean() < 128  # night is darker


def test_grading_is_uniform_across_the_book() -> None:
    page = _photo()
    graded = grade_book([page, page.copy(), page.transpose(Image.Transpose.FLIP_LEFT_RIGHT)], "vintage-print")
    assert np.array_equal(np.asarray(graded[0]), np.asarray(graded[1]))
    assert np.array_equal(np.asarray(graded[2]), np.asarray(graded[0].transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def test_consistency_is_one_for_identical_pages_and_rises_with_a_shared_grade() -> None:
    red, blue, green = (Image.new("RGB", (64, 64), c) for c in ((200, 40, 40), (40, 40, 200), (40, 200, 40)))
    assert measure_grade_consistency([red, red.copy()]) == pytest.approx(1.0)
    assert measure_grade_consistency([red]) == 1.0
    varied = [red, blue, green, _photo()]
    before = measure_grade_consistency(varied)
    after = measure_grade_consistency(grade_book(varied, "noir"))
    assert 0.0 <= before < after <= 1.0
    with pytest.raises(GradeError, match=r"^Grade consistency needs at least one image\.$"):
        measure_grade_consistency([])


def test_page_consistency_names_the_odd_page_out() -> None:
    reds = [Image.new("RGB", (32, 32), (200, 40 + i, 40)) for i in range(3)]
    blue = Image.new("RGB", (32, 32), (30, 40, 210))
    scores = page_consistency([*reds, blue, reds[0]])
    assert len(scores) == 5 and int(np.argmin(scores)) == 3
    assert page_consistency([blue]) == [1.0]
    assert measure_grade_consistency([*reds, blue]) == pytest.approx(float(np.mean(page_consistency([*reds, blue]))))


def test_bad_strength() -> None:
    with pytest.raises(GradeError, match=r"^Grade strength must be from 0 to 1, got 2\.$"):
        grade_book([_photo()], "noir", strength=2)


def test_lut_objects_pass_through_and_cube_presets_are_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lut = Lut("1d", 2, np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
    assert resolve_lut(lut) is lut
    (tmp_path / "presets.yaml").write_text(grading.PRESETS_FILE.read_text())
    (tmp_path / "bleach.cube").write_text("LUT_1D_SIZE 2\n0.2 0.2 0.2\n1 1 1\n")
    monkeypatch.setattr(grading, "LUTS_DIR", tmp_path)
    preset_lut.cache_clear()
    try:
        assert "bleach" in list_presets()
        assert preset_lut("bleach").kind == "1d"
    finally:
        preset_lut.cache_clear()
