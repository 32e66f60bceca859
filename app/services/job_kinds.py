"""The job kinds whose work lives in the services and the book builder, registered with the queue (app/jobs/kinds.py).

app/jobs sits below these layers and never imports them; `register_job_kinds` (run when app.services is
imported, so every process that submits or runs jobs through a service has them) hands the queue:
- `book`: a whole script built unattended (book_service.run_book_job, a coordinator of `book_render` children);
- `story`: the writers' room, story -> script (story_service.run_story_job);
- the `book_render` prompt: one of the book's built-in workflows with bound parameters.
The handlers import their service on first use, so importing app.services stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..jobs.kinds import register_local_kind, register_prompt_builder, upload_name
from ..jobs.models import Job, JobOutput


def run_book(job: Job, dependencies: dict[str, Job], context: Any) -> list[JobOutput]:
    from .book_service import run_book_job

    return run_book_job(job, dependencies, context)


def run_story(job: Job, dependencies: dict[str, Job], context: Any) -> list[JobOutput]:
    from .story_service import run_story_job

    return run_story_job(job, dependencies, context)


def book_render_prompt(parameters: Mapping[str, Any], object_info: Mapping[str, Any]) -> dict[str, Any]:
    """The API prompt of a `book_render` job, converted with the backend's /object_info (input pictures by
    their upload names)."""
    from ..book.workflow_prompt import build_workflow_prompt
    from ..workflows import load_workflow, resolve_workflow

    name = parameters["workflow"]
    images = {key: upload_name(path) for key, path in (parameters.get("images") or {}).items()}
    size = parameters.get("size")
    prompt, _bound = build_workflow_prompt(
        load_workflow(resolve_workflow(name)),
        name,
        dict(parameters.get("params") or {}),
        images,
        parameters.get("enable") or [],
        tuple(size) if size else None,
        object_info,
        where="the queue's backends",
        check=False,
    )
    return prompt


def register_job_kinds() -> None:
    """Idempotent: registering the same handlers again changes nothing."""
    register_local_kind("book", run_book)
    register_local_kind("story", run_story)
    register_prompt_builder("book_render", book_render_prompt)
