"""The book builder's orchestration with the TEST backend (tests/unit/book_helpers.py): gates, state, resume,
regenerate, pages/export and the report. Pictures are real photos tinted by seed; outcomes are known."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from app.book.build_types import BuildEvent, BuildEventKind, BuildOptions
from app.book.builder import BookBuilder
from app.book.errors import BookError
from app.book.panel_runner import GateSettings
from app.book.plan import PanelRef, base_seed

from .book_helpers import PALETTE, RecolourRepairer, StatsEmbedder, SyntheticBackend, solid

pytest.importorskip("skimage.data", reason="scikit-image provides the test photo")

SCRIPT = """Title: Gate Test
Page size: a5
DPI: 72
Style: ink
Cast:
- MAYA: keeper

PAGE 1

PANEL 1. The sea at night.
Shot: wide

PANEL 2. Inside the lamp room. Maya pulls a lever.
Shot: close-up
Characters: MAYA (center)
MAYA: Hold it!

PAGE 2

PANEL 1. Maya smiles.
Shot: medium
Characters: MAYA (center)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "book.txt").write_text(SCRIPT, encoding="utf-8")
    maya = tmp_path / "lib" / "characters" / "maya"
    (maya / "references").mkdir(parents=True)
    (maya / "character.yaml").write_text("name: Maya\ndescription: red coat\n", encoding="utf-8")
    solid(PALETTE[0]).save(maya / "references" / "front.png")  # Maya is "red" for the test embedder
    room = tmp_path / "lib" / "locations" / "lamp-room"
    room.mkdir(parents=True)
    (room / "location.yaml").write_text("name: lamp room\nprompt: brass gears\n", encoding="utf-8")
    return tmp_path


def _options(project: Path, **changes) -> BuildOptions:
    base = {"script": project / "book.txt", "out_dir": project / "out", "library_dir": project / "lib", "max_side": 96}
    return BuildOptions(**{**base, **changes})


def _builder(backend, **kwargs) -> BookBuilder:
    gates = kwargs.pop(
        "gates", GateSettings(identity_threshold=0.9, identity_retries=3, identity_repairs=1, quality_threshold=0.3)
    )
    return BookBuilder(backend, gates=gates, **kwargs)


def test_build_writes_panels_pages_exports_and_report(project: Path) -> None:
    backend = SyntheticBackend()
    events: list[BuildEvent] = []
    result = _builder(backend, embedder=StatsEmbedder(), on_event=events.append).build(_options(project))
    out = project / "out"
    assert [(r.page, r.panel) for r in result.records] == [(1, 1), (1, 2), (2, 1)]
    assert all(isinstance(event.kind, BuildEventKind) for event in events)
    assert [e.kind for e in events] == [
        BuildEventKind.PLATE,
        *[BuildEventKind.PANEL] * 3,
        BuildEventKind.EXPORT,
        BuildEventKind.REPORT,
    ]
    assert [e.ref for e in events if e.kind == BuildEventKind.PANEL] == result.generated
    assert result.generated == [PanelRef(1, 1), PanelRef(1, 2), PanelRef(2, 1)] and result.reused == []
    assert next(r.workflow for r in backend.requests) == "background"  # the lamp room's plate comes first, once
    assert sum(r.workflow == "background" for r in backend.requests) == 1
    records = {(r.page, r.panel): r for r in result.records}
    assert records[1, 1].workflow == "panel" and records[1, 2].workflow == "img2img_restyle"
    assert records[2, 1].location is None  # a new page starts without a place
    for record in result.records:
        assert Image.open(out / record.image).size == (record.width, record.height)
        assert (
            json.loads((out / "panels" / f"{PanelRef(record.page, record.panel).key}.json").read_text())["seed"]
            == record.seed
        )
    assert {"png", "pdf", "cbz"} <= set(result.outputs)
    with zipfile.ZipFile(out / "book" / "gate-test.cbz") as cbz:
        assert "ComicInfo.xml" in cbz.namelist()
    assert 0.0 < result.figures["style_consistency"] <= 1.0
    report = result.report.read_text()
    for record in result.records:
        assert f"| {record.page}:{record.panel} |" in report and f"| {record.seed} |" in report
    assert (out / "report" / "p01_panel02.png").is_file()
    assert "![page_002](report/pages/page_002.png)" in report and (out / "report" / "pages" / "page_002.png").is_file()
    assert result.figures["style_outlier"].startswith("page ")


def test_identity_gate_retries_with_new_seeds_until_the_character_matches(project: Path) -> None:
    backend = SyntheticBackend()
    result = _builder(backend, embedder=StatsEmbedder()).build(_options(project))
    for record in result.records[1:]:
        seeds = [a.seed for a in record.attempts]
        colours = [s % 3 for s in seeds]
        assert colours[-1] == 0 and all(c != 0 for c in colours[:-1])  # retried until the red (Maya) picture
        assert record.retries == len(seeds) - 1 and record.identity_passed is True
        assert record.identity[0].character == "MAYA" and record.identity[0].similarity >= 0.9
        assert record.seed == seeds[-1] and record.chosen_attempt == len(seeds) - 1
    assert result.records[0].identity == [] and result.records[0].retries == 0
    assert result.figures["identity_pass_rate"] == 1.0


def test_face_repair_after_retries_run_out(project: Path) -> None:
    backend = SyntheticBackend()
    repairer = RecolourRepairer()
    gates = GateSettings(identity_threshold=0.9, identity_retries=0, identity_repairs=1, quality_threshold=0.0)
    result = _builder(backend, embedder=StatsEmbedder(), repairer=repairer, gates=gates).build(_options(project))
    failing = [r for r in result.records if r.characters and r.attempts[0].identity_passed is False]
    assert failing, "with no retries some panel starts with the wrong colour"
    for record in failing:
        assert [a.kind for a in record.attempts] == ["generate", "faceswap"] and record.repairs == 1
        assert "consent: the user's own character library" in record.attempts[1].note
        assert record.identity_passed is True and record.chosen_attempt == 1
        text = Image.open(project / "out" / record.image).text
        assert text["operation"] == "face swap (book character repair; consent: the user's own character library)"
        assert text["tool"] == "Inkframe Studio" and text["date"]
    assert repairer.calls == ["MAYA"] * len(failing)


def test_without_repair_the_failure_is_reported(project: Path) -> None:
    gates = GateSettings(identity_threshold=0.999, identity_retries=1, identity_repairs=1, quality_threshold=0.0)
    result = _builder(SyntheticBackend(), embedder=StatsEmbedder(), repairer_reason="no swap model", gates=gates).build(
        _options(project)
    )
    record = result.records[1]
    assert record.identity_passed is False and record.retries == 1
    assert any("no face repair is available" in note for note in record.notes)
    assert "face repair (face swap): off — no swap model" in result.report.read_text()


def test_quality_gate_restores_low_scoring_panels(project: Path) -> None:
    backend = SyntheticBackend(blur=True)
    gates = GateSettings(identity_threshold=0.0, identity_retries=0, identity_repairs=0, quality_threshold=0.5)
    result = _builder(backend, gates=gates).build(_options(project, max_side=128))
    for record in result.records:
        kinds = [a.kind for a in record.attempts]
        assert kinds == ["generate", "restore"]
        assert record.attempts[0].quality < 0.5 <= record.attempts[1].quality
        assert record.chosen_attempt == 1 and record.quality_passed is True
    assert backend.restored == 3


def test_quality_gate_says_why_it_cannot_restore(project: Path) -> None:
    backend = SyntheticBackend(
        blur=True, capability_reasons={"restore": "the upscale_face_restore workflow lacks ReActor."}
    )
    gates = GateSettings(quality_threshold=0.5)
    result = _builder(backend, gates=gates).build(_options(project, max_side=128))
    assert backend.restored == 0
    assert all(
        r.quality_passed is False
        and any("not restored: the upscale_face_restore workflow lacks ReActor." in n for n in r.notes)
        for r in result.records
    )


def test_resume_reuses_finished_panels_and_rebuilds_changed_ones(project: Path) -> None:
    _builder(SyntheticBackend()).build(_options(project))
    with pytest.raises(BookError, match=r"already holds a build of Gate Test; pass --resume"):
        _builder(SyntheticBackend()).build(_options(project))
    before = {p.name: p.read_bytes() for p in (project / "out" / "panels").glob("*.png")}
    backend = SyntheticBackend()
    events: list[BuildEvent] = []
    result = _builder(backend, on_event=events.append).build(_options(project, resume=True))
    assert result.generated == [] and len(result.reused) == 3 and backend.requests == []
    assert [e.ref for e in events if e.kind == BuildEventKind.REUSED] == result.reused
    assert {p.name: p.read_bytes() for p in (project / "out" / "panels").glob("*.png")} == before
    (project / "book.txt").write_text(SCRIPT.replace("Maya smiles.", "Maya frowns."), encoding="utf-8")
    backend = SyntheticBackend()
    result = _builder(backend).build(_options(project, resume=True))
    assert result.generated == [PanelRef(2, 1)] and [r.workflow for r in backend.requests] == ["panel"]


def test_regenerate_one_panel_with_a_seed_and_prompt(project: Path) -> None:
    _builder(SyntheticBackend()).build(_options(project))
    out = project / "out"
    panels = {p.name: p.read_bytes() for p in (out / "panels").glob("*.png")}
    backend = SyntheticBackend()
    result = _builder(backend).build(_options(project, regenerate=PanelRef(2, 1), seed=5, prompt="Maya laughs"))
    assert result.generated == [PanelRef(2, 1)] and [(r.seed, r.workflow) for r in backend.requests] == [(5, "panel")]
    assert "Maya laughs" in backend.requests[0].positive and "Maya smiles" not in backend.requests[0].positive
    after = {p.name: p.read_bytes() for p in (out / "panels").glob("*.png")}
    assert (
        after["p01_panel01.png"] == panels["p01_panel01.png"] and after["p01_panel02.png"] == panels["p01_panel02.png"]
    )
    assert after["p02_panel01.png"] != panels["p02_panel01.png"]
    # the edit sticks: a later resume keeps the new seed and prompt instead of reverting
    backend = SyntheticBackend()
    again = _builder(backend).build(_options(project, resume=True))
    assert again.generated == [] and backend.requests == []
    record = next(r for r in again.records if (r.page, r.panel) == (2, 1))
    assert record.overrides == {"seed": 5, "prompt": "Maya laughs"} and record.seed == 5


def test_regenerate_without_a_seed_picks_a_new_one(project: Path) -> None:
    first = _builder(SyntheticBackend()).build(_options(project))
    old = first.records[0].seed
    backend = SyntheticBackend()
    _builder(backend).build(_options(project, regenerate=PanelRef(1, 1)))
    assert backend.requests[0].seed not in (old, base_seed("Gate Test", PanelRef(1, 1)))


def test_regenerate_errors_name_the_fix(project: Path) -> None:
    with pytest.raises(
        BookError, match=r"holds no build to regenerate a panel of; run `comic build` without --regenerate first."
    ):
        _builder(SyntheticBackend()).build(_options(project, regenerate=PanelRef(1, 1)))
    _builder(SyntheticBackend()).build(_options(project))
    with pytest.raises(BookError, match=r"page 9 panel 1 is not in book.txt; it has 3 panels on 2 pages."):
        _builder(SyntheticBackend()).build(_options(project, regenerate=PanelRef(9, 1)))


def test_a_flat_picture_is_kept_with_its_quality_unmeasured(project: Path) -> None:
    class FlatBackend(SyntheticBackend):
        def generate(self, request):
            result = super().generate(request)
            result.image = Image.new("RGB", result.image.size, (0, 0, 0))
            return result

    result = _builder(FlatBackend(), gates=GateSettings(quality_threshold=0.5)).build(_options(project))
    record = result.records[0]
    assert record.status == "done" and record.quality is None and record.quality_passed is None
    assert "quality not measured: BRISQUE cannot score a flat image" in record.attempts[0].note


def test_a_library_plate_is_used_and_crop_locations_skip_generation(project: Path) -> None:
    room = project / "lib" / "locations" / "lamp-room"
    (room / "location.yaml").write_text("name: lamp room\nprompt: brass gears\nuse: crop\n", encoding="utf-8")
    Image.new("RGB", (300, 100), (90, 60, 30)).save(room / "plate.png")
    script = SCRIPT.replace(
        "PANEL 2. Inside the lamp room. Maya pulls a lever.\nShot: close-up\nCharacters: MAYA (center)\n",
        "PANEL 2. Inside the lamp room, empty.\nShot: wide\n",
    )
    (project / "book.txt").write_text(script, encoding="utf-8")
    backend = SyntheticBackend()
    result = _builder(backend).build(_options(project))
    assert "background" not in [r.workflow for r in backend.requests]  # the library's plate, no generation
    record = result.records[1]
    assert [a.kind for a in record.attempts] == ["plate-crop"] and record.location == "lamp room"
    assert Image.open(project / "out" / record.image).getpixel((5, 5)) == (90, 60, 30)
    state = json.loads((project / "out" / "build.json").read_text())
    assert state["plates"]["lamp-room"]["source"] == "library"


def test_a_regenerated_panel_drops_the_pictures_of_its_earlier_run(project: Path) -> None:
    _builder(SyntheticBackend(), embedder=StatsEmbedder()).build(_options(project))
    attempts = project / "out" / "attempts" / "p02_panel01"
    before = sorted(p.name for p in attempts.iterdir())
    _builder(SyntheticBackend(), embedder=StatsEmbedder()).build(_options(project, regenerate=PanelRef(2, 1), seed=3))
    after = sorted(p.name for p in attempts.iterdir())
    assert after[0] == "a00-generate-seed3.png" and not set(after) & (set(before) - {"a00-generate-seed3.png"})


def test_a_prefetching_backend_gets_the_next_panel_before_the_current_is_checked(project: Path) -> None:
    class Prefetching(SyntheticBackend):
        def __init__(self) -> None:
            super().__init__()
            self.log: list[str] = []

        def prefetch(self, request) -> None:
            self.log.append(f"prefetch {request.seed}")

        def cancel_prefetched(self) -> None:
            self.log.append("cancel")

        def generate(self, request):
            if request.workflow != "background":
                self.log.append(f"generate {request.seed}")
            return super().generate(request)

    backend = Prefetching()
    result = _builder(backend).build(_options(project))
    seeds = [r.seed for r in result.records]
    assert backend.log == [
        f"prefetch {seeds[0]}",
        f"prefetch {seeds[1]}",
        f"generate {seeds[0]}",
        f"prefetch {seeds[2]}",
        f"generate {seeds[1]}",
        f"generate {seeds[2]}",
        "cancel",
    ]


def test_a_panel_that_fails_inside_comfyui_is_reported_and_the_rest_is_built(project: Path) -> None:
    from app.comfy import ExecutionError

    class OneFails(SyntheticBackend):
        def generate(self, request):
            if request.workflow == "panel" and "smiles" in request.positive:
                raise ExecutionError("p1", "22", "KSampler", "out of memory", "RuntimeError")
            return super().generate(request)

    result = _builder(OneFails()).build(_options(project))
    assert result.failed == [PanelRef(2, 1)] and len(result.generated) == 2
    record = json.loads((project / "out" / "panels" / "p02_panel01.json").read_text())
    assert record["status"] == "failed" and "KSampler" in record["notes"][0] and record["image"] is None
    assert any("have no art and were drawn as placeholders: page 2 panel 1" in w for w in result.warnings)
    assert "| 2:1 | **failed** (placeholder) |" in result.report.read_text()
    retried = _builder(SyntheticBackend()).build(_options(project, resume=True))  # the failed panel is built again
    assert retried.generated == [PanelRef(2, 1)] and retried.failed == []


def test_a_location_reference_photo_becomes_the_plate(project: Path) -> None:
    room = project / "lib" / "locations" / "lamp-room"
    (room / "references").mkdir()
    Image.new("RGB", (400, 200), (10, 120, 160)).save(room / "references" / "photo.png")
    backend = SyntheticBackend()
    _builder(backend).build(_options(project))
    plate = backend.requests[0]
    assert (
        plate.workflow == "img2img_restyle"
        and plate.init_image is not None
        and plate.init_image.size == (plate.width, plate.height)
    )
    assert plate.strength == 0.65 and "brass gears" in plate.positive
    state = json.loads((project / "out" / "build.json").read_text())
    assert state["plates"]["lamp-room"]["source"] == "redrawn from photo.png"
