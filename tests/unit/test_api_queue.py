"""The queue REST API through FastAPI's TestClient (no worker runs: jobs stay queued unless a test runs one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.routes import create_api
from app.config import Config
from app.jobs.models import JobOutput
from app.services.queue_service import QueueService

PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
}


@pytest.fixture
def service(tmp_path: Path):
    config = Config.model_validate(
        {"app": {"output_dir": str(tmp_path / "out")}, "queue": {"sqlite_path": str(tmp_path / "jobs.db")}}
    )
    service = QueueService(config)
    yield service
    service.close()


@pytest.fixture
def client(service: QueueService) -> TestClient:
    return TestClient(create_api(service))


def test_submit_status_list_and_filters(client: TestClient):
    created = client.post("/api/jobs", json={"kind": "prompt", "parameters": {"prompt": PROMPT}, "priority": 4})
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["status"] == "queued" and job["priority"] == 4
    assert client.get(f"/api/jobs/{job['id']}").json()["id"] == job["id"]
    batch = client.post(
        "/api/batches",
        json={
            "batch_id": "b1",
            "jobs": [{"kind": "collect", "key": "a"}, {"kind": "collect", "key": "b", "depends_on": ["a"]}],
        },
    )
    assert batch.status_code == 201 and batch.json()["batch_id"] == "b1"
    assert client.get("/api/jobs", params={"batch_id": "b1"}).json()["total"] == 2
    assert client.get("/api/jobs", params={"kind": "prompt"}).json()["total"] == 1
    assert client.get("/api/jobs", params={"status": ["queued", "running"], "limit": 1}).json()["total"] == 3
    assert client.get("/api/batches/b1").json()["counts"]["queued"] == 2
    changed = client.patch("/api/batches/b1", json={"priority": -3}).json()
    assert [job["priority"] for job in changed["changed"]] == [-3, -3] and changed["skipped"] == []


def test_bad_fields_answer_422_naming_the_field(client: TestClient):
    response = client.post("/api/jobs", json={"kind": "prompt", "parameters": {"prompt": PROMPT}, "priority": 1000})
    assert response.status_code == 422
    assert response.json()["message"].startswith("priority: Input should be less than or equal to 100")
    response = client.post("/api/jobs", json={"kind": "prompt", "parameters": {"prompt": PROMPT}, "colour": "red"})
    assert response.status_code == 422 and response.json()["message"].startswith(
        "colour: Extra inputs are not permitted"
    )
    response = client.post("/api/jobs", json={"kind": "nope"})
    assert response.status_code == 422 and response.json()["message"].startswith("kind: Input tag 'nope'")
    response = client.post(
        "/api/batches", json={"jobs": [{"kind": "collect"}, {"kind": "prompt", "parameters": {"prompt": {}}}]}
    )
    assert response.status_code == 422 and response.json()["message"].startswith(
        "jobs.1.parameters.prompt: Dictionary should have at least 1 item"
    )
    response = client.post(
        "/api/batches", json={"jobs": [{"kind": "collect"}, {"kind": "collect", "depends_on": ["ghost"]}]}
    )
    assert response.status_code == 422 and "depends_on 'ghost'" in response.json()["message"]
    assert response.json()["detail"][0]["loc"] == ["body", "jobs", 1, "depends_on"]
    response = client.post("/api/jobs", json={"kind": "workflow", "parameters": {"workflow": "no_such_flow"}})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "parameters", "workflow"]
    assert "no_such_flow" in response.json()["message"]
    assert client.get("/api/jobs", params={"status": "exploded"}).status_code == 422
    assert client.get("/api/jobs").json()["total"] == 0


def test_control_actions_and_conflicts(client: TestClient):
    job = client.post("/api/jobs", json={"kind": "collect"}).json()
    assert client.post(f"/api/jobs/{job['id']}/pause").json()["status"] == "paused"
    assert client.patch(f"/api/jobs/{job['id']}", json={"priority": 9}).json()["priority"] == 9
    assert client.post(f"/api/jobs/{job['id']}/resume").json()["status"] == "queued"
    assert client.post(f"/api/jobs/{job['id']}/cancel").json()["status"] == "cancelled"
    conflict = client.post(f"/api/jobs/{job['id']}/pause")
    assert conflict.status_code == 409 and "only queued jobs can be paused" in conflict.json()["message"]
    assert client.post(f"/api/jobs/{job['id']}/explode").status_code == 422
    missing = client.get("/api/jobs/nope")
    assert missing.status_code == 404 and "no job with id 'nope'" in missing.json()["message"]


def test_outputs_are_listed_and_downloadable(client: TestClient, service: QueueService):
    job = client.post("/api/jobs", json={"kind": "collect"}).json()
    target = service.output_dir / "jobs" / job["id"]
    target.mkdir(parents=True)
    (target / "2_00.png").write_bytes(b"png bytes")
    service.store.mutate(
        job["id"],
        lambda cur: cur.model_copy(
            update={
                "status": "succeeded",
                "outputs": [JobOutput(node_id="2", filename="x_00001_.png", path=f"jobs/{job['id']}/2_00.png")],
            }
        ),
    )
    [link] = client.get(f"/api/jobs/{job['id']}/outputs").json()
    assert link["url"] == f"/api/jobs/{job['id']}/outputs/0"
    assert client.get(link["url"]).content == b"png bytes"
    assert client.get(f"/api/jobs/{job['id']}/outputs/3").status_code == 409


def test_progress_stream_sends_job_events(client: TestClient):
    job = client.post("/api/jobs", json={"kind": "collect"}).json()
    client.post(f"/api/jobs/{job['id']}/cancel")
    with client.stream("GET", "/api/events", params={"job_id": job["id"], "duration": 5}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    assert "event: job" in text and '"status":"cancelled"' in text
    client.post("/api/batches", json={"batch_id": "sb", "jobs": [{"kind": "collect"}, {"kind": "collect"}]})
    client.post("/api/batches/sb/cancel")
    with client.stream("GET", "/api/events", params={"batch_id": "sb", "duration": 30}) as response:
        text = "".join(response.iter_text())  # ends by itself: the batch is done
    assert text.count("event: job") == 2 and text.rstrip().splitlines()[-1].startswith('data: {"batch_id":"sb"')


def test_token_is_required_when_configured(service: QueueService):
    client = TestClient(create_api(service, auth_token="s3cret"))
    assert client.get("/api/jobs").status_code == 401
    assert client.get("/api/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/jobs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/api/openapi.json").status_code == 401  # the docs need the token too
    schema = client.get("/api/openapi.json", headers={"Authorization": "Bearer s3cret"}).json()
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_config_demands_a_token_off_loopback():
    from app.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="requires app.auth_token"):
        load_config(environ={"INKFRAME__APP__HOST": "0.0.0.0"})


def test_the_short_id_the_ui_shows_is_accepted(client: TestClient, service: QueueService):
    from app.jobs.models import Job
    from app.ui.queue_view import short_id

    job = client.post("/api/jobs", json={"kind": "prompt", "parameters": {"prompt": PROMPT}}).json()
    shown = short_id(job["id"])
    assert len(shown) == 8
    assert client.get(f"/api/jobs/{shown}").json()["id"] == job["id"]
    assert client.post(f"/api/jobs/{shown}/pause").json()["status"] == "paused"
    assert client.get(f"/api/jobs/{shown}/outputs").json() == []
    # a child job (parent id '.' digest) is shown and found part by part
    stamp = 1.0
    service.store.add(
        [
            Job(id="feedc0de" + "0" * 24 + ".aaaa1111" + "2" * 20, kind="collect", created_at=stamp, updated_at=stamp),
            Job(id="feedc0de" + "0" * 24 + ".bbbb1111" + "2" * 20, kind="collect", created_at=stamp, updated_at=stamp),
        ]
    )
    child = client.get("/api/jobs/feedc0de.aaaa1111")
    assert child.status_code == 200 and child.json()["id"].endswith(".aaaa1111" + "2" * 20)
    ambiguous = client.get("/api/jobs/feedc0de.aaaa")
    assert ambiguous.status_code == 200  # still unique
    service.store.add(
        [Job(id="feedc0de" + "1" * 24 + ".aaaa9999" + "2" * 20, kind="collect", created_at=stamp, updated_at=stamp)]
    )
    ambiguous = client.get("/api/jobs/feedc0de.aaaa")
    assert ambiguous.status_code == 409 and "2 jobs start with" in ambiguous.json()["message"]
    assert client.get("/api/jobs/0000ffff").status_code == 404
    assert client.get("/api/jobs/abc").status_code == 404  # too short to look up
