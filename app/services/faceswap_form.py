"""The Face swap tab's form as one typed value: its fields by name, checked and turned into a FaceSwapRequest.

inputs = [widgets[name] for name in FaceSwapForm.field_names()]   # the tab's gradio inputs, in order
request = FaceSwapForm.from_values(values).request(out)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_args

from ..errors import InkframeError
from ..faceswap.types import Enhancer, Gender, OneMode, Selector
from .faceswap_service import FaceSwapRequest


@dataclass(frozen=True)
class FaceSwapForm:
    sources: list[str] | None
    target: str | None
    consent: bool
    picked: str | None  # the face picked in the target (selector "reference")
    selector: Selector
    one_mode: OneMode
    face_index: float
    distance: float
    gender: Gender
    min_age: float | None
    max_age: float | None
    enhancer: Enhancer
    blend: float
    smoothing: float

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in fields(cls))

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> FaceSwapForm:
        """The form from the tab's input values, in `field_names()` order."""
        names = cls.field_names()
        if len(values) != len(names):
            raise InkframeError(
                f"the face swap form sent {len(values)} values for its {len(names)} fields; reload the page."
            )
        return cls(**dict(zip(names, values)))

    def request(self, out: Path) -> FaceSwapRequest:
        """The request this form asks for, writing to `out`; one sentence for what is missing."""
        if not self.sources:
            raise InkframeError("upload at least one source face picture.")
        if not self.target:
            raise InkframeError("upload a target image or video.")
        if self.selector == "reference" and not self.picked:
            raise InkframeError("pick the face to replace (Find faces, then click one), or choose another selector.")
        return FaceSwapRequest(
            sources=[Path(s) for s in self.sources],
            target=Path(self.target),
            out=out,
            consent=bool(self.consent),
            selector=_choice("selector", self.selector, Selector),
            one_mode=_choice("one mode", self.one_mode, OneMode),
            face_index=int(self.face_index or 0),
            reference_face=Path(self.picked) if self.selector == "reference" and self.picked else None,
            reference_distance=float(self.distance),
            gender=_choice("gender", self.gender, Gender),
            min_age=int(self.min_age) if self.min_age else None,
            max_age=int(self.max_age) if self.max_age else None,
            enhancer=_choice("enhancer", self.enhancer, Enhancer),
            blend=float(self.blend),
            smoothing=float(self.smoothing),
        )


def _choice(label: str, value: Any, kind: Any) -> Any:
    """`value` when it is one of the Literal `kind`'s choices, else one sentence naming them."""
    choices = get_args(kind)
    if value not in choices:
        raise InkframeError(f"the face swap {label} {value!r} is unknown; choose one of {', '.join(choices)}.")
    return value
