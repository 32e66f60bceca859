"""The workflow form's checkpoint dropdown lists exactly the backend's checkpoints (from its /object_info).

The backend is the contract tier's replay server with the recorded core object_info, whose checkpoint
list is filled with three names (a temp copy of the recorded folder; nothing is written to ../shared).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import start_studio, stop_studio
from tests.browser.studio_page import open_studio, open_tab
from tests.contract.replay_server import ReplayServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHECKPOINTS = ["dreamshaper_8.safetensors", "SD15/anything-v5.safetensors", "tiny-sd15.safetensors"]


@pytest.fixture
def backend(comfy_shared: Path, tmp_path: Path):
    folder = tmp_path / "comfy"
    folder.mkdir()
    (folder / "misc").symlink_to(comfy_shared / "misc")
    info = json.loads((comfy_shared / "object_info.core.json").read_text())
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = list(CHECKPOINTS)
    (folder / "object_info.core.json").write_text(json.dumps(info))
    server = ReplayServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def studio_on_backend(backend, tmp_path, browser):
    (tmp_path / "studio").mkdir()
    process, server = start_studio(tmp_path / "studio", comfyui_url=backend.base_url)
    try:
        yield server
    finally:
        stop_studio(process)


def dropdown_options(page, elem_id: str) -> list[str]:
    field = page.locator(f"#{elem_id} input")
    field.click()
    options = page.locator(f"#{elem_id} [role=option]")
    options.first.wait_for()
    values = [options.nth(index).get_attribute("aria-label") for index in range(options.count())]
    page.keyboard.press("Escape")
    return values


def test_the_checkpoint_dropdown_lists_exactly_the_backends_checkpoints(studio_on_backend, page):
    open_studio(page, studio_on_backend.url)
    open_tab(page, "workflows")
    picker = page.locator("#workflows-workflow input")
    if picker.input_value() != "background":  # picking the shown one again would only re-render the form
        picker.click()
        page.locator("#workflows-workflow [role=option][aria-label=background]").click()
    elem_id = "workflows-param-checkpoint"
    page.wait_for_function(
        f"() => {{ const i = document.querySelector('#{elem_id} input'); return i && !i.disabled && i.value; }}"
    )
    assert sorted(dropdown_options(page, elem_id)) == sorted(CHECKPOINTS)
    # the workflow's own default (the SD1.5 base) is absent: a present one is picked and the form says so once
    value = page.locator(f"#{elem_id} input").input_value()
    assert value in CHECKPOINTS
    note = page.locator("#workflows-models-note")
    assert note.count() == 1
    assert "download_models.py --only" in note.inner_text()
    # the Comic tab's book builds choose from the same list
    open_tab(page, "comic")
    page.locator("#comic-load-sample").click()  # the build controls appear once the script can be built
    page.locator("#comic-build").wait_for(state="visible")
    page.wait_for_function(
        "() => { const i = document.querySelector('#comic-checkpoint input'); return i && i.value; }"
    )
    assert sorted(dropdown_options(page, "comic-checkpoint")) == sorted(CHECKPOINTS)


def test_make_a_clip_says_which_video_model_is_missing_and_how_to_get_one(studio_on_backend, page):
    """A backend without any video model (stock nodes, checkpoints only): the panel strip's "Make a clip" says so
    before the artist picks a panel, with the download commands (the older SVD path and Wan 2.2)."""
    open_studio(page, studio_on_backend.url)
    open_tab(page, "comic")
    page.locator("#comic-clip").get_by_text("Make a clip of the picked panel").click()
    notice = page.locator("#comic-clip-backend-notice")
    notice.get_by_text("Not available here").wait_for()
    text = notice.inner_text()
    assert "Image to video needs node pack ComfyUI-VideoHelperSuite and model svd_xt.safetensors" in text
    assert "download_models.py --only svd_xt.safetensors" in text
    assert "Or use Wan 2.2 TI2V 5B" in text and "--only wan2.2_ti2v_5B_fp16.safetensors" in text
