"""Graph pieces the family workflow definitions share (image_families.py, sheet_families.py)."""

from __future__ import annotations

from typing import Any

IPADAPTER_TITLES = ("IPAdapter loader (optional)", "IPAdapter (optional)")  # as SD1.5's `panel` ships them


class Output:
    """One output of a multi-output loader, used like a one-output loader node (`[0]`)."""

    def __init__(self, node: Any, index: int) -> None:
        self.node, self.index = node, index

    def __getitem__(self, _index: int) -> Any:
        return self.node[self.index]


def ipadapter_pair(g: Any, model: Any, description: str) -> Any:
    """The bypassed IPAdapterUnifiedLoader + IPAdapter pair of SD1.5's `panel` (preset PLUS: the ip-adapter-plus file
    of the checkpoint's architecture with the ViT-H image encoder) and its `reference_image`; returns the model."""
    reference = g.param(
        "InkframeImage",
        "reference_image",
        image="example.png",
        group="Optional",
        order=0,
        advanced=True,
        description=description,
    )
    loader = g.node(
        "IPAdapterUnifiedLoader", model=model, preset="PLUS (high strength)", _mode=4, _title=IPADAPTER_TITLES[0]
    )
    adapted = g.node(
        "IPAdapter",
        model=loader[0],
        ipadapter=loader[1],
        image=reference[0],
        weight=0.7,
        start_at=0.0,
        end_at=1.0,
        weight_type="standard",
        _mode=4,
        _title=IPADAPTER_TITLES[1],
    )
    return adapted[0]
