"""Pure parts of the run service: output folder checks, atomic unique names, names for WS images."""

from pathlib import Path

import pytest

from app.comfy import OutputFile
from app.services.run_service import RunError, ensure_writable_dir, output_filename, unique_path, write_atomic


def test_unwritable_output_folder_is_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunError) as info:
        ensure_writable_dir(blocker / "out")
    assert str(info.value).startswith(f"output folder {blocker / 'out'} cannot be written (")
    assert str(info.value).endswith("); choose another --out.")


def test_writable_folder_is_created_and_left_clean(tmp_path):
    out = ensure_writable_dir(tmp_path / "a" / "b")
    assert out.is_dir() and list(out.iterdir()) == []


def test_unique_path_never_overwrites(tmp_path):
    (tmp_path / "x.png").write_bytes(b"old")
    taken: set[Path] = set()
    first = unique_path(tmp_path, "x.png", taken)
    second = unique_path(tmp_path, "sub/x.png", taken)
    assert (first.name, second.name) == ("x_1.png", "x_2.png")
    write_atomic(first, b"new")
    assert (tmp_path / "x.png").read_bytes() == b"old" and first.read_bytes() == b"new"
    assert not list(tmp_path.glob(".*partial"))


def test_websocket_images_get_a_node_based_name():
    file = OutputFile("7", "frame-3", "", "output", "image", b"", source="websocket", format="PNG")
    assert output_filename(file) == "ws_node7_frame-3.png"
    assert output_filename(OutputFile("9", "a_00001_.png", "", "output", "image", b"")) == "a_00001_.png"


def test_the_comfyui_version_is_asked_once_per_backend() -> None:
    from app.services import run_service

    class Client:
        base_url = "http://127.0.0.1:9/once"
        calls = 0

        def system_stats(self) -> dict:
            Client.calls += 1
            return {"system": {"comfyui_version": "0.3.64"}}

    assert [run_service.comfyui_version(Client()) for _ in range(3)] == ["0.3.64"] * 3 and Client.calls == 1
