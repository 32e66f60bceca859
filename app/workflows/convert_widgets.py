"""Widget value mapping for convert.py: saved `widgets_values` to the (input name, value) pairs the API
prompt gets (forceInput migration, PrimitiveNode overrides, dynamic prompts, placeholder nodes)."""

from __future__ import annotations

import json
from typing import Any

from .convert_flatten import _Context, _Dto
from .dynamic_prompts import process_dynamic_prompt
from .errors import WorkflowError
from .widgets import UNDEFINED, NodeSpec


def _migrate(spec: NodeSpec, values: list[Any]) -> list[Any]:
    """migrateWidgetsValues: drop values saved for inputs that are now forceInput sockets."""
    original, count = _migration_plan(spec)
    if not original or count != len(values):
        return values
    return [v for k, v in enumerate(values) if k >= len(original) or not original[k].options.get("forceInput")]


_MIGRATION_PLANS: dict[int, tuple[list[Any], int]] = {}


def _migration_plan(spec: NodeSpec) -> tuple[list[Any], int]:
    """(inputs the saved values were positional over, their value count), or ([], 0) when no input is forceInput."""
    plan = _MIGRATION_PLANS.get(id(spec))
    if plan is None:
        widget_names = {w.name for w in spec.widgets}
        original = [i for i in spec.inputs if i.name in widget_names or i.options.get("forceInput")]
        if not any(i.options.get("forceInput") for i in original):
            plan = ([], 0)
        else:
            plan = (
                original,
                sum(
                    2 if (i.options.get("control_after_generate") or i.name in ("seed", "noise_seed")) else 1
                    for i in original
                ),
            )
        if len(_MIGRATION_PLANS) > 4096:
            _MIGRATION_PLANS.clear()
        _MIGRATION_PLANS[id(spec)] = plan
    return plan


def widget_values(ctx: _Context, dto: _Dto) -> list[tuple[str, Any]]:
    """(input name, value) for every widget of the node that reaches the API prompt, in widget order."""
    spec, node = dto.spec, dto.node
    raw = node.get("widgets_values")
    if spec is None:
        return _placeholder_values(raw, numbered=ctx.rules.numbered_placeholders)
    overrides = ctx.overrides.get((id(dto.graph), int(node["id"])), {})
    values = list(raw) if isinstance(raw, list) else []
    if values:
        values = _migrate(spec, values)
        if ctx.strict and len(values) != len(spec.widgets):
            raise widget_count_error(dto, spec, len(values))
    result: list[tuple[str, Any]] = []
    for index, slot in enumerate(spec.widgets):
        if isinstance(raw, dict):
            value = raw.get(slot.name, slot.default())
        else:
            value = values[index] if index < len(values) else slot.default()
        value = overrides.get(slot.name, value)
        if not slot.to_api or value is UNDEFINED:
            continue
        if slot.input is not None and slot.input.options.get("dynamicPrompts") and isinstance(value, str):
            value = process_dynamic_prompt(value, ctx.rng)
        result.append((slot.name, value))
    return result


def _placeholder_values(raw: Any, *, numbered: bool) -> list[tuple[str, Any]]:
    """A node type the backend lacks: the frontend shows each saved value as a widget named UNKNOWN
    (1.58: UNKNOWN, UNKNOWN_1, UNKNOWN_2, ...; 1.27: all UNKNOWN, so the last one is sent)."""
    result: list[tuple[str, Any]] = []
    for index, value in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(value, (str, int, float, bool)):
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        result.append(("UNKNOWN" if not numbered or index == 0 else f"UNKNOWN_{index}", value))
    return result


def widget_count_error(dto: _Dto, spec: NodeSpec, found: int) -> WorkflowError:
    names = ", ".join(s.name for s in spec.widgets) or "none"
    return WorkflowError(
        f"Node {dto.id} ({spec.type}) has {found} widget values but its inputs need {len(spec.widgets)} ({names}); "
        "the node pack version differs from the one that saved the workflow."
    )
