"""ComfyClient against a live ComfyUI (core nodes only, CPU)."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from app.comfy import ExecutionError, PromptInterrupted, PromptValidationError, check_backend
from app.comfy.events import ExecutingEvent, ExecutionStartEvent, ExecutionSuccessEvent

from .graph import GraphBuilder, trivial_image_graph

pytestmark = pytest.mark.timeout(300)


def png_bytes(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_trivial_graph_runs_end_to_end(comfy_client):
    events = []
    result = comfy_client.run(trivial_image_graph(64, 48, 0x336699), on_event=events.append)
    assert result.completed_via == "execution_success"
    [file] = result.files
    assert (file.node_id, file.kind, file.type, file.source) == ("3", "image", "output", "view")
    image = Image.open(io.BytesIO(file.data)).convert("RGB")
    assert image.size == (64, 48)
    expected = (255 - 0x33, 255 - 0x66, 255 - 0x99)  # inverted in float: allow one step of rounding
    assert all(abs(a - b) <= 1 for a, b in zip(image.getpixel((10, 10)), expected, strict=True))
    assert any(isinstance(e, ExecutionStartEvent) for e in events)
    assert any(isinstance(e, ExecutionSuccessEvent) for e in events)
    assert result.timings.comfy_started_ms and result.timings.comfy_finished_ms
    # the same prompt again is served from the cache and still reports its output
    again = comfy_client.run(trivial_image_graph(64, 48, 0x336699))
    assert set(again.cached_nodes) == {"1", "2", "3"} and len(again.files) == 1


def test_validation_error_is_rendered_per_node(comfy_client):
    with pytest.raises(PromptValidationError) as caught:
        comfy_client.submit(trivial_image_graph(width=0))
    assert str(caught.value) == "ComfyUI rejected the prompt: node 1 (EmptyImage): width 0 is below the minimum 1."
    g = GraphBuilder()
    g.node("NoSuchInkframeNode")
    with pytest.raises(PromptValidationError, match="unknown node type NoSuchInkframeNode"):
        comfy_client.submit(g.to_prompt())


def test_runtime_error_names_the_node(comfy_client):
    g = GraphBuilder()
    image = g.node("EmptyImage", width=32, height=32, batch_size=1, color=0x808080)
    mask = g.node("ImageToMask", image=image.out(0), channel="alpha")
    as_image = g.node("MaskToImage", mask=mask.out(0))
    g.node("SaveImage", images=as_image.out(0), filename_prefix="inkframe_it/error")
    with pytest.raises(ExecutionError) as caught:
        comfy_client.run(g.to_prompt())
    assert (caught.value.node_id, caught.value.node_type, caught.value.exception_type) == (
        "2",
        "ImageToMask",
        "IndexError",
    )


def test_interrupt_one_prompt(comfy_client):
    g = GraphBuilder()
    link = g.node("EmptyImage", width=1024, height=1024, batch_size=1, color=uuid.uuid4().int % 0xFFFFFF).out(0)
    for _ in range(3):
        link = g.node("ImageBlur", image=link, blur_radius=31, sigma=9.0).out(0)
    g.node("SaveImage", images=link, filename_prefix="inkframe_it/interrupt")

    def interrupt_on_first_blur(event):
        if isinstance(event, ExecutingEvent) and event.node == "2":
            comfy_client.interrupt(event.prompt_id)

    with pytest.raises(PromptInterrupted) as caught:
        comfy_client.run(g.to_prompt(), on_event=interrupt_on_first_blur)
    assert caught.value.node_type == "ImageBlur"
    assert not comfy_client.queue().contains(caught.value.prompt_id)


def test_upload_load_and_no_silent_overwrite(comfy_client):
    name = f"inkframe_it_{uuid.uuid4().hex[:8]}.png"
    first = comfy_client.upload_image(png_bytes((40, 30), (200, 10, 10)), filename=name, subfolder="inkframe_it")
    assert (first.name, first.subfolder, first.renamed) == (name, "inkframe_it", False)
    same = comfy_client.upload_image(png_bytes((40, 30), (200, 10, 10)), filename=name, subfolder="inkframe_it")
    assert not same.renamed  # identical bytes: ComfyUI keeps the one file
    other = comfy_client.upload_image(png_bytes((40, 30), (10, 200, 10)), filename=name, subfolder="inkframe_it")
    assert other.renamed and other.name == name.replace(".png", " (1).png")
    g = GraphBuilder()
    loaded = g.node("LoadImage", image=first.reference)
    scaled = g.node("ImageScale", image=loaded.out(0), upscale_method="bilinear", width=20, height=15, crop="disabled")
    g.node("SaveImage", images=scaled.out(0), filename_prefix="inkframe_it/upload")
    [file] = comfy_client.run(g.to_prompt()).files
    image = Image.open(io.BytesIO(file.data)).convert("RGB")
    assert image.size == (20, 15) and image.getpixel((5, 5)) == (200, 10, 10)


def test_backend_health_and_project_nodes(live_comfyui):
    health = check_backend(live_comfyui)
    assert health.reachable and health.version and health.node_count > 400
    assert health.project_nodes, "no node type starting with 'Inkframe' is loaded from custom_nodes/inkframe_nodes"
