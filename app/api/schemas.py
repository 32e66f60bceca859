"""Request and response bodies of the REST API (the job models themselves live in app.jobs.models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.services.queue_types import ID_PATTERN, LOCAL_KINDS, PRIORITY_MAX, PRIORITY_MIN, Job, JobSpec

JobAction = Literal["cancel", "pause", "resume", "retry"]


class _SpecBase(BaseModel):
    """The fields every job kind shares (see app.jobs.models.JobSpec)."""

    model_config = ConfigDict(extra="forbid")
    priority: int = Field(0, ge=PRIORITY_MIN, le=PRIORITY_MAX, description="higher runs first")
    batch_id: str | None = Field(None, pattern=ID_PATTERN)
    depends_on: list[str] = Field(default_factory=list, description="job ids, or keys of jobs in the same submission")
    key: str | None = Field(None, pattern=ID_PATTERN, description="name of this job inside its submission")
    max_attempts: int | None = Field(None, ge=1, le=20)

    def to_spec(self) -> JobSpec:
        return JobSpec.model_validate(self.model_dump(mode="json"))


class PromptNode(BaseModel):
    model_config = ConfigDict(extra="allow")
    class_type: str = Field(min_length=1)
    inputs: dict[str, Any] = Field(default_factory=dict)


class PromptParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], PromptNode] = Field(
        min_length=1, description="an API-format ComfyUI prompt: node id -> {class_type, inputs}"
    )


class PromptJob(_SpecBase):
    kind: Literal["prompt"]
    parameters: PromptParameters


class WorkflowParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workflow: str = Field(min_length=1, description="a workflow file, e.g. workflows/panel.json")
    overrides: dict[str, Any] = Field(default_factory=dict, description="parameter name -> value")


class WorkflowJob(_SpecBase):
    kind: Literal["workflow"]
    parameters: WorkflowParameters


def submission_models() -> tuple[Any, Any]:
    """(the per-kind job union, the batch request model), built from the kinds registered now."""
    local = type(
        "LocalJob",
        (_SpecBase,),
        {
            "__annotations__": {"kind": Literal[tuple(LOCAL_KINDS)], "parameters": dict[str, Any]},
            "parameters": Field(default_factory=dict),
            "__doc__": "A step that runs in the worker without ComfyUI.",
        },
    )
    union = Annotated[PromptJob | WorkflowJob | local, Field(discriminator="kind")]  # type: ignore[valid-type]
    batch = type(
        "BatchRequest",
        (BaseModel,),
        {
            "__annotations__": {"batch_id": str | None, "jobs": list[union]},
            "model_config": ConfigDict(extra="forbid"),
            "batch_id": Field(None, pattern=ID_PATTERN),
            "jobs": Field(min_length=1, max_length=10_000),
        },
    )
    return union, batch


class BatchResponse(BaseModel):
    batch_id: str | None
    jobs: list[Job]


class PriorityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: int = Field(ge=PRIORITY_MIN, le=PRIORITY_MAX)


class OutputLink(BaseModel):
    index: int
    node_id: str
    filename: str
    kind: str
    url: str


class BatchActionResult(BaseModel):
    changed: list[Job]
    skipped: list[str]


class ErrorBody(BaseModel):
    message: str = Field(description="one sentence naming what to fix")
    detail: list | str | None = None
