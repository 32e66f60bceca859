"""A face swap made by a ComfyUI graph (InkframeFaceSwap) says so like the app's own swaps: operation, consent,
tool/operation/date tags; a graph without consent is refused before it is queued (the live run is in
tests/integration/test_faceswap_workflows_live.py)."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from app.faceswap import ConsentRequired
from app.faceswap.safety import Provenance, read_image_provenance
from app.media import EncodeOptions, encode_frames, read_tags
from app.provenance import facts_from_prompt
from app.provenance.formats import png_text, png_with_texts
from app.services import run_service
from app.services.run_service import tag_video


def _prompt(consent: object) -> dict:
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": "me.png"}},
        "6": {"class_type": "LoadImage", "inputs": {"image": "sub/target.png"}},
        "7": {
            "class_type": "InkframeFaceSwap",
            "inputs": {"source": ["1", 0], "target": ["6", 0], "i_have_consent": consent},
        },
        "8": {"class_type": "SaveImage", "inputs": {"images": ["7", 0]}},
    }


@pytest.mark.parametrize("consent,expected", [(True, True), (False, False), (["9", 0], None)])
def test_a_face_swap_graph_is_a_face_swap_with_its_consent(consent, expected):
    facts = facts_from_prompt(_prompt(consent), workflow="workflows/faceswap_image.json")
    assert (facts.kind, facts.operation, facts.consent) == ("edited", "face swap", expected)
    assert facts.workflow == "faceswap_image.json" and facts.extra["inputs"] == "me.png, target.png"


def test_other_graphs_say_nothing_about_consent():
    facts = facts_from_prompt({"3": {"class_type": "KSampler", "inputs": {"seed": 5}}})
    assert (facts.operation, facts.consent, facts.seed) == ("generate", None, 5)


def test_face_swap_pngs_get_the_tags_and_keep_comfyuis_chunks():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", '{"7": {}}')
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG", pnginfo=info)
    tagged = png_with_texts(buffer.getvalue(), Provenance.now().png_texts())
    text = png_text(tagged)
    assert text["prompt"] == '{"7": {}}' and text["tool"] == "Inkframe Studio" and text["operation"] == "face swap"
    assert text["date"] and "operation=face swap" in text["comment"]
    assert np.asarray(Image.open(io.BytesIO(tagged))).tolist() == np.asarray(Image.open(buffer)).tolist()
    assert png_with_texts(b"\xff\xd8\xff not a png", Provenance.now().png_texts()) == b"\xff\xd8\xff not a png"


def test_a_graph_face_swap_video_is_tagged_as_a_face_swap(tmp_path):
    video = encode_frames(
        (np.full((16, 16, 3), 9 * i, np.uint8) for i in range(4)),
        tmp_path / "faceswap_video_00001.webm",
        EncodeOptions(codec="webm", fps=Fraction(8)),
    )
    assert tag_video(video, "faceswap_video", "face swap") == []
    assert read_tags(video)["operation"] == "face swap"


def test_a_graph_without_consent_is_refused_before_it_is_queued():
    """run_workflow calls this before posting the prompt (the live test runs it against ComfyUI)."""
    with pytest.raises(ConsentRequired, match="consented"):
        run_service.refuse_face_swap_without_consent(_prompt(False))
    run_service.refuse_face_swap_without_consent(_prompt(True))
    run_service.refuse_face_swap_without_consent(_prompt(["9", 0]))  # linked switch: the node decides
    run_service.refuse_face_swap_without_consent({"3": {"class_type": "KSampler", "inputs": {"seed": 1}}})


def test_the_image_tags_read_back_like_the_apps_own_swaps(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    path = tmp_path / "swap.png"
    path.write_bytes(png_with_texts(buffer.getvalue(), Provenance.now().png_texts()))
    tags = read_image_provenance(path)
    assert tags["tool"] == "Inkframe Studio" and tags["operation"] == "face swap"


def test_queue_outputs_of_a_face_swap_graph_are_tagged_and_credited(tmp_path):
    """The UI queue's path (JobRunner.save_outputs) reads the prompt ComfyUI put in the PNG."""
    import json
    from dataclasses import dataclass

    from PIL import PngImagePlugin

    from app.jobs.runner_follow import save_outputs
    from app.provenance import read_credentials

    @dataclass
    class File:
        node_id: str
        filename: str
        kind: str
        data: bytes

    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(_prompt(True)))
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 9, 9)).save(buffer, "PNG", pnginfo=info)
    (saved,) = save_outputs([File("8", "faceswap_00001_.png", "image", buffer.getvalue())], "job1", tmp_path)
    tags = read_image_provenance(tmp_path / saved.path)
    assert tags["tool"] == "Inkframe Studio" and tags["operation"] == "face swap" and "prompt" in tags
    generation = read_credentials(tmp_path / saved.path).generation
    assert generation["operation"] == "face swap" and generation["consent_confirmed"] is True
