"""The queue's REST routes: submit, status, list, control, outputs, and a server-sent-events progress stream."""


import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from app.errors import InkframeError
from app.jobs.job_store_base import JobNotFoundError
from app.jobs.kinds import known_kinds
from app.jobs.models import JOB_STATUSES, BatchSummary, Job, JobPage, JobQuery, JobStatus
from app.services.queue_service import JobActionError, QueueService, SubmissionError

from .auth import bearer_dependency
from .schemas import BatchActionResult, BatchResponse, ErrorBody, JobAction, OutputLink, PriorityRequest, submission_models

PREFIX = "/api"
EVENT_POLL_S = 0.5
ERRORS = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}, 401: {"model": ErrorBody}}


def _error(status_code: int, message: str, detail: list | str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"message": message, "detail": detail})


def _field_name(loc: tuple | list) -> str:
    """`priority`, `jobs.1.parameters.prompt`: the loc without `body` and without the union tag pydantic adds
    after a discriminated job (`body.prompt.priority` -> `priority`)."""
    parts: list[str] = []
    previous: object = None
    for part in loc:
        if part == "body" or (part in known_kinds() and (previous == "body" or isinstance(previous, int))):
            previous = part
            continue
        parts.append(str(part))
        previous = part
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Turn errors into `{message, detail}` bodies: 404 unknown job, 409 wrong state, 422 bad input."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        field = _field_name(first["loc"])
        if first.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            field = "kind" if field == "body" else f"{field}.kind"
        details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
        return _error(422, f"{field}: {first['msg']}.", details)

    @app.exception_handler(JobNotFoundError)
    async def _missing(_request: Request, exc: JobNotFoundError) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(SubmissionError)
    async def _submission(request: Request, exc: SubmissionError) -> JSONResponse:
        single = request.url.path.endswith("/jobs")
        loc: list = ["body"] if single else ["body", "jobs"] + ([exc.index] if exc.index is not None else [])
        loc += exc.field.split(".") if exc.field else []
        return _error(422, str(exc), [{"loc": loc, "msg": exc.detail, "type": "submission"}])

    @app.exception_handler(JobActionError)
    async def _conflict(_request: Request, exc: JobActionError) -> JSONResponse:
        return _error(409, str(exc))

    @app.exception_handler(InkframeError)
    async def _inkframe(_request: Request, exc: InkframeError) -> JSONResponse:
        return _error(400, str(exc))


def build_router(service: QueueService, *, auth_token: str | None = None) -> APIRouter:
    JobRequest, BatchRequest = submission_models()  # noqa: N806 (types)
    router = APIRouter(prefix=PREFIX, tags=["queue"], dependencies=[Depends(bearer_dependency(auth_token))], responses=ERRORS)

    @router.post("/jobs", status_code=status.HTTP_201_CREATED, response_model=Job, summary="Submit one job")
    def submit_job(spec: JobRequest) -> Job:  # type: ignore[valid-type]
        return service.submit([spec.to_spec()])[0]

    @router.post("/batches", status_code=status.HTTP_201_CREATED, response_model=BatchResponse,
                 summary="Submit several jobs at once (all or none)")
    def submit_batch(request: BatchRequest) -> BatchResponse:  # type: ignore[valid-type]
        jobs = service.submit([spec.to_spec() for spec in request.jobs], batch_id=request.batch_id)
        return BatchResponse(batch_id=jobs[0].batch_id, jobs=jobs)

    @router.get("/jobs", response_model=JobPage, summary="List jobs, filtered by status, kind and batch")
    def list_jobs(status_filter: Annotated[list[JobStatus] | None, Query(alias="status")] = None,
                  kind: Annotated[str | None, Query(max_length=64)] = None,
                  batch_id: Annotated[str | None, Query(max_length=64)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> JobPage:
        return service.list(JobQuery(status=status_filter, kind=kind, batch_id=batch_id, limit=limit, offset=offset))

    @router.get("/jobs/{job_id}", response_model=Job, summary="One job's status, progress, errors and outputs")
    def get_job(job_id: str) -> Job:
        return service.get(job_id)

    @router.post("/jobs/{job_id}/{action}", response_model=Job, summary="Cancel, pause, resume or retry a job")
    def act_on_job(job_id: str, action: JobAction) -> Job:
        return getattr(service, action)(job_id)

    @router.patch("/jobs/{job_id}", response_model=Job, summary="Change a job's priority")
    def reprioritize_job(job_id: str, request: PriorityRequest) -> Job:
        return service.reprioritize(job_id, request.priority)

    @router.get("/jobs/{job_id}/outputs", response_model=list[OutputLink], summary="The files a job produced")
    def list_outputs(job_id: str) -> list[OutputLink]:
        job = service.get(job_id)
        return [OutputLink(index=i, node_id=o.node_id, filename=o.filename, kind=o.kind,
                           url=f"{PREFIX}/jobs/{job_id}/outputs/{i}") for i, o in enumerate(job.outputs)]

    @router.get("/jobs/{job_id}/outputs/{index}", response_class=FileResponse, summary="Download one output file")
    def get_output(job_id: str, index: int) -> FileResponse:
        paths = service.outputs(job_id)
        if not 0 <= index < len(paths) or not paths[index].is_file():
            raise JobActionError(f"job {job_id} has no output number {index} (it has {len(paths)}).")
        return FileResponse(paths[index], filename=Path(paths[index]).name)

    @router.get("/batches/{batch_id}", response_model=BatchSummary, summary="Counts of a batch's jobs per status")
    def get_batch(batch_id: str) -> BatchSummary:
        return service.batch(batch_id)

    @router.post("/batches/{batch_id}/{action}", response_model=BatchActionResult, summary="Apply an action to a whole batch")
    def act_on_batch(batch_id: str, action: JobAction) -> BatchActionResult:
        results = service.for_batch(action, batch_id)
        return BatchActionResult(changed=[r for r in results if isinstance(r, Job)],
                                 skipped=[str(r) for r in results if not isinstance(r, Job)])

    @router.patch("/batches/{batch_id}", response_model=BatchActionResult, summary="Change the priority of a batch's unfinished jobs")
    def reprioritize_batch(batch_id: str, request: PriorityRequest) -> BatchActionResult:
        results = service.for_batch("reprioritize", batch_id, request.priority)
        return BatchActionResult(changed=[r for r in results if isinstance(r, Job)],
                                 skipped=[str(r) for r in results if not isinstance(r, Job)])

    @router.get("/events", summary="Progress stream (server-sent events: a `job` event per change; a job's or a "
                "batch's stream ends with it, a `batch` event closing the latter)",
                response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}})
    def stream_events(batch_id: Annotated[str | None, Query(max_length=64)] = None,
                      job_id: Annotated[str | None, Query(max_length=64)] = None,
                      duration: Annotated[float, Query(gt=0, le=86_400)] = 3600.0) -> StreamingResponse:
        return StreamingResponse(_job_events(service, batch_id, job_id, duration), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return router


def _job_events(service: QueueService, batch_id: str | None, job_id: str | None, duration: float) -> Iterator[str]:
    """Poll the store (workers may be other processes) and emit each job whose record changed."""
    end = time.monotonic() + duration
    since = 0.0
    yield ": inkframe job events\n\n"
    while time.monotonic() < end:
        if job_id is not None:
            try:
                job = service.get(job_id)
            except JobNotFoundError as exc:
                yield f"event: error\ndata: {json.dumps({'message': str(exc)})}\n\n"
                return
            changed = [job] if job.updated_at > since else []
        else:
            changed = service.list(JobQuery(batch_id=batch_id, updated_since=since, limit=1000)).items
        for job in sorted(changed, key=lambda j: j.updated_at):
            since = max(since, job.updated_at)
            yield f"event: job\nid: {job.updated_at:.6f}\ndata: {job.model_dump_json(exclude={'parameters'})}\n\n"
        if job_id is not None and changed and changed[0].terminal:
            return
        if batch_id is not None and changed and _batch_done(service, batch_id):
            yield f"event: batch\ndata: {service.batch(batch_id).model_dump_json()}\n\n"
            return
        time.sleep(EVENT_POLL_S)


def _batch_done(service: QueueService, batch_id: str) -> bool:
    try:
        return service.batch(batch_id).done
    except JobActionError:
        return False


def create_api(service: QueueService, *, auth_token: str | None = None) -> FastAPI:
    """A standalone FastAPI app serving the queue API (docs at /api/docs)."""
    app = FastAPI(title="Inkframe Studio queue API", version="1", docs_url=f"{PREFIX}/docs", openapi_url=f"{PREFIX}/openapi.json",
                  redoc_url=None, description="Batch jobs over ComfyUI backends. Statuses: " + ", ".join(JOB_STATUSES) + ".")
    install_error_handlers(app)
    app.include_router(build_router(service, auth_token=auth_token))
    return app
