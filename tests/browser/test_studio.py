"""The studio in a real browser (Debian's Chromium via Playwright), with no ComfyUI reachable."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.studio_page import TAB_IDS, open_studio, open_tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def collect_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def error_toasts(page) -> str:
    """The text of Gradio's error pop-ups (an exception in a handler shows there, not in the console)."""
    toasts = page.locator(".toast-wrap")
    return toasts.inner_text() if toasts.count() else ""


def test_every_tab_renders_without_console_errors(studio, page):
    errors = collect_errors(page)
    open_studio(page, studio.url)
    banner = page.locator("#backend-banner").inner_text()
    assert "Cannot reach ComfyUI" in banner
    for tab in TAB_IDS:
        open_tab(page, tab)
        panel = page.locator(f"#tab-{tab}")
        assert panel.is_visible()
        assert panel.inner_text().strip(), f"the {tab} tab is empty"
    page.wait_for_timeout(2500)  # one queue refresh tick
    assert errors == []
    assert "Error" not in error_toasts(page)
    assert "Traceback" not in studio.log_path.read_text()


def test_tabs_that_need_comfyui_say_so(studio, page):
    open_studio(page, studio.url)
    for tab in ("comic", "workflows", "queue"):
        open_tab(page, tab)
        notice = page.locator(f"#{tab}-backend-notice")
        notice.wait_for(state="visible")
        assert "Generating on this tab needs ComfyUI" in notice.inner_text()
    open_tab(page, "settings")  # the capability table says why it is empty, in one sentence
    page.locator("#settings-capability-notes").get_by_text("Cannot reach ComfyUI at").wait_for()


def test_script_errors_show_while_typing(studio, page):
    open_studio(page, studio.url)
    editor = page.locator("#comic-script .cm-content")
    editor.click()
    page.keyboard.type("Title: Test\nPAGE 1\nPANEL 1. A street.\nPAGE two\n")
    status = page.locator("#comic-script-status")
    # the check follows the typing: wait for the whole heading (a busy machine may show 'PAGE tw' for a moment)
    page.wait_for_function("document.querySelector('#comic-script-status').innerText.includes('PAGE two')")
    assert "line 4" in status.inner_text()
    page.locator("#comic-load-sample").click()
    status.get_by_text("The Last Lamp").wait_for()
    assert re.search(r"\d+ pages, \d+ panels", status.inner_text())


def make_panels(folder: Path, count: int) -> list[Path]:
    colours = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 180, 40), (120, 40, 160), (40, 180, 180)]
    paths = []
    for index in range(count):
        path = folder / f"panel-{index + 1}.png"
        Image.new("RGB", (600, 800), colours[index % len(colours)]).save(path)
        paths.append(path)
    return paths


def pdf_page_count(path: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def test_compose_uploaded_panels_and_download_the_pdf(studio, page, tmp_path):
    errors = collect_errors(page)
    open_studio(page, studio.url)
    page.locator("#compose-use-script input").uncheck()
    page.locator("#compose-files input[type=file]").set_input_files([str(p) for p in make_panels(tmp_path, 5)])
    page.locator("#compose-files").get_by_text("panel-5", exact=True).wait_for()
    page.locator("#compose-button").click()
    page.locator("#compose-status").get_by_text("Composed 2 pages").wait_for()
    page.locator("#compose-preview img").wait_for()
    page.locator("#export-button").click()
    link = page.locator("#export-files a[download$='.pdf']")
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pdf_page_count(saved) == 2
    assert errors == []


def test_lettering_can_be_edited_on_the_page_preview(studio, page, tmp_path):
    open_studio(page, studio.url)
    page.locator("#comic-load-sample").click()
    page.locator("#comic-script-status").get_by_text("The Last Lamp").wait_for()
    page.locator("#compose-files input[type=file]").set_input_files([str(p) for p in make_panels(tmp_path, 4)])
    page.locator("#compose-files").get_by_text("panel-4", exact=True).wait_for()
    page.locator("#compose-button").click()
    page.locator("#compose-status").get_by_text("The Last Lamp").wait_for()
    table = page.locator("#compose-balloons")
    table.get_by_text("Hold the light steady!").wait_for()
    page.locator("#compose-balloon input").click()
    page.get_by_role("option", name=re.compile("MAYA: Hold the light")).click()
    text = page.locator("#compose-balloon-text textarea")
    page.wait_for_function(
        "document.querySelector('#compose-balloon-text textarea').value.includes('Hold the light steady')"
    )
    text.fill("Fix the lamp, now!")
    page.locator("#compose-balloon-kind input").click()
    page.get_by_role("option", name="shout", exact=True).click()
    page.locator("#compose-apply").click()
    table.get_by_text("Fix the lamp, now!").wait_for()
    assert "shout" in table.inner_text()
    confirmation = page.locator("#compose-status").inner_text()  # Apply says what it changed
    assert "Updated balloon" in confirmation and "shout “Fix the lamp, now!”" in confirmation
    motion = page.locator("#export-motion")
    if motion.count():  # the motion comic's label says the size the CLI makes too
        assert "1920x1080" in motion.inner_text()


def test_phone_width_has_no_sideways_scroll(studio, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        open_studio(page, studio.url)
        for tab in ("queue", "comic"):
            open_tab(page, tab)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the {tab} tab is {width}px wide at a 390px viewport"
    finally:
        context.close()


def test_face_swap_finds_faces_and_insists_on_consent(studio, page):
    insightface = pytest.importorskip("insightface")
    photo = Path(insightface.__file__).parent / "data" / "images" / "t1.jpg"
    if not photo.is_file():
        pytest.skip(f"insightface's sample photo {photo} is not installed")
    open_studio(page, studio.url)
    open_tab(page, "faceswap")
    page.locator("#faceswap-target input[type=file]").set_input_files(str(photo))
    page.locator("#faceswap-target").get_by_text("t1", exact=True).wait_for()
    page.locator("#faceswap-find").click()
    page.locator("#faceswap-status").get_by_text("Found").wait_for(timeout=60_000)
    assert page.locator("#faceswap-faces img").count() >= 2
    page.locator("#faceswap-faces img").first.click()
    page.locator("#faceswap-status").get_by_text("picked as the reference").wait_for()
    page.locator("#faceswap-sources input[type=file]").set_input_files(str(photo))
    page.locator("#faceswap-sources").get_by_text("t1", exact=True).wait_for()
    page.locator("#faceswap-run").click()
    page.locator("#faceswap-status").get_by_text("consent").wait_for()


def test_building_without_comfyui_says_why(studio, page):
    open_studio(page, studio.url)
    build = page.locator("#comic-build")
    assert not build.is_visible()  # generation controls appear only once the script can be built
    assert page.locator("#comic-generate-hint").is_visible()
    page.locator("#comic-load-sample").click()
    page.locator("#comic-script-status").get_by_text("The Last Lamp").wait_for()
    build.wait_for(state="visible")
    assert not page.locator("#comic-generate-hint").is_visible()
    build.click()
    log = page.locator("#comic-build-log")
    log.get_by_text("ComfyUI").first.wait_for(timeout=60_000)
    assert "inkframe-errors" in log.inner_html()


def test_motion_pose_preview_reports_a_reference_without_a_person(studio, page, tmp_path):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    open_studio(page, studio.url)
    open_tab(page, "motion")
    clip = tmp_path / "pattern.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10:duration=1",
            "-pix_fmt",
            "yuv420p",
            str(clip),
        ],
        check=True,
    )
    page.locator("#motion-reference input[type=file]").set_input_files(str(clip))
    page.locator("#motion-reference").get_by_text("pattern", exact=True).wait_for()
    page.locator("#motion-run").click()
    page.locator("#motion-status").get_by_text("No person detected").wait_for(timeout=90_000)


def test_a_character_is_saved_to_the_library(studio, page, tmp_path):
    open_studio(page, studio.url)
    open_tab(page, "characters")
    page.locator("#characters-library-form").get_by_text("Add or update a character").click()
    page.locator("#characters-name input, #characters-name textarea").first.fill("Maya")
    page.locator("#characters-description textarea").fill("lighthouse keeper, red raincoat")
    page.locator("#characters-photos input[type=file]").set_input_files([str(p) for p in make_panels(tmp_path, 1)])
    page.locator("#characters-photos").get_by_text("panel-1", exact=True).wait_for()
    page.locator("#characters-save").click()
    page.locator("#characters-library-status").get_by_text("Saved Maya").wait_for()
    page.wait_for_function("document.querySelector('#characters-library-table').innerText.includes('red raincoat')")
    assert page.locator("#characters-library img").count() >= 1


def test_a_preset_saves_and_restores_settings(studio, page):
    open_studio(page, studio.url)
    page.locator("#compose-dpi input").fill("300")
    page.locator("#compose-dpi input").press("Enter")
    open_tab(page, "settings")
    page.locator("#settings-preset-name input, #settings-preset-name textarea").first.fill("print")
    page.locator("#settings-preset-save").click()
    page.locator("#settings-preset-status").get_by_text("Saved preset print").wait_for()
    open_tab(page, "comic")
    page.locator("#compose-dpi input").fill("96")
    page.locator("#compose-dpi input").press("Enter")
    open_tab(page, "settings")
    page.locator("#settings-preset-load").click()
    page.locator("#settings-preset-status").get_by_text("Loaded preset print").wait_for()
    open_tab(page, "comic")
    page.wait_for_function("document.querySelector('#compose-dpi input').value === '300'")
