"""The queue's REST routes: submit, status, list, control, outputs, and a server-sent-events progress stream."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import InkframeError
from app.services.queue_service import JobActionError, QueueService, SubmissionError
from app.services.queue_types import (
    JOB_STATUSES,
    BatchSummary,
    Job,
    JobNotFoundError,
    JobPage,
    JobQuery,
    JobSpec,
    JobStatus,
    known_kinds,
)

from .auth import bearer_dependency, install_docs
from .limits import DEFAULT_MAX_ERROR_CHARS, StreamSlots, clip, clip_job
from .schemas import (
    BatchActionResult,
    BatchResponse,
    ErrorBody,
    JobAction,
    OutputLink,
    PriorityRequest,
    submission_models,
)
from .trust import UntrustedParameter, check_parameters

PREFIX = "/api"
EVENT_POLL_S = 0.5
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    422: {"model": ErrorBody},
    401: {"model": ErrorBody},
}


def _error_body(
    status_code: int,
    message: str,
    detail: list | str | None = None,
    headers: dict[str, str] | None = None,
    *,
    max_chars: int = DEFAULT_MAX_ERROR_CHARS,
) -> JSONResponse:
    """The one error body of the API, `{message, detail}`, with texts clipped to security.max_error_chars."""
    if isinstance(detail, str):
        detail = clip(detail, max_chars)
    elif isinstance(detail, list):
        detail = detail[:20]
        for item in detail:
            if isinstance(item, dict) and isinstance(item.get("msg"), str):
                item["msg"] = clip(item["msg"], max_chars)
    return JSONResponse(
        status_code=status_code, content={"message": clip(message, max_chars), "detail": detail}, headers=headers
    )


def _field_name(loc: Sequence[Any]) -> str:
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


def install_error_handlers(app: FastAPI, *, max_chars: int = DEFAULT_MAX_ERROR_CHARS) -> None:
    """Turn errors into `{message, detail}` bodies: 401 no token, 404 unknown job, 409 wrong state, 422 bad input;
    texts clipped to `max_chars` (security.max_error_chars)."""

    def _error(status_code: int, message: str, detail: list | str | None = None, headers: dict[str, str] | None = None):
        return _error_body(status_code, message, detail, headers, max_chars=max_chars)

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

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else f"HTTP {exc.status_code}."
        return _error(exc.status_code, message, headers=getattr(exc, "headers", None))


def _trusted(specs: list[JobSpec], service: QueueService) -> list[JobSpec]:
    """Refuse (422, naming the field) parameters that point outside the studio's folders or at unconfigured
    endpoints."""
    for index, spec in enumerate(specs):
        try:
            check_parameters(spec.kind, spec.parameters, service.config)
        except UntrustedParameter as exc:
            where = f"job {index + 1}{f' ({spec.key})' if spec.key else ''}: " if len(specs) > 1 else ""
            raise SubmissionError(
                f"{where}{exc}", index=index if len(specs) > 1 else None, detail=str(exc), field=exc.field
            ) from exc
    return specs


def build_router(service: QueueService, *, auth_token: str | None = None) -> APIRouter:
    JobRequest, BatchRequest = submission_models()  # noqa: N806 (types)
    router = APIRouter(
        prefix=PREFIX, tags=["queue"], dependencies=[Depends(bearer_dependency(auth_token))], responses=ERRORS
    )
    security = service.config.security
    max_chars = security.max_error_chars
    slots = StreamSlots(security.max_event_streams)

    @router.post("/jobs", status_code=status.HTTP_201_CREATED, response_model=Job, summary="Submit one job")
    def submit_job(spec: JobRequest) -> Job:  # type: ignore[valid-type]
        specs = [spec.to_spec()]  # type: ignore[attr-defined]  # JobRequest is built at run time
        return clip_job(service.submit(_trusted(specs, service))[0], max_chars)

    @router.post(
        "/batches",
        status_code=status.HTTP_201_CREATED,
        response_model=BatchResponse,
        summary="Submit several jobs at once (all or none)",
    )
    def submit_batch(request: BatchRequest) -> BatchResponse:  # type: ignore[valid-type]
        specs = [spec.to_spec() for spec in request.jobs]  # type: ignore[attr-defined]  # built at run time
        jobs = service.submit(_trusted(specs, service), batch_id=request.batch_id)  # type: ignore[attr-defined]
        return BatchResponse(
            batch_id=jobs[0].batch_id, jobs=[clip_job(job, max_chars, parameters=False) for job in jobs]
        )

    @router.get("/jobs", response_model=JobPage, summary="List jobs, filtered by status, kind and batch")
    def list_jobs(
        status_filter: Annotated[list[JobStatus] | None, Query(alias="status")] = None,
        kind: Annotated[str | None, Query(max_length=64)] = None,
        batch_id: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
        parameters: Annotated[
            bool,
            Query(
                description="include each job's parameters (left out by default; GET /api/jobs/{id} always has them)"
            ),
        ] = False,
    ) -> JobPage:
        page = service.list(JobQuery(status=status_filter, kind=kind, batch_id=batch_id, limit=limit, offset=offset))
        return page.model_copy(
            update={"items": [clip_job(job, max_chars, parameters=parameters) for job in page.items]}
        )

    @router.get("/jobs/{job_id}", response_model=Job, summary="One job's status, progress, errors and outputs")
    def get_job(job_id: str) -> Job:
        return clip_job(service.get(job_id), max_chars)

    @router.post("/jobs/{job_id}/{action}", response_model=Job, summary="Cancel, pause, resume or retry a job")
    def act_on_job(job_id: str, action: JobAction) -> Job:
        return clip_job(getattr(service, action)(job_id), max_chars)

    @router.patch("/jobs/{job_id}", response_model=Job, summary="Change a job's priority")
    def reprioritize_job(job_id: str, request: PriorityRequest) -> Job:
        return clip_job(service.reprioritize(job_id, request.priority), max_chars)

    @router.get("/jobs/{job_id}/outputs", response_model=list[OutputLink], summary="The files a job produced")
    def list_outputs(job_id: str) -> list[OutputLink]:
        job = service.get(job_id)
        return [
            OutputLink(
                index=i, node_id=o.node_id, filename=o.filename, kind=o.kind, url=f"{PREFIX}/jobs/{job_id}/outputs/{i}"
            )
            for i, o in enumerate(job.outputs)
        ]

    @router.get("/jobs/{job_id}/outputs/{index}", response_class=FileResponse, summary="Download one output file")
    def get_output(job_id: str, index: int) -> FileResponse:
        paths = service.outputs(job_id)
        if not 0 <= index < len(paths) or not _inside_outputs(paths[index], service) or not paths[index].is_file():
            raise JobActionError(f"job {job_id} has no output number {index} (it has {len(paths)}).")
        return FileResponse(paths[index], filename=Path(paths[index]).name)

    @router.get("/batches/{batch_id}", response_model=BatchSummary, summary="Counts of a batch's jobs per status")
    def get_batch(batch_id: str) -> BatchSummary:
        return service.batch(batch_id)

    @router.post(
        "/batches/{batch_id}/{action}", response_model=BatchActionResult, summary="Apply an action to a whole batch"
    )
    def act_on_batch(batch_id: str, action: JobAction) -> BatchActionResult:
        results = service.for_batch(action, batch_id)
        return BatchActionResult(
            changed=[clip_job(r, max_chars, parameters=False) for r in results if isinstance(r, Job)],
            skipped=[clip(str(r), max_chars) for r in results if not isinstance(r, Job)],
        )

    @router.patch(
        "/batches/{batch_id}",
        response_model=BatchActionResult,
        summary="Change the priority of a batch's unfinished jobs",
    )
    def reprioritize_batch(batch_id: str, request: PriorityRequest) -> BatchActionResult:
        results = service.for_batch("reprioritize", batch_id, request.priority)
        return BatchActionResult(
            changed=[clip_job(r, max_chars, parameters=False) for r in results if isinstance(r, Job)],
            skipped=[clip(str(r), max_chars) for r in results if not isinstance(r, Job)],
        )

    @router.get(
        "/events",
        summary="Progress stream (server-sent events: a `job` event per change; a job's or a "
        "batch's stream ends with it, a `batch` event closing the latter; `: keep-alive` comments while idle)",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}, 429: {"model": ErrorBody}},
    )
    async def stream_events(
        request: Request,
        batch_id: Annotated[str | None, Query(max_length=64)] = None,
        job_id: Annotated[str | None, Query(max_length=64)] = None,
        duration: Annotated[float, Query(gt=0, le=86_400)] = 3600.0,
    ) -> Response:
        client = request.client.host if request.client else "?"
        if not slots.take(client):
            return _error_body(
                429,
                f"this client already has {slots.limit} event streams open (security.max_event_streams); "
                "close one first.",
            )
        events = _job_events(service, request, batch_id, job_id, duration, security.event_keepalive_s, max_chars)
        return StreamingResponse(
            slots.releasing(client, events),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router


def _inside_outputs(path: Path, service: QueueService) -> bool:
    root = service.config.resolve(service.config.app.output_dir).resolve()
    try:
        Path(path).resolve().relative_to(root)
        return True
    except (ValueError, OSError):
        return False


async def _job_events(
    service: QueueService,
    request: Request,
    batch_id: str | None,
    job_id: str | None,
    duration: float,
    keepalive_s: float,
    max_chars: int,
) -> AsyncIterator[str]:
    """Poll the store (workers may be other processes) and emit each job whose record changed.

    Async: an idle stream holds no thread; store reads run briefly in the thread pool. The stream ends
    when the client goes away, when its duration passes, or when its job or batch ends."""
    end = time.monotonic() + duration
    since = 0.0
    quiet_since = time.monotonic()
    yield ": inkframe job events\n\n"
    if job_id is not None:  # the short id the UI shows is looked up once, not on every poll
        try:
            job_id = await run_in_threadpool(service.resolve_id, job_id)
        except (JobNotFoundError, JobActionError) as exc:
            yield f"event: error\ndata: {json.dumps({'message': str(exc)})}\n\n"
            return
    while time.monotonic() < end:
        if await request.is_disconnected():
            return
        if job_id is not None:
            try:
                job = await run_in_threadpool(service.get, job_id)
            except JobNotFoundError as exc:
                yield f"event: error\ndata: {json.dumps({'message': str(exc)})}\n\n"
                return
            changed = [job] if job.updated_at > since else []
        else:
            query = JobQuery(batch_id=batch_id, updated_since=since, limit=1000)
            changed = (await run_in_threadpool(service.list, query)).items
        for job in sorted(changed, key=lambda j: j.updated_at):
            since = max(since, job.updated_at)
            quiet_since = time.monotonic()
            data = clip_job(job, max_chars, parameters=False).model_dump_json()
            yield f"event: job\nid: {job.updated_at:.6f}\ndata: {data}\n\n"
        if job_id is not None and changed and changed[0].terminal:
            return
        if batch_id is not None and changed and await run_in_threadpool(_batch_done, service, batch_id):
            summary = await run_in_threadpool(service.batch, batch_id)
            yield f"event: batch\ndata: {summary.model_dump_json()}\n\n"
            return
        if time.monotonic() - quiet_since >= keepalive_s:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(EVENT_POLL_S)


def _batch_done(service: QueueService, batch_id: str) -> bool:
    try:
        return service.batch(batch_id).done
    except JobActionError:
        return False


def create_api(service: QueueService, *, auth_token: str | None = None) -> FastAPI:
    """A standalone FastAPI app serving the queue API (docs at /api/docs)."""
    app = FastAPI(
        title="Inkframe Studio queue API",
        version="1",
        docs_url=None,
        openapi_url=None,
        redoc_url=None,
        description="Batch jobs over ComfyUI backends. Statuses: " + ", ".join(JOB_STATUSES) + ".",
    )
    install_error_handlers(app, max_chars=service.config.security.max_error_chars)
    app.include_router(build_router(service, auth_token=auth_token))
    install_docs(app, prefix=PREFIX, title=app.title, token=auth_token)
    return app
