"""Probe 1: files read through the Gradio UI. Only uploaded files and the studio's outputs/library may be read."""

from __future__ import annotations

import json

import httpx
from PIL import Image

FILE_DATA = {"meta": {"_type": "gradio.FileData"}}


def call(client: httpx.Client, api_name: str, data: list) -> tuple[str, str]:
    """(event, data) of a Gradio API call: POST /gradio_api/call/<name>, then read its event stream."""
    started = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    text = client.get(f"/gradio_api/call/{api_name}/{event_id}", timeout=60).text
    events = [block for block in text.split("\n\n") if block.strip()]
    last = events[-1].splitlines()
    return last[0].removeprefix("event: "), "\n".join(line.removeprefix("data: ") for line in last[1:])


def test_text_input_cannot_read_the_config(studio):
    with studio.client() as client:
        event, data = call(client, "read_upload", [{"path": str(studio.config_path), **FILE_DATA}])
    assert event == "error" and "output_dir" not in data


def test_text_input_cannot_read_any_file(studio):
    with studio.client() as client:
        event, data = call(client, "read_upload", [{"path": str(studio.secret_file), **FILE_DATA}])
    assert event == "error" and "the-secret-content" not in data
    assert "not uploaded by a user" in data


def test_uploaded_file_is_read(studio):
    with studio.client() as client:
        uploaded = client.post("/gradio_api/upload", files={"files": ("script.txt", b"PAGE 1\n")})
        assert uploaded.status_code == 200, uploaded.text
        event, data = call(client, "read_upload", [{"path": uploaded.json()[0], **FILE_DATA}])
    assert event == "complete" and "PAGE 1" in data


def file_endpoints(client: httpx.Client) -> dict[str, list]:
    """Every UI event whose inputs hold an Image or File: name -> a payload naming `{path}` in each of them."""
    info = client.get("/gradio_api/info").json()["named_endpoints"]
    found = {}
    for name, spec in info.items():
        components = [parameter.get("component") for parameter in spec["parameters"]]
        if "Image" in components or "File" in components:
            found[name.lstrip("/")] = components
    return found


def test_image_and_file_inputs_cannot_read_outside_files(studio, tmp_path):
    outside = tmp_path / "private.png"
    Image.new("RGB", (8, 8), "red").save(outside)
    with studio.client() as client:
        endpoints = file_endpoints(client)
        assert any("Image" in components for components in endpoints.values()), endpoints
        for name, components in endpoints.items():
            data = [{"path": str(outside), **FILE_DATA} if kind in ("Image", "File") else None for kind in components]
            event, answer = call(client, name, data)
            assert event == "error" and "not uploaded by a user" in answer, (name, event, answer)


def test_file_route_serves_only_studio_folders(studio):
    inside = studio.root / "outputs" / "page.png"
    Image.new("RGB", (4, 4)).save(inside)
    library = studio.root / "library" / "face.png"
    Image.new("RGB", (4, 4)).save(library)
    with studio.client() as client:
        assert client.get(f"/gradio_api/file={inside}").status_code == 200
        assert client.get(f"/gradio_api/file={library}").status_code == 200
        for path in (studio.secret_file, studio.config_path, studio.root / "data" / "jobs.db", "/etc/passwd"):
            response = client.get(f"/gradio_api/file={path}")
            assert response.status_code == 403 and "the-secret-content" not in response.text, path


def test_gradio_root_openapi_is_not_served(studio):
    with studio.client() as client:
        response = client.get("/openapi.json")
    assert response.status_code != 200 or "paths" not in json.loads(response.text or "{}")
