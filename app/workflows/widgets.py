"""Which widgets ComfyUI's frontend creates for a node type, read from its `/object_info` entry.

`widgets_values` in a UI-format workflow is positional over these widgets, including the frontend-only
ones that never reach the API prompt (the `control_after_generate` selector after a seed, the upload
button after an image combo). Mirrors the widget constructors of ComfyUI_frontend 1.27 and 1.58 (see frontend.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .frontend import FrontendRules, rules_for

# Input types the frontend draws as a widget (anything else is a socket).
WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"})
# Combo options that add an upload button widget (value "image"/"video"/..., never sent to the API).
UPLOAD_OPTIONS = ("image_upload", "video_upload", "animated_image_upload")
LEGACY_SEED_NAMES = ("seed", "noise_seed")


class _Undefined:
    """A widget value JavaScript leaves undefined: JSON.stringify drops the key."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()
_UNSET: Any = object()


@dataclass(frozen=True)
class InputSpec:
    """One input of a node type as `/object_info` declares it."""

    name: str
    type: str  # "COMBO" for a choice list
    options: dict[str, Any]
    required: bool
    choices: tuple[Any, ...] | None = None

    @property
    def is_widget(self) -> bool:
        return self.type in WIDGET_TYPES and not self.options.get("forceInput")

    def default(self) -> Any:
        """The value a freshly created widget holds (UNDEFINED: the widget has no value)."""
        if self.type == "COMBO":
            if self.options.get("default"):
                return self.options["default"]
            if self.choices:
                return self.choices[0]
            return "Loading..." if self.options.get("remote") else UNDEFINED
        if self.options.get("default") is not None:
            return self.options["default"]
        return {"INT": 0, "FLOAT": 0, "STRING": "", "BOOLEAN": False}.get(self.type)


@dataclass(frozen=True)
class WidgetSlot:
    """One widget of a node, in `widgets_values` order.

    `to_api` is False for frontend-only widgets (value controls, upload buttons, toggles);
    `fixed` holds the start value of a widget that is not backed by an input's default.
    """

    name: str
    input: InputSpec | None = None
    to_api: bool = True
    fixed: Any = _UNSET

    def default(self) -> Any:
        if self.fixed is not _UNSET:
            return self.fixed
        return self.input.default() if self.input is not None else None


@dataclass(frozen=True)
class NodeSpec:
    """A node type's inputs, widgets and outputs."""

    type: str
    display_name: str
    inputs: tuple[InputSpec, ...]
    widgets: tuple[WidgetSlot, ...]
    outputs: tuple[str, ...]
    output_node: bool
    python_module: str = ""
    by_name: dict[str, InputSpec] = field(default_factory=dict, compare=False, repr=False)


def parse_input(name: str, raw: Any, required: bool) -> InputSpec:
    kind = raw[0] if isinstance(raw, (list, tuple)) and raw else raw
    options = raw[1] if isinstance(raw, (list, tuple)) and len(raw) > 1 and isinstance(raw[1], dict) else {}
    choices: tuple[Any, ...] | None = None
    if isinstance(kind, list):
        choices, kind = tuple(kind), "COMBO"
    elif kind == "COMBO":
        choices = tuple(options.get("options") or ())
    return InputSpec(name=name, type=str(kind), options=options, required=required, choices=choices)


def has_control_widget(spec: InputSpec) -> bool:
    """The frontend adds a value-control widget after this input's widget (INT: legacy seed names too)."""
    flag = spec.options.get("control_after_generate")
    if spec.type == "INT":
        return bool(flag) if flag is not None else spec.name in LEGACY_SEED_NAMES
    return spec.type == "COMBO" and bool(flag)


def ordered_inputs(info: dict[str, Any]) -> list[InputSpec]:
    """Inputs in the frontend's order: input_order.required, input_order.optional, then the rest."""
    sections = info.get("input") or {}
    order = info.get("input_order") or {}
    declared: dict[str, InputSpec] = {}
    for section in ("required", "optional"):
        for name, raw in (sections.get(section) or {}).items():
            declared.setdefault(name, parse_input(name, raw, section == "required"))
    result: list[InputSpec] = []
    if order:
        for section in ("required", "optional"):
            for name in order.get(section) or ():
                spec = declared.get(name)
                if spec is not None and spec.required == (section == "required") and spec not in result:
                    result.append(spec)
    result.extend(spec for spec in declared.values() if spec not in result)
    return result


def _widgets_for(spec: InputSpec) -> list[WidgetSlot]:
    """The widgets one input creates (empty for a socket-only input)."""
    if not spec.is_widget:
        return []
    slots = [WidgetSlot(spec.name, spec)]
    remote = spec.options.get("remote") if spec.type == "COMBO" else None
    if isinstance(remote, dict):
        slots.append(WidgetSlot("Auto-refresh after generation", to_api=False, fixed=False))
        if remote.get("refresh_button"):
            slots.append(WidgetSlot("refresh", fixed="refresh"))
    if has_control_widget(spec):
        slots.append(
            WidgetSlot("control_after_generate", to_api=False, fixed="randomize" if spec.type == "INT" else "fixed")
        )
        if spec.type == "COMBO":
            slots.append(WidgetSlot("control_filter_list", to_api=False, fixed=""))
    return slots


# Widgets that frontend extensions add to particular core nodes (Comfy.SaveGLB, Comfy.Preview3D,
# Comfy.Preview3DAnimation append a 3D preview input to `required`; Comfy.PreviewAny adds a text box in 1.27,
# and in 1.58 an unsent text preview plus an unsent Markdown/plain toggle, as Comfy.saveText does for SaveText).
EXTENSION_WIDGETS: dict[str, tuple[WidgetSlot, ...]] = {
    "SaveGLB": (WidgetSlot("image", fixed=""),),
    "Preview3D": (WidgetSlot("image", fixed=""),),
    "Preview3DAnimation": (WidgetSlot("image", fixed=""),),
    "PreviewAny": (WidgetSlot("preview", fixed=""),),
}
_TEXT_PREVIEW = (
    WidgetSlot("preview_text", to_api=False, fixed=""),
    WidgetSlot("preview_mode", to_api=False, fixed=False),
)
EXTENSION_WIDGETS_1_58: dict[str, tuple[WidgetSlot, ...]] = {
    **EXTENSION_WIDGETS,
    "PreviewAny": _TEXT_PREVIEW,
    "SaveText": _TEXT_PREVIEW,
}


# Comfy.Load3D (1.58): nodes whose 3D viewer keeps a viewport state instead of a rendered view.
VIEWPORT_STATE_NODES = frozenset(
    {
        "Preview3DAdvanced",
        "Save3DAdvanced",
        "PreviewGaussianSplat",
        "PreviewPointCloud",
        "SaveGaussianSplat",
        "SavePointCloud",
    }
)


def _load3d_widgets(node_type: str, has_model_file: bool) -> list[WidgetSlot]:
    """The LOAD_3D custom widget of frontend 1.58: upload/clear buttons (sent, as the editor does) when the node
    has a model_file widget, then the viewer whose value the editor renders in the browser at queue time."""
    buttons = (
        [
            WidgetSlot("upload 3d model", fixed="upload3dmodel"),
            WidgetSlot("upload extra resources", fixed="uploadExtraResources"),
            WidgetSlot("clear", fixed="clear"),
        ]
        if has_model_file
        else []
    )
    return [*buttons, WidgetSlot("viewport_state" if node_type in VIEWPORT_STATE_NODES else "image", fixed="")]


def build_node_spec(node_type: str, info: dict[str, Any], rules: FrontendRules | None = None) -> NodeSpec:
    rules = rules or rules_for()
    inputs = ordered_inputs(info)
    widgets: list[WidgetSlot] = []
    for spec in inputs:
        if rules.load3d_widgets and spec.type == "LOAD_3D":
            widgets.extend(_load3d_widgets(node_type, any(w.name == "model_file" for w in widgets)))
            continue
        widgets.extend(_widgets_for(spec))
    # Comfy.UploadImage appends an "upload" input to `required`, after every ordered input.
    if any(s.required and s.type == "COMBO" and any(s.options.get(o) is True for o in UPLOAD_OPTIONS) for s in inputs):
        widgets.append(WidgetSlot("upload", to_api=False, fixed="image"))
    widgets.extend((EXTENSION_WIDGETS_1_58 if rules.text_preview_widgets else EXTENSION_WIDGETS).get(node_type, ()))
    return NodeSpec(
        type=node_type,
        display_name=info.get("display_name") or rules.titles.get(node_type) or node_type,
        inputs=tuple(inputs),
        widgets=tuple(widgets),
        outputs=tuple(info.get("output") or ()),
        output_node=bool(info.get("output_node")),
        python_module=info.get("python_module", ""),
        by_name={s.name: s for s in inputs},
    )


class NodeSpecs:
    """Lazy, cached NodeSpec per node type for one object_info document, as one frontend version builds them."""

    def __init__(self, object_info: dict[str, Any], rules: FrontendRules | None = None) -> None:
        self.object_info = object_info
        self.rules = rules or rules_for()
        self._cache: dict[str, NodeSpec] = {}
        self._siblings: dict[str, NodeSpecs] = {self.rules.name: self}

    def for_rules(self, rules: FrontendRules) -> NodeSpecs:
        """The same object_info read by another frontend's rules (cached)."""
        sibling = self._siblings.get(rules.name)
        if sibling is None:
            sibling = NodeSpecs(self.object_info, rules)
            sibling._siblings = self._siblings
            self._siblings[rules.name] = sibling
        return sibling

    def __contains__(self, node_type: object) -> bool:
        return node_type in self.object_info

    def get(self, node_type: str) -> NodeSpec | None:
        spec = self._cache.get(node_type)
        if spec is None and node_type in self.object_info:
            spec = self._cache[node_type] = build_node_spec(node_type, self.object_info[node_type], self.rules)
        return spec
