"""Fuzz the queue API with schemathesis against its own OpenAPI schema (bounded examples per operation)."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from app.api.routes import create_api
from app.config import Config
from app.jobs.models import JobSpec
from app.services.queue_service import QueueService

MAX_EXAMPLES = 15
TOKEN = "fuzz-token"
# A submission the schema allows can still name a dependency or a workflow file that does not exist
# (or form a cycle): that is a 422 naming the field, by design, so "valid data must be accepted"
# cannot hold there; those 422s must come from these checks and name the field.
SEMANTIC = {("POST", "/api/jobs"), ("POST", "/api/batches")}


def test_api_honours_its_schema(tmp_path: Path):
    config = Config.model_validate(
        {"app": {"output_dir": str(tmp_path / "out")}, "queue": {"sqlite_path": str(tmp_path / "jobs.db")}}
    )
    service = QueueService(config)
    service.submit([JobSpec(kind="collect", key="seed", batch_id="seed")])
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", create_api(service, auth_token=TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )  # the schema needs the token too
    tested = []
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path == "/api/events":  # a stream that runs until its duration: covered in test_api_queue
                continue

            excluded = [positive_data_acceptance] if (operation.method.upper(), operation.path) in SEMANTIC else []

            @given(case=operation.as_strategy())
            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def check(case):
                response = case.call_and_validate(
                    headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=excluded
                )
                if response.status_code == 422 and excluded:
                    body = response.json()
                    assert body["detail"][0]["type"] == "submission", body
                    # fields only the kinds can judge (files that must exist, links inside the batch)
                    field = str(body["detail"][0]["loc"][-1])
                    # ... and files outside the studio's folders, endpoints the config does not name (app.api.trust)
                    trusted = field in ("prompt", "library") or field.endswith(("_path", "_url"))
                    assert (
                        field in ("depends_on", "workflow", "key", "script", "story_path")
                        or trusted
                        or "cycle" in body["message"]
                    ), body

            check()
            tested.append(f"{operation.method.upper()} {operation.path}")
    finally:
        service.close()
    assert len(tested) >= 10, tested
