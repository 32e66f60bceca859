"""Comic nodes: panel effects, colour grading, page composition and lettering.

Thin: each node reads its widgets, calls app/comic through `adapter.lib(...)` and converts IMAGE
tensors with the adapter. Every batch item gets the same effect (and, for grading, the same LUT).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import adapter

CATEGORY = "Inkframe/Comic"
SEED = ("INT", {"default": 0, "min": 0, "max": 2**32 - 1})
COLOR = ("STRING", {"default": "black"})


def _effects() -> Any:
    return adapter.lib("comic.effects")


def _each(images: Any, render: Callable[[Any], Any]) -> tuple[Any]:
    return (adapter.pil_to_tensor([render(image) for image in adapter.tensor_to_pil(images)]),)


def _fraction(default: float, low: float = 0.0, high: float = 1.0) -> tuple[str, dict[str, float]]:
    return ("FLOAT", {"default": default, "min": low, "max": high, "step": 0.01})


class InkframeSpeedLines:
    CATEGORY, FUNCTION, RETURN_TYPES = f"{CATEGORY}/Effects", "run", ("IMAGE",)
    DESCRIPTION = "Parallel tapered motion strokes; clear_band keeps a stripe free for the subject."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "image": ("IMAGE",),
                "angle": ("FLOAT", {"default": 0.0, "min": -360.0, "max": 360.0}),
                "count": ("INT", {"default": 160, "min": 1, "max": 2000}),
                "thickness": _fraction(0.009, 0.0005, 0.1),
                "clear_band": _fraction(0.0, 0.0, 0.9),
                "color": COLOR,
                "opacity": _fraction(1.0),
                "seed": SEED,
            }
        }

    def run(self, image: Any, **params: Any) -> tuple[Any]:
        effect = _effects().SpeedLines(**params)
        return _each(image, effect.render)


class InkframeFocusLines:
    CATEGORY, FUNCTION, RETURN_TYPES = f"{CATEGORY}/Effects", "run", ("IMAGE",)
    DESCRIPTION = "Radial concentration lines from the frame towards a clear centre."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "image": ("IMAGE",),
                "center_x": _fraction(0.5),
                "center_y": _fraction(0.5),
                "clear_radius": _fraction(0.45, 0.0, 1.5),
                "count": ("INT", {"default": 140, "min": 3, "max": 3000}),
                "thickness": _fraction(0.02, 0.0005, 0.2),
                "jitter": _fraction(0.35, 0.0, 2.0),
                "color": COLOR,
                "opacity": _fraction(1.0),
                "seed": SEED,
            }
        }

    def run(self, image: Any, center_x: float, center_y: float, **params: Any) -> tuple[Any]:
        effect = _effects().FocusLines(center=(center_x, center_y), **params)
        return _each(image, effect.render)


class InkframeImpactBurst:
    CATEGORY, FUNCTION, RETURN_TYPES = f"{CATEGORY}/Effects", "run", ("IMAGE",)
    DESCRIPTION = "A jagged explosion star with an outline; core 'none' leaves out the inner star."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "image": ("IMAGE",),
                "center_x": _fraction(0.5),
                "center_y": _fraction(0.5),
                "radius": _fraction(0.42, 0.02, 2.0),
                "spikes": ("INT", {"default": 16, "min": 3, "max": 200}),
                "jaggedness": _fraction(0.5),
                "fill": ("STRING", {"default": "white"}),
                "outline": COLOR,
                "outline_width": _fraction(0.012, 0.0, 0.1),
                "core": ("STRING", {"default": "#ffd21f"}),
                "seed": SEED,
            }
        }

    def run(self, image: Any, center_x: float, center_y: float, core: str, **params: Any) -> tuple[Any]:
        core_colour = None if core.strip().lower() in ("", "none") else core
        effect = _effects().ImpactBurst(center=(center_x, center_y), core=core_colour, **params)
        return _each(image, effect.render)


class InkframeHalftone:
    CATEGORY, FUNCTION, RETURN_TYPES = f"{CATEGORY}/Effects", "run", ("IMAGE",)
    DESCRIPTION = "Print screen: grey dots, CMYK dots or manga screentone; cell = dpi / lpi pixels."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        effects = _effects()
        return {
            "required": {
                "image": ("IMAGE",),
                "mode": (list(effects.HALFTONE_MODES),),
                "lpi": ("FLOAT", {"default": 45.0, "min": 2.0, "max": 300.0}),
                "dpi": ("FLOAT", {"default": 300.0, "min": 36.0, "max": 2400.0}),
                "angle": ("FLOAT", {"default": 45.0, "min": -360.0, "max": 360.0}),
                "shape": (list(effects.HALFTONE_SHAPES),),
                "levels": ("INT", {"default": 4, "min": 2, "max": 16}),
            }
        }

    def run(self, image: Any, **params: Any) -> tuple[Any]:
        effect = _effects().Halftone(**params)
        return _each(image, effect.render)


class InkframePanelBorder:
    CATEGORY, FUNCTION, RETURN_TYPES = f"{CATEGORY}/Effects", "run", ("IMAGE",)
    DESCRIPTION = "A square, rounded or hand-inked frame drawn inside the image's edge."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "image": ("IMAGE",),
                "width": ("INT", {"default": 8, "min": 1, "max": 500}),
                "color": COLOR,
                "style": (list(_effects().BORDER_STYLES),),
                "corner_radius": ("INT", {"default": 0, "min": 0, "max": 5000}),
                "roughness": _fraction(0.5),
                "background": ("STRING", {"default": "white"}),
                "seed": SEED,
            }
        }

    def run(self, image: Any, **params: Any) -> tuple[Any]:
        effect = _effects().PanelBorder(**params)
        return _each(image, effect.render)


class InkframeColorGrade:
    CATEGORY, FUNCTION = f"{CATEGORY}/Color", "run"
    RETURN_TYPES, RETURN_NAMES = ("IMAGE", "FLOAT"), ("images", "consistency")
    DESCRIPTION = (
        "One grading preset or .cube LUT for the whole batch (a book's pages); "
        "also reports the batch's colour consistency 0..1."
    )

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "images": ("IMAGE",),
                "preset": (adapter.lib("comic.grading").list_presets(),),
                "strength": _fraction(1.0),
            },
            "optional": {"lut_path": ("STRING", {"default": "", "tooltip": "a .cube file; overrides the preset"})},
        }

    def run(self, images: Any, preset: str, strength: float, lut_path: str = "") -> tuple[Any, float]:
        grading = adapter.lib("comic.grading")
        graded = grading.grade_book(adapter.tensor_to_pil(images), lut_path.strip() or preset, strength)
        return adapter.pil_to_tensor(graded), grading.measure_grade_consistency(graded)


def _script_page(script: str, number: int) -> tuple[Any, Any]:
    """(book, page) from a full script in a text widget; ScriptError lists line/column problems."""
    book = adapter.lib("comic.script").parse_script(script, source="the script widget")
    for page in book.pages:
        if page.number == number:
            return book, page
    raise ValueError(f"The script has no PAGE {number}; it has pages {', '.join(str(p.number) for p in book.pages)}.")


SCRIPT = (
    "STRING",
    {
        "multiline": True,
        "default": "Title: Untitled\nPage size: a4\nDPI: 150\n\nPAGE 1\n\nPANEL 1\nCAPTION: Meanwhile...\n",
    },
)


class InkframeComicPage:
    CATEGORY, FUNCTION = f"{CATEGORY}/Page", "run"
    RETURN_TYPES, RETURN_NAMES = ("IMAGE", "STRING"), ("page", "report")
    DESCRIPTION = (
        "Lays a script page out at its page size and DPI: panel images (batch, in panel order) "
        "cover-cropped into the layout, borders, lettering."
    )

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "panels": ("IMAGE",),
                "script": SCRIPT,
                "page_number": ("INT", {"default": 1, "min": 1, "max": 9999}),
                "letter": ("BOOLEAN", {"default": True}),
                "border_style": (list(_effects().BORDER_STYLES),),
            }
        }

    def run(self, panels: Any, script: str, page_number: int, letter: bool, border_style: str) -> tuple[Any, str]:
        compose = adapter.lib("comic.compose")
        book, page = _script_page(script, page_number)
        art = dict(zip((panel.number for panel in page.panels), adapter.tensor_to_pil(panels)))
        options = compose.ComposeOptions(letter=letter, border_style=border_style)
        result = compose.compose_page(book, page, art, options=options)
        report = "\n".join(result.warnings + [issue.describe() for issue in result.issues])
        return adapter.pil_to_tensor([result.image]), report


class InkframeLetterPage:
    CATEGORY, FUNCTION = f"{CATEGORY}/Page", "run"
    RETURN_TYPES, RETURN_NAMES = ("IMAGE", "STRING"), ("page", "report")
    DESCRIPTION = (
        "Letters a composed page (e.g. Inkframe Comic Page with letter off) "
        "with its script page's balloons, captions and SFX."
    )

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {
            "required": {
                "page": ("IMAGE",),
                "script": SCRIPT,
                "page_number": ("INT", {"default": 1, "min": 1, "max": 9999}),
            }
        }

    def run(self, page: Any, script: str, page_number: int) -> tuple[Any, str]:
        compose, lettering = adapter.lib("comic.compose"), adapter.lib("comic.lettering")
        book, script_page = _script_page(script, page_number)
        layout = adapter.lib("comic.layout").layout_page(
            script_page, page_size=book.page_size, dpi=book.dpi, reading_direction=book.reading_direction
        )
        lettered, issues = [], []
        for image in adapter.tensor_to_pil(page):
            if image.size != layout.size:
                raise ValueError(
                    f"The page image is {image.width}x{image.height} but page {page_number} of the script lays out at "
                    f"{layout.size[0]}x{layout.size[1]} ({book.page_size} at {book.dpi} DPI); "
                    "compose it with Inkframe Comic Page."
                )
            for panel, slot in zip(script_page.panels, layout.slots):
                issues += lettering.letter_panel(
                    image,
                    panel,
                    slot.box.as_tuple(),
                    page_number=page_number,
                    px_per_pt=compose.px_per_point(layout),
                    rtl=book.reading_direction == "rtl",
                    language=book.language,
                    limit=layout.geometry.safe_box,
                )
            lettered.append(image)
        return adapter.pil_to_tensor(lettered), "\n".join(issue.describe() for issue in issues)


NODE_CLASS_MAPPINGS: dict[str, type] = {
    "InkframeSpeedLines": InkframeSpeedLines,
    "InkframeFocusLines": InkframeFocusLines,
    "InkframeImpactBurst": InkframeImpactBurst,
    "InkframeHalftone": InkframeHalftone,
    "InkframePanelBorder": InkframePanelBorder,
    "InkframeColorGrade": InkframeColorGrade,
    "InkframeComicPage": InkframeComicPage,
    "InkframeLetterPage": InkframeLetterPage,
}
NODE_DISPLAY_NAME_MAPPINGS: dict[str, str] = {
    "InkframeSpeedLines": "Inkframe Speed Lines",
    "InkframeFocusLines": "Inkframe Focus Lines",
    "InkframeImpactBurst": "Inkframe Impact Burst",
    "InkframeHalftone": "Inkframe Halftone / Screentone",
    "InkframePanelBorder": "Inkframe Panel Border",
    "InkframeColorGrade": "Inkframe Color Grade (book LUT)",
    "InkframeComicPage": "Inkframe Comic Page",
    "InkframeLetterPage": "Inkframe Letter Page",
}
