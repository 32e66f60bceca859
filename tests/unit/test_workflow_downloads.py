"""scripts/download_models.py logic against a loopback HTTP server serving a generated file."""

from __future__ import annotations

import hashlib
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from app.workflows.errors import WorkflowError
from app.workflows.manifest import ModelEntry, load_manifest
from app.workflows.model_download import download_model, write_extra_model_paths

PAYLOAD = os.urandom(3 * 1024 * 1024 + 123)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(BaseHTTPRequestHandler):
    cut_after: int | None = None  # serve this many bytes of the body, then drop the connection
    requests: list[str | None] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.requests.append(self.headers.get("Range"))
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            if start >= len(PAYLOAD):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if Handler.cut_after is not None:
            self.wfile.write(body[: Handler.cut_after])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


@pytest.fixture()
def server():
    Handler.cut_after, Handler.requests = None, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def entry(url: str, sha: str | None = SHA, size: int | None = len(PAYLOAD)) -> ModelEntry:
    return ModelEntry(
        name="tiny.safetensors", folder="checkpoints", url=f"{url}/tiny.safetensors", sha256=sha, size=size
    )


def test_download_verifies_and_places_file(server: str, tmp_path: Path) -> None:
    result = download_model(entry(server), tmp_path, timeout=5)
    assert result.status == "downloaded" and result.verified
    assert (tmp_path / "checkpoints" / "tiny.safetensors").read_bytes() == PAYLOAD
    assert download_model(entry(server), tmp_path, timeout=5).status == "present"


def test_cut_download_keeps_part_and_resumes_with_range(server: str, tmp_path: Path) -> None:
    Handler.cut_after = 1024 * 1024
    with pytest.raises(
        WorkflowError,
        match=r"^The download of tiny.safetensors was cut after 1048576 bytes \(\w+\); "
        r"run the command again to resume it.$",
    ):
        download_model(entry(server), tmp_path, timeout=5)
    part = tmp_path / "checkpoints" / "tiny.safetensors.part"
    assert part.stat().st_size == 1024 * 1024
    Handler.cut_after = None
    result = download_model(entry(server), tmp_path, timeout=5)
    assert result.status == "resumed"
    assert Handler.requests[-1] == "bytes=1048576-"
    assert (tmp_path / "checkpoints" / "tiny.safetensors").read_bytes() == PAYLOAD
    assert not part.exists()


def test_checksum_mismatch_removes_partial_file(server: str, tmp_path: Path) -> None:
    bad = "0" * 64
    with pytest.raises(
        WorkflowError,
        match=r"^tiny.safetensors failed its checksum "
        r"\(sha256 [0-9a-f]{12}\.\.\. instead of 000000000000\.\.\.\); "
        r"the corrupt file was removed, run the command again.$",
    ):
        download_model(entry(server, sha=bad), tmp_path, timeout=5)
    assert not (tmp_path / "checkpoints" / "tiny.safetensors.part").exists()
    assert not (tmp_path / "checkpoints" / "tiny.safetensors").exists()


def test_unverified_entry_downloads_and_says_so(server: str, tmp_path: Path) -> None:
    result = download_model(entry(server, sha=None, size=None), tmp_path, timeout=5)
    assert not result.verified and result.path.read_bytes() == PAYLOAD


def test_unreachable_host_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError) as caught:
        download_model(entry("http://127.0.0.1:9"), tmp_path, timeout=2)
    assert str(caught.value) == (
        "Cannot download tiny.safetensors: 127.0.0.1:9 refused the connection; "
        "check the connection and run the command again."
    )


def test_an_unresolvable_host_says_offline_not_the_raw_error(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError) as caught:
        download_model(entry("https://no-such-host.invalid"), tmp_path, timeout=5)
    message = str(caught.value)
    assert message == (
        "Cannot download tiny.safetensors: the host name no-such-host.invalid cannot be resolved (this "
        "computer looks offline, or its DNS does not answer); check the connection and run the command again."
    )
    assert "HTTPSConnectionPool" not in message and "NameResolutionError" not in message
    assert not (tmp_path / "checkpoints" / "tiny.safetensors.part").exists()


def test_the_script_prints_one_line_for_an_offline_download(tmp_path: Path) -> None:
    import subprocess
    import sys

    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "models": [
                    {
                        "name": "tiny.safetensors",
                        "folder": "checkpoints",
                        "url": "https://no-such-host.invalid/tiny.safetensors",
                        "licence": "test",
                    }
                ]
            }
        )
    )
    script = Path(__file__).resolve().parents[2] / "scripts" / "download_models.py"
    done = subprocess.run(
        [sys.executable, str(script), "--manifest", str(manifest), "--dest", str(tmp_path / "models")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == [
        "error: Cannot download tiny.safetensors: the host name no-such-host.invalid cannot be resolved (this "
        "computer looks offline, or its DNS does not answer); check the connection and run the command again."
    ]


def test_extra_model_paths_keeps_other_sections(tmp_path: Path) -> None:
    comfy = tmp_path / "ComfyUI"
    comfy.mkdir()
    (comfy / "extra_model_paths.yaml").write_text("a111:\n  base_path: /sd\n")
    path = write_extra_model_paths(comfy, load_manifest(), tmp_path / "models", tmp_path / "nodes")
    data = yaml.safe_load(path.read_text())
    assert data["a111"] == {"base_path": "/sd"}
    assert data["inkframe"]["base_path"] == str((tmp_path / "models").resolve())
    assert data["inkframe"]["custom_nodes"] == str((tmp_path / "nodes").resolve())
    assert data["inkframe"]["checkpoints"] == "checkpoints"


def test_manifest_entries_are_complete() -> None:
    entries = load_manifest()
    assert {
        "v1-5-pruned-emaonly.safetensors",
        "mm_sd_v15_v2.ckpt",
        "inswapper_128.onnx",
        "GFPGANv1.4.pth",
        "RealESRGAN_x4plus.pth",
    } <= {e.name for e in entries}
    for e in entries:
        assert e.url.startswith("https://") and e.licence
        assert e.sha256 or e.sha256_note, f"{e.name} needs a sha256 or a note saying why not"


def test_bad_manifest_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("models:\n  - name: x.ckpt\n    folder: checkpoints\n")
    with pytest.raises(WorkflowError, match=rf"^Model manifest {bad} entry 1 \(x.ckpt\) lacks url.$"):
        load_manifest(bad)


def test_the_script_downloads_with_progress_into_a_comfyui_models_folder(server: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    comfy = tmp_path / "ComfyUI"
    comfy.mkdir()
    (comfy / "main.py").write_text("")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "models": [
                    {
                        "name": "tiny.safetensors",
                        "folder": "checkpoints",
                        "sha256": SHA,
                        "size": len(PAYLOAD),
                        "url": f"{server}/tiny.safetensors",
                        "licence": "test",
                    }
                ]
            }
        )
    )
    script = Path(__file__).resolve().parents[2] / "scripts" / "download_models.py"
    done = subprocess.run(
        [sys.executable, str(script), "--manifest", str(manifest), "--comfyui", str(comfy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (comfy / "models" / "checkpoints" / "tiny.safetensors").read_bytes() == PAYLOAD
    assert "downloaded, sha256 verified" in done.stdout
    assert "3.00M" in done.stderr or "%" in done.stderr  # the progress bar
