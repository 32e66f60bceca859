"""Generation works on a stock ComfyUI, first try: started WITHOUT the project's node pack and with only the tiny
SD1.5 checkpoint, the built-in image workflows run from `main.py run`, `doctor` and Settings show the capability
table (ready / what the rest lacks), and the node pack copied into a ComfyUI's custom_nodes/ loads and runs.

Needs COMFYUI_PATH (+COMFYUI_PYTHON): the tests start their own servers (a COMFYUI_URL server may carry the pack).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.comfy import ComfyClient, ManagedComfyUI
from app.config import LaunchConfig

from .conftest import INTEGRATION_TIMEOUTS
from .launch import torchvision_shim_env
from .sd15_fixture import TINY_CHECKPOINT, comfy_env, sd15_models_dir

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.slow]
STOCK_READY = ("Panel", "Background", "Image to image", "Inpaint")


def start_stock(
    workdir: Path, *, custom_nodes: list[Path] = (), env: dict[str, str] | None = None, extra_args: list[str] = ()
) -> ManagedComfyUI:
    """ComfyUI from $COMFYUI_PATH with --cpu, the tiny checkpoint as its only model and no node pack of this
    repository: ManagedComfyUI is given a stand-in project root whose custom_nodes/ is empty."""
    found = comfy_env()
    if found is None:
        pytest.skip("a stock ComfyUI needs COMFYUI_PATH and COMFYUI_PYTHON (the tests start it without the node pack)")
    path, python = found
    root = workdir / "stand-in-project"
    (root / "custom_nodes").mkdir(parents=True, exist_ok=True)
    checkpoints = root / "models" / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    if not (checkpoints / TINY_CHECKPOINT).exists():
        (checkpoints / TINY_CHECKPOINT).symlink_to(sd15_models_dir() / "checkpoints" / TINY_CHECKPOINT)
    launch = LaunchConfig(path=path, python=python, extra_args=["--cpu", *extra_args])
    server = ManagedComfyUI(
        launch,
        root,
        timeouts=INTEGRATION_TIMEOUTS,
        data_dir=workdir / "data",
        extra_custom_nodes=custom_nodes,
        env={**torchvision_shim_env(python, workdir), **(env or {})},
    )
    server.start()
    return server


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start_stock(tmp_path_factory.mktemp("stock-comfyui"))
    try:
        yield server.url
    finally:
        server.stop()


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def upload(url: str, name: str, *, transparent_corner: bool = False) -> str:
    from PIL import Image

    image = Image.new("RGBA", (64, 64), (200, 120, 40, 255))
    if transparent_corner:  # the region to redraw, painted transparent as ComfyUI's mask editor does
        image.paste((0, 0, 0, 0), (0, 0, 32, 32))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with ComfyClient(url, timeouts=INTEGRATION_TIMEOUTS) as client:
        return client.upload_image(buffer.getvalue(), filename=name, overwrite=True).reference


def test_the_stock_backend_has_no_project_nodes(stock: str) -> None:
    with ComfyClient(stock, timeouts=INTEGRATION_TIMEOUTS) as client:
        info = client.object_info()
    assert not [t for t in info if t.startswith("Inkframe")]
    assert info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] == [TINY_CHECKPOINT]


@pytest.mark.parametrize("name", ["background", "panel", "img2img_restyle", "inpaint_region"])
def test_builtin_workflow_runs_without_the_node_pack(stock: str, name: str, tmp_path: Path) -> None:
    sets = [f"checkpoint={TINY_CHECKPOINT}", "steps=2", "seed=3"]
    if name == "img2img_restyle":
        sets.append(f"image={upload(stock, 'stock_source.png')}")
    if name == "inpaint_region":
        sets.append(f"image={upload(stock, 'stock_inpaint.png', transparent_corner=True)}")
    if name != "inpaint_region":  # the smallest size the form allows keeps the tiny model quick
        sets += ["width=256", "height=256"]
    args = [arg for pair in (("--set", s) for s in sets) for arg in pair]
    result = cli("run", f"workflows/{name}.json", *args, "--out", str(tmp_path), "--comfyui-url", stock, "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    [png] = sorted(tmp_path.glob("*.png"))
    sidecar = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert not [n for n in sidecar["prompt"].values() if n["class_type"].startswith("Inkframe")]
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == ((64, 64) if name == "inpaint_region" else (256, 256))


def test_doctor_shows_the_capability_table_in_under_30_lines(stock: str) -> None:
    result = cli("doctor", "--comfyui-url", stock, timeout=240)
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and "Traceback" not in result.stderr  # not everything can run here
    assert len(lines) <= 30, result.stdout
    assert lines[0].startswith("backend  ok    ComfyUI ")
    assert lines[1].startswith(
        "nodes    --    Inkframe Studio nodes not loaded (needed only by Face swap (image), Face swap (video))"
    )
    rows = {
        line.strip().rsplit("  ", 1)[0].strip(): line
        for line in lines
        if line.startswith("  ") and not line.startswith("  - ")
    }
    for label in STOCK_READY:
        assert rows[label].rstrip().endswith("ready"), rows
    assert "needs model control_v11p_sd15_openpose_fp16.safetensors" in rows["Character sheet"]
    assert "needs node packs" in rows["Text to video"] and "ComfyUI-AnimateDiff-Evolved" in rows["Text to video"]
    out = result.stdout
    assert out.count("comfy node install comfyui-videohelpersuite") == 1  # one sentence per missing pack
    assert "Download control_v11p_sd15_openpose_fp16.safetensors into models/controlnet:" in out
    assert lines[-1] == "4 of 12 capabilities can run on this backend"


def test_settings_lists_the_capabilities_in_the_browser(stock: str, tmp_path: Path) -> None:
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_studio
    from tests.browser.studio_page import open_studio, open_tab

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    process, studio = start_studio(tmp_path, comfyui_url=stock)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            open_studio(page, studio.url)
            assert "4 of 12 capabilities can run" in page.locator("#backend-banner").inner_text()
            open_tab(page, "locations")  # background + img2img: both ready, the notice is green
            notice = page.locator("#locations-backend-notice .inkframe-ok")
            notice.wait_for()
            assert "This backend can run: Background, Image to image." in notice.inner_text()
            open_tab(page, "video")
            assert (
                "Not available here: Text to video needs node packs"
                in page.locator("#video-backend-notice").inner_text()
            )
            open_tab(page, "settings")
            table = page.locator("#settings-capabilities")
            page.wait_for_function(
                "document.querySelector('#settings-capabilities').innerText.includes('Text to video')"
            )
            text = table.inner_text()
            for label in STOCK_READY:
                assert label in text
            assert "needs node packs" in text and "needs model control_v11p_sd15_openpose_fp16.safetensors" in text
            assert (
                "comfy node install comfyui-videohelpersuite" in page.locator("#settings-capability-notes").inner_text()
            )
            page.screenshot(path=str(tmp_path / "settings-capabilities.png"), full_page=True)
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_node_pack_copied_into_comfyui_custom_nodes_loads_and_runs(tmp_path: Path) -> None:
    """The registry / ComfyUI-Manager way: a copy in <base>/custom_nodes/, with ComfyUI's own app/ beside it
    (the base folder mirrors a ComfyUI checkout). INKFRAME_HOME tells the copy where the studio is."""
    found = comfy_env()
    if found is None:
        pytest.skip("needs COMFYUI_PATH and COMFYUI_PYTHON")
    base = tmp_path / "comfyui-base"
    (base / "custom_nodes").mkdir(parents=True)
    (base / "app").symlink_to(found[0] / "app", target_is_directory=True)  # what a copied pack finds next to it
    shutil.copytree(
        REPO / "custom_nodes" / "inkframe_nodes",
        base / "custom_nodes" / "inkframe_nodes",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    server = start_stock(tmp_path, env={"INKFRAME_HOME": str(REPO)}, extra_args=["--base-directory", str(base)])
    try:
        with ComfyClient(server.url, timeouts=INTEGRATION_TIMEOUTS) as client:
            info = client.object_info()
            assert "InkframePanelBorder" in info and info["InkframePanelBorder"]["python_module"].endswith(
                "inkframe_nodes"
            )
            prompt = {
                "1": {
                    "class_type": "EmptyImage",
                    "inputs": {"width": 40, "height": 24, "batch_size": 1, "color": 0xFFFFFF},
                },
                "2": {
                    "class_type": "InkframePanelBorder",
                    "inputs": {
                        "image": ["1", 0],
                        "width": 3,
                        "color": "#000000",
                        "style": "square",
                        "corner_radius": 0,
                        "roughness": 0.0,
                        "background": "white",
                        "seed": 0,
                    },
                },
                "3": {
                    "class_type": "SaveImage",
                    "inputs": {"images": ["2", 0], "filename_prefix": "inkframe_it/copied_pack"},
                },
            }
            result = client.run(prompt)
        from PIL import Image

        [file] = result.files
        image = Image.open(io.BytesIO(file.data)).convert("RGB")
        assert image.size == (40, 24)
        assert image.getpixel((0, 0)) == (0, 0, 0) and image.getpixel((20, 12)) == (255, 255, 255)
    finally:
        server.stop()
    assert "cannot find Inkframe Studio" not in server.log_path.read_text()
