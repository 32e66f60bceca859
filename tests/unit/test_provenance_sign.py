"""Sign-and-read per format, tamper detection, ingredients, and the unsupported / unsigned paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from app.provenance import Ingredient, composed, edited, facts_from_prompt, generated, read_credentials
from app.provenance.formats import png_text, read_statement

from .provenance_helpers import (
    COMFY_PROMPT,
    COMFY_WORKFLOW,
    change_png_pixel,
    signing_credentials,
    write_picture,
    write_video,
)


@pytest.fixture
def credentials(tmp_path: Path):
    return signing_credentials(tmp_path / "identity")


@pytest.mark.parametrize("name", ["out.png", "out.jpg", "out.webp"])
def test_generated_picture_is_signed_and_reads_back(credentials, tmp_path: Path, name: str) -> None:
    path = write_picture(tmp_path / name, seed=1)
    result = credentials.stamp_file(path, facts_from_prompt(COMFY_PROMPT, workflow="/home/someone/flows/txt2img.json"))
    assert result.outcome == "signed"
    report = read_credentials(path)
    assert report.state == "untrusted"  # intact; a test CA is on no trust list
    assert report.problems == []
    assert report.actions == ["c2pa.created"]
    assert report.source_type == "trainedAlgorithmicMedia"
    assert report.generation == {
        "operation": "generate",
        "workflow": "txt2img.json",
        "models": ["tiny.safetensors"],
        "seed": 1234,
    }
    assert report.signer == "Test signer"
    with Image.open(path) as image:
        image.load()  # still a valid picture


def test_comfyui_chunks_survive_signing(credentials, tmp_path: Path) -> None:
    path = write_picture(tmp_path / "ComfyUI_00001_.png", comfy=True)
    credentials.stamp_file(path, generated())
    texts = png_text(path.read_bytes())
    assert json.loads(texts["prompt"]) == COMFY_PROMPT
    assert json.loads(texts["workflow"]) == COMFY_WORKFLOW
    with Image.open(path) as image:
        assert json.loads(image.text["workflow"]) == COMFY_WORKFLOW
    assert read_credentials(path).state == "untrusted"


def test_signed_bytes_equal_a_signed_file(credentials, tmp_path: Path) -> None:
    path = write_picture(tmp_path / "a.png", comfy=True)
    signed = credentials.stamp_bytes(path.read_bytes(), "a.png", generated())
    path.write_bytes(signed)
    assert read_credentials(path).state == "untrusted"
    assert "prompt" in png_text(signed)


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov"])
def test_video_is_signed_and_reads_back(credentials, tmp_path: Path, name: str) -> None:
    path = write_video(tmp_path / name)
    assert credentials.stamp_file(path, generated("motion")).outcome == "signed"
    report = read_credentials(path)
    assert report.state == "untrusted" and report.actions == ["c2pa.created"]


def test_webm_cannot_be_signed_and_says_so_in_its_metadata(credentials, tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.webm")
    result = credentials.stamp_file(path, generated("motion"))
    assert result.outcome == "unsupported"
    assert "WebM" in result.note
    statement = read_statement(path)
    assert statement is not None and statement.startswith("not signed: WebM (Matroska) has no C2PA embedding")
    report = read_credentials(path)
    assert report.state == "unsigned" and "WebM" in report.note


def test_changing_a_pixel_shows_as_tampered(credentials, tmp_path: Path) -> None:
    path = write_picture(tmp_path / "panel.png", seed=3, comfy=True)
    credentials.stamp_file(path, generated())
    change_png_pixel(path)
    report = read_credentials(path)
    assert report.state == "tampered"
    assert any("dataHash.mismatch" in problem for problem in report.problems)


def test_changing_video_bytes_shows_as_tampered(credentials, tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.mp4")
    credentials.stamp_file(path, generated("motion"))
    data = bytearray(path.read_bytes())
    mdat = data.find(b"mdat")
    data[mdat + 200] ^= 0xFF
    path.write_bytes(bytes(data))
    assert read_credentials(path).state == "tampered"


def test_face_swap_lists_target_and_face_source(credentials, tmp_path: Path) -> None:
    target, face = write_picture(tmp_path / "target.jpg", seed=1), write_picture(tmp_path / "face.png", seed=2)
    out = write_picture(tmp_path / "swap.webp", seed=3)  # a third format: each part read as its own type
    credentials.stamp_file(out, edited("face swap", target, Ingredient(face, "face_source"), consent=True))
    report = read_credentials(out)
    assert report.state == "untrusted"
    assert report.actions == ["c2pa.opened", "c2pa.edited"]
    assert report.source_type == "compositeWithTrainedAlgorithmicMedia"
    assert report.generation["consent_confirmed"] is True
    assert [(i.title, i.relationship, i.role) for i in report.ingredients] == [
        ("target.jpg", "parentOf", "parent"),
        ("face.png", "componentOf", "face_source"),
    ]
    from app.provenance.facts import sha256_file

    assert report.ingredients[1].sha256 == sha256_file(face)


def test_composed_page_lists_its_panels_and_their_credentials(credentials, tmp_path: Path) -> None:
    panels = [write_picture(tmp_path / f"panel_{n}.png", seed=n) for n in range(3)]
    credentials.stamp_file(panels[0], generated())
    page = write_picture(tmp_path / "page_001.png", seed=9, size=96)
    credentials.stamp_file(page, composed("compose page", panels))
    report = read_credentials(page)
    assert report.state == "untrusted"
    assert report.actions == ["c2pa.created", "c2pa.placed", "c2pa.placed", "c2pa.placed"]
    assert [i.title for i in report.ingredients] == ["panel_0.png", "panel_1.png", "panel_2.png"]
    assert {i.role for i in report.ingredients} == {"panel"}
    assert [i.signed for i in report.ingredients] == [True, False, False]


def test_video_ingredient_of_an_unsupported_format_is_named(credentials, tmp_path: Path) -> None:
    source = write_video(tmp_path / "dance.webm")
    out = write_video(tmp_path / "out.mp4")
    credentials.stamp_file(out, edited("face swap", source, consent=True))
    report = read_credentials(out)
    assert report.state == "untrusted"
    assert [(i.title, i.relationship) for i in report.ingredients] == [("dance.webm", "parentOf")]


def test_a_trusted_ca_makes_the_state_valid(credentials, tmp_path: Path) -> None:
    path = write_picture(tmp_path / "out.png")
    credentials.stamp_file(path, generated())
    chain = (tmp_path / "identity" / "chain.pem").read_bytes()
    ca = chain[chain.index(b"-----END CERTIFICATE-----\n") + len(b"-----END CERTIFICATE-----\n") :]
    assert read_credentials(path, ca).state == "valid"
    assert read_credentials(path).state == "untrusted"
