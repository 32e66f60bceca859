"""Per-capability family choice (app/workflows/family_choice.py): which workflow and model files a family runs with."""

from __future__ import annotations

import pytest

from app.workflows import list_workflows
from app.workflows.families import detect_families
from app.workflows.family_choice import (
    WORKFLOWS,
    FamilyUnavailable,
    check_family,
    choose_family,
    family_statuses,
    reference_enable,
)

SPLIT_FLUX = {
    "diffusion_models": ["flux1-dev.safetensors", "flux1-dev-kontext_fp8_scaled.safetensors"],
    "text_encoders": ["clip_l.safetensors", "t5xxl_fp8_e4m3fn_scaled.safetensors"],
    "vae": ["ae.safetensors"],
}
QWEN = {
    "diffusion_models": ["qwen_image_fp8_e4m3fn.safetensors", "qwen_image_edit_2509_fp8_e4m3fn.safetensors"],
    "text_encoders": ["qwen_2.5_vl_7b_fp8_scaled.safetensors"],
    "vae": ["qwen_image_vae.safetensors"],
}
TINY = {
    "checkpoints": ["inkframe-tiny-sdxl-v1.safetensors", "inkframe-tiny-sdxl-vpred-v1.safetensors"],
    "diffusion_models": [
        "inkframe-tiny-flux1-dev-v1.safetensors",
        "inkframe-tiny-flux1-kontext-dev-v1.safetensors",
        "inkframe-tiny-qwen-image-v1.safetensors",
        "inkframe-tiny-qwen-image-edit-2509-v1.safetensors",
    ],
    "text_encoders": [
        "inkframe-tiny-clip-l-v1.safetensors",
        "inkframe-tiny-t5xxl-v1.safetensors",
        "inkframe-tiny-qwen25vl7b-text-v1.safetensors",
        "inkframe-tiny-qwen25vl7b-vl-v1.safetensors",
    ],
    "vae": ["inkframe-tiny-taef1-v1.safetensors", "inkframe-tiny-wan21-vae-v1.safetensors"],
}


def merged(*layouts: dict) -> dict:
    out: dict[str, list[str]] = {}
    for layout in layouts:
        for folder, names in layout.items():
            out.setdefault(folder, []).extend(names)
    return out


def test_every_family_workflow_is_in_the_library() -> None:
    library = {p.stem for p in list_workflows()}
    assert {spec.workflow for spec in WORKFLOWS.values()} <= library


def test_the_user_named_family_picks_its_workflow_and_files() -> None:
    backend = detect_families(merged(SPLIT_FLUX, QWEN, {"checkpoints": ["v1-5-pruned-emaonly.safetensors"]}))
    flux = choose_family("panel", backend, "Flux1_Dev")
    assert (flux.workflow, flux.family, flux.reference_edit) == ("panel_flux", "flux1_dev", False)
    assert flux.parameters == {
        "unet": "flux1-dev.safetensors",
        "clip_l": "clip_l.safetensors",
        "t5": "t5xxl_fp8_e4m3fn_scaled.safetensors",
        "vae": "ae.safetensors",
    }
    qwen = choose_family("background", backend, "qwen_image")
    assert qwen.workflow == "background_qwen" and qwen.parameters["unet"] == "qwen_image_fp8_e4m3fn.safetensors"
    # none named: the first image family the backend has (SD1.5 here: the old built-ins stay the default)
    assert choose_family("panel", backend).workflow == "panel"
    assert choose_family("panel", backend, preferred=("qwen_image",)).workflow == "panel_qwen"


def test_references_switch_a_family_without_ipadapter_to_reference_editing() -> None:
    backend = detect_families(merged(SPLIT_FLUX, QWEN))
    flux = choose_family("panel", backend, "flux1_dev", references=True)
    assert (flux.family, flux.workflow, flux.reference_edit) == ("flux1_kontext", "panel_flux_kontext", True)
    assert flux.parameters["unet"] == "flux1-dev-kontext_fp8_scaled.safetensors"
    qwen = choose_family("panel", backend, "qwen_image", references=True)
    assert (qwen.family, qwen.workflow, qwen.max_references) == ("qwen_image_edit_2509", "panel_qwen_edit", 3)
    assert reference_enable(qwen, 1) == frozenset()
    assert reference_enable(qwen, 5) == {"Reference image 2", "Reference image 3"}
    # SDXL has no IPAdapter in the built-ins: the nearest edit family the backend has
    sdxl = choose_family("panel", detect_families(merged(TINY)), "sdxl", references=True)
    assert sdxl.workflow == "panel_flux_kontext"
    # no edit family at all: the plain family runs and says why the references are not drawn from
    alone = choose_family(
        "panel", detect_families({"checkpoints": ["illustriousXL_v01.safetensors"]}), "sdxl", references=True
    )
    assert alone.workflow == "panel_sdxl" and "identity gate only" in alone.notes[0]
    # SD1.5 keeps IPAdapter; backgrounds never reference-edit
    assert (
        choose_family(
            "panel", detect_families({"checkpoints": ["v1-5-pruned-emaonly.safetensors"]}), references=True
        ).workflow
        == "panel"
    )
    assert choose_family("background", backend, "flux1_kontext").workflow == "background_flux"


def test_vpred_and_schnell_switches() -> None:
    backend = detect_families(merged(TINY))
    vpred = choose_family("panel", backend, "sdxl_vpred")
    assert vpred.workflow == "panel_sdxl" and vpred.enable == {"ModelSamplingDiscrete"}
    assert vpred.parameters == {"checkpoint": "inkframe-tiny-sdxl-vpred-v1.safetensors"}
    assert choose_family("panel", backend, "sdxl").parameters == {"checkpoint": "inkframe-tiny-sdxl-v1.safetensors"}
    schnell = detect_families(
        {
            "diffusion_models": ["flux1-schnell.safetensors"],
            **{k: v for k, v in SPLIT_FLUX.items() if k != "diffusion_models"},
        }
    )
    choice = choose_family("panel", schnell, "flux1_schnell")
    assert choice.workflow == "panel_flux" and choice.parameters["steps"] == 4


def test_tiny_test_files_are_recognised() -> None:
    backend = detect_families(merged(TINY))
    assert {"sdxl", "sdxl_vpred", "flux1_dev", "flux1_kontext", "qwen_image", "qwen_image_edit_2509"} <= set(
        backend.present
    )
    edit = choose_family("panel", backend, "qwen_image_edit_2509")
    assert edit.parameters["text_encoder"] == "inkframe-tiny-qwen25vl7b-vl-v1.safetensors"  # with the vision tower
    plain = choose_family("panel", backend, "qwen_image")
    assert plain.parameters["text_encoder"] == "inkframe-tiny-qwen25vl7b-text-v1.safetensors"


def test_what_is_missing_is_one_sentence() -> None:
    partial = detect_families({"diffusion_models": ["flux1-dev.safetensors"], "text_encoders": ["clip_l.safetensors"]})
    with pytest.raises(FamilyUnavailable, match="Flux.1 dev is incomplete on this backend: it lacks the t5, vae file"):
        choose_family("panel", partial, "flux1_dev")
    with pytest.raises(FamilyUnavailable, match="no image model family for the panel: Flux.1 dev is incomplete"):
        choose_family("panel", partial)
    with pytest.raises(FamilyUnavailable, match="not on this backend"):
        choose_family("panel", partial, "qwen_image")
    with pytest.raises(FamilyUnavailable, match="no image model family 'wan22_ti2v_5b'"):
        check_family("wan22_ti2v_5b")
    aio = detect_families({"checkpoints": ["flux1-dev-kontext-fp8.safetensors"]})  # no all-in-one Kontext workflow
    with pytest.raises(FamilyUnavailable, match="only here as an all-in-one checkpoint .* loads the split files"):
        choose_family("panel", aio, "flux1_kontext")
    assert check_family("auto") is None and check_family(" SDXL ") == "sdxl"


def test_family_table_says_per_family_what_is_missing() -> None:
    statuses = family_statuses(detect_families(SPLIT_FLUX), {"panel_flux": "needs X"})
    rows = {(s.capability, s.family): s for s in statuses}
    assert rows[("panel", "flux1_dev")].reason == "needs X" and not rows[("panel", "flux1_dev")].ready
    assert rows[("background", "flux1_dev")].ready
    assert rows[("panel", "flux1_kontext")].ready
    assert rows[("panel", "qwen_image")].reason == "Qwen-Image is not on this backend: no model file names it."
    assert rows[("panel", "sdxl")].row()[0] == "Panel (SDXL (eps))"


def test_the_capability_table_has_a_row_per_family_with_files(object_info_core: dict) -> None:
    from app.services.capability_service import capabilities_of

    from .test_workflow_families import with_models

    info = with_models(
        object_info_core, merged(SPLIT_FLUX, {"diffusion_models": ["qwen_image_fp8_e4m3fn.safetensors"]})
    )
    rows = dict(map(tuple, capabilities_of(info).table()))
    assert (
        rows["Family Flux.1 dev"] == "ready (panel, background, character sheet, img2img restyle)"
        and rows["Family Flux.1 Kontext dev"] == "ready (panel)"
    )
    assert (
        rows["Family Qwen-Image"] == "Qwen-Image is incomplete on this backend: it lacks the text_encoder, vae file(s)."
    )
    assert rows["Other families"].startswith("no model files of Stable Diffusion 1.5, SDXL, SDXL v-prediction")
    del info["FluxGuidance"]
    rows = dict(map(tuple, capabilities_of(info).table()))
    assert rows["Family Flux.1 dev"] == "this ComfyUI lacks FluxGuidance: update ComfyUI (0.3.64 has them)."


def test_a_pool_has_the_families_of_all_its_backends_each_with_one_backends_files() -> None:
    from app.workflows.families import pool_families

    sd15 = detect_families({"checkpoints": ["v1-5-pruned-emaonly.safetensors"]})
    flux = detect_families(merged(SPLIT_FLUX))
    half_qwen = detect_families({"diffusion_models": ["qwen_image_fp8_e4m3fn.safetensors"]})
    pool = pool_families([flux, half_qwen, sd15])
    assert list(pool.present)[:1] == ["sd15"] and {"flux1_dev", "flux1_kontext"} <= set(pool.present)
    assert pool.present["flux1_dev"].default_files == flux.present["flux1_dev"].default_files
    assert "qwen_image" in pool.partial and "flux1_dev" not in pool.partial
    assert choose_family("panel", pool, "flux1_dev").workflow == "panel_flux"


def test_the_queue_accepts_every_family_workflow_as_a_book_panel() -> None:
    from app.jobs.kinds import BOOK_WORKFLOWS

    assert {choice.workflow for choice in WORKFLOWS.values()} <= set(BOOK_WORKFLOWS)
