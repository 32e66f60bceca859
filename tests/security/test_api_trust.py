"""Probes 3 and 4: requests name only files inside the studio's folders and only configured endpoints;
outputs are written and served only inside the output folder."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.config import Config, load_config
from app.jobs.models import Job, JobOutput
from app.jobs.runner_follow import save_outputs
from app.jobs.store_factory import open_job_store
from app.llm import LLMSettings
from tests.security.images import tiny_png

OUTSIDE = "must name a path inside the studio's folders"


def submit(client, kind: str, parameters: dict):
    return client.post("/api/jobs", json={"kind": kind, "parameters": parameters})


@pytest.mark.parametrize(
    "kind,key,base",
    [
        ("story", "story_path", {"pages": 1}),
        ("book", "script", {}),
        ("book", "library", {"script": "x"}),
        ("workflow", "workflow", {}),
        ("story", "bible_path", {"story_text": "x", "pages": 1}),
    ],
)
def test_outside_files_are_refused_alike(studio, kind, key, base):
    """/etc/passwd (exists) and a missing file get the same 422: the answer tells nothing about the disk."""
    script = studio.root / "library" / "issue0.txt"
    script.write_text("PAGE 1\n")
    base = {k: str(script) if v == "x" else v for k, v in base.items()}
    with studio.client() as client:
        answers = [
            submit(client, kind, {**base, key: path})
            for path in (
                "/etc/passwd",
                "/etc/no-such-file-here",
                str(studio.config_path),
                "outputs/../../../../etc/passwd",
            )
        ]
    for response in answers:
        assert response.status_code == 422, response.text
        assert OUTSIDE in response.json()["message"] and response.json()["detail"][0]["loc"][-1] == key
    assert len({response.json()["message"] for response in answers}) == 1


def test_files_inside_the_studio_are_accepted(studio):
    script = studio.root / "library" / "issue1.txt"
    script.write_text("PAGE 1\n\nPanel 1\nA room.\n")
    with studio.client() as client:
        response = submit(client, "book", {"script": str(script)})
        story = submit(client, "story", {"story_text": "Once.", "pages": 1})
    assert response.status_code == 201, response.text
    assert story.status_code == 201, story.text


@pytest.mark.parametrize("kind,key", [("story", "llm_url"), ("book", "comfyui_url")])
def test_unconfigured_endpoints_are_refused(studio, kind, key):
    base = (
        {"story_text": "x", "pages": 1} if kind == "story" else {"script": str(studio.root / "library" / "issue0.txt")}
    )
    with studio.client() as client:
        response = submit(client, kind, {**base, key: "http://attacker.example:8080/v1"})
    assert response.status_code == 422 and "endpoints config.yaml names" in response.json()["message"]
    assert response.json()["detail"][0]["loc"][-1] == key


def test_configured_backend_is_accepted(studio):
    with studio.client() as client:
        response = submit(client, "story", {"story_text": "x", "pages": 1, "comfyui_url": "http://127.0.0.1:9/"})
    assert response.status_code == 201, response.text


def test_llm_key_goes_only_to_its_endpoint():
    llm = Config.model_validate({"llm": {"url": "http://127.0.0.1:8080/v1", "api_key": "sk-secret"}}).llm
    assert LLMSettings.from_config(llm).api_key == "sk-secret"
    assert LLMSettings.from_config(llm, url="http://127.0.0.1:8080/v1/").api_key == "sk-secret"
    assert LLMSettings.from_config(llm, url="http://attacker.example/v1").api_key is None


@pytest.mark.parametrize("node_id", ["../../../../x", "..", "a/b", "a\\b"])
def test_prompt_node_ids_are_names(studio, node_id):
    prompt = {node_id: {"class_type": "SaveImage", "inputs": {"filename_prefix": "x"}}}
    with studio.client() as client:
        response = submit(client, "prompt", {"prompt": prompt})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "prompt", response.text


def test_saved_output_names_stay_in_the_job_folder(tmp_path):
    files = [
        SimpleNamespace(node_id="../../../../escape", filename="x.png", kind="image", data=tiny_png(1)),
        SimpleNamespace(node_id="9", filename="y/../../z.p/ng", kind="image", data=tiny_png(2)),
    ]
    saved = save_outputs(files, "job1", tmp_path / "out")
    for output in saved:
        path = (tmp_path / "out" / output.path).resolve()
        assert path.is_relative_to((tmp_path / "out" / "jobs" / "job1").resolve()), output.path
    assert not list(tmp_path.glob("escape*")) and [o.path.split("/")[-1] for o in saved] == [
        "escape_00.png",
        "9_00.bin",
    ]


def test_outputs_outside_the_output_folder_are_not_served(studio):
    config = load_config(studio.config_path, environ={})
    store = open_job_store(config)
    try:
        store.add(
            [
                Job(
                    id="evil-output",
                    kind="collect",
                    status="succeeded",
                    created_at=1.0,
                    updated_at=1.0,
                    outputs=[JobOutput(node_id="x", filename="secret.txt", path="../secret.txt", kind="file")],
                )
            ]
        )
    finally:
        store.close()
    with studio.client() as client:
        response = client.get("/api/jobs/evil-output/outputs/0")
    assert response.status_code == 409 and "the-secret-content" not in response.text
