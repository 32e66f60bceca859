"""The Workflows tab in Chromium: add your own workflow by upload and queue it without a restart; help
texts belong to their workflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import REPO_ROOT
from tests.browser.studio_page import open_studio, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HELP = "Describe the harbour scene in a sentence."


def own_workflow(folder: Path) -> Path:
    """The built-in background workflow with a help text on its Prompt, saved under an unsafe name."""
    data = json.loads((REPO_ROOT / "workflows" / "background.json").read_text())
    for node in data["nodes"]:
        parameter = node.get("properties", {}).get("inkframe_parameter")
        if parameter and parameter["name"] == "prompt":
            parameter["description"] = HELP
    path = folder / "My Harbour (v2).json"
    path.write_text(json.dumps(data))
    return path


def pick(page, label: str) -> None:
    page.locator("#workflows-workflow input").click()
    page.get_by_role("option", name=label, exact=True).click()


def test_an_uploaded_workflow_gets_its_form_and_queues_without_a_restart(studio, page, tmp_path):
    open_studio(page, studio.url)
    open_tab(page, "workflows")
    page.locator("#workflows-add").get_by_text("Add your own workflow").click()
    page.locator("#workflows-upload input[type=file]").set_input_files(str(own_workflow(tmp_path)))
    page.locator("#workflows-upload-status").get_by_text("Added my_harbour_v2").wait_for()
    tab = page.locator("#tab-workflows")
    tab.get_by_text(HELP).wait_for()  # picked at once, its form shows the workflow's own help
    assert page.locator("#workflows-workflow input").input_value() == "my_harbour_v2 (yours)"

    pick(page, "background")
    page.wait_for_function(f"() => !document.querySelector('#tab-workflows').innerText.includes({json.dumps(HELP)})")
    pick(page, "my_harbour_v2 (yours)")
    tab.get_by_text(HELP).wait_for()

    page.locator("#workflows-param-prompt textarea").fill("a harbour at dusk, gulls over the boats")
    page.locator("#workflows-submit").click()
    status = page.locator("#workflows-status")
    status.get_by_text("Queued job").wait_for()
    shown = status.locator("code").inner_text().strip()
    job = page.request.get(studio.url + f"api/jobs/{shown}").json()
    assert job["kind"] == "workflow" and job["parameters"]["workflow"].endswith("workflows/my_harbour_v2.json")
    assert job["parameters"]["overrides"]["prompt"] == "a harbour at dusk, gulls over the boats"
    assert (studio.output_dir.parent / "data" / "workflows" / "my_harbour_v2.json").is_file()
    # no backend answers: the live panel under the form says the job waits, and its Cancel stops it
    live = page.locator(f"#workflows-live-progress .live-progress[data-job='{job['id']}']")
    live.wait_for()
    assert live.get_attribute("data-status") == "queued"
    page.locator("#workflows-live-cancel").click()
    page.locator("#workflows-live-progress .live-progress[data-status='cancelled']").wait_for()
    assert page.request.get(studio.url + f"api/jobs/{shown}").json()["status"] == "cancelled"
    page.locator("#workflows-live-cancel").wait_for(state="hidden")

    # a file that is no workflow is refused with one sentence, and nothing is added
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": "world"}')
    page.locator("#workflows-upload input[type=file]").set_input_files(str(bad))
    page.locator("#workflows-upload-status .inkframe-errors, #workflows-upload-status").get_by_text(
        "notes.json"
    ).first.wait_for()
    assert not (studio.output_dir.parent / "data" / "workflows" / "notes.json").exists()
