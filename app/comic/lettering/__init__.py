"""Comic lettering: balloons, captions and sound effects fitted, placed and drawn onto a page.

plan, issues = plan_panel(panel, box, page_number=1, px_per_pt=300 / 72)
draw_plan(page_image, plan)
# or both at once:
issues = letter_panel(page_image, panel, box, page_number=1, px_per_pt=300 / 72)
"""

from .letterer import (
    LetteringIssue,
    PanelPlan,
    PlacedItem,
    avoid_regions,
    draw_plan,
    letter_panel,
    plan_panel,
    speaker_anchor,
)
from .style import LetteringStyle

__all__ = [
    "LetteringIssue",
    "LetteringStyle",
    "PanelPlan",
    "PlacedItem",
    "avoid_regions",
    "draw_plan",
    "letter_panel",
    "plan_panel",
    "speaker_anchor",
]
