"""Typed values the workflows layer hands to the rest of the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

WorkflowFormat = Literal["ui", "api"]
ParameterKind = Literal[
    "text", "multiline", "int", "float", "seed", "boolean", "choice", "image", "mask", "video", "model", "lora"
]
PARAMETER_KINDS: tuple[str, ...] = (
    "text",
    "multiline",
    "int",
    "float",
    "seed",
    "boolean",
    "choice",
    "image",
    "mask",
    "video",
    "model",
    "lora",
)


@dataclass(frozen=True)
class Parameter:
    """One value a user can set on a workflow: bound to `node_id`.`input` of the API prompt."""

    name: str
    kind: ParameterKind
    node_id: str
    input: str
    default: Any = None
    label: str = ""
    description: str = ""
    group: str = ""
    order: int = 0
    advanced: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    declared: bool = True  # False: bound automatically to a core node input
    active: bool = True  # False: every node it feeds is bypassed or muted, so setting it changes nothing
    # (API node id, input) pairs the value is written to; empty: just `node_id`.`input`. A parameter carried by a
    # frontend Primitive node or by an Inkframe parameter node (resolved app-side) writes into every input it feeds.
    targets: tuple[tuple[str, str], ...] = ()

    def bindings(self) -> tuple[tuple[str, str], ...]:
        return self.targets or ((self.node_id, self.input),)

    def to_dict(self) -> dict[str, Any]:
        data = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        data["targets"] = [list(t) for t in self.targets]
        return data


@dataclass(frozen=True)
class Workflow:
    """A workflow file as loaded: its name, format and raw JSON."""

    name: str
    path: Path | None
    format: WorkflowFormat
    raw: dict[str, Any]
    parameters: tuple[Parameter, ...] = field(default=())

    @property
    def is_ui(self) -> bool:
        return self.format == "ui"


@dataclass(frozen=True)
class Problem:
    """One reason a backend cannot run a prompt, as a sentence naming the fix."""

    kind: Literal[
        "missing_node", "missing_model", "out_of_range", "not_in_list", "wrong_type", "widget_count", "missing_input"
    ]
    node_id: str
    sentence: str
    node_type: str = ""
    input: str = ""
    install: str = ""  # e.g. "comfy node install comfyui-videohelpersuite"
    download: str = ""  # e.g. "python scripts/download_models.py --only NAME"


STALE_LISTING_KINDS = frozenset({"missing_node", "missing_model", "not_in_list"})


@dataclass(frozen=True)
class PreflightReport:
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def listing_may_be_stale(self) -> bool:
        """True when a newer /object_info might clear a problem: it names a node, model or input file missing from
        the listing checked against (a cached copy predates a model the user added, a pack, an upload)."""
        return any(problem.kind in STALE_LISTING_KINDS for problem in self.problems)

    def sentences(self) -> list[str]:
        """One sentence per cause: nodes missing from the same pack, or needing the same model, share one."""
        from .preflight import summarise_problems

        return summarise_problems(self.problems)
