"""The plan -> write -> evaluate -> revise loop, the story service and the CLI, against a scripted
loopback endpoint (no model needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml

from app.cli import main as cli_main
from app.comic.script import load_book
from app.llm import LLMSettings
from app.story.bible import Bible, Character, Location, save_bible
from app.story.loop import WritersRoomParams, run_writers_room

from .llm_stub import BagOfWordsEmbedder, StubServer, chat_body

STORY = "Maya climbs the lighthouse in the storm.\n\nAt the harbour, Tom watches the dark tower."


def page(
    summary: str, description: str, location: str = "Lighthouse", speaker: str = "Maya", text: str = "Almost there."
) -> tuple[int, dict]:
    panel = {
        "location": location,
        "shot": "wide",
        "description": description,
        "characters": [speaker],
        "dialogue": [{"kind": "speech", "speaker": speaker, "text": text}],
    }
    return 200, chat_body(json.dumps({"summary": summary, "panels": [panel]}))


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()


@pytest.fixture
def bible_file(tmp_path):
    bible = Bible(
        title="The Last Lamp",
        characters=[
            Character(name="Maya", description="keeper", outfit="yellow raincoat"),
            Character(name="Tom", description="brother"),
        ],
        locations=[Location(name="Lighthouse"), Location(name="Harbour")],
    )
    return save_bible(bible, tmp_path / "bible.json")


def params(tmp_path, bible_file, **kw) -> WritersRoomParams:
    values = {
        "story_text": STORY,
        "pages": 2,
        "out_path": tmp_path / "out" / "script.txt",
        "bible_path": bible_file,
        "min_panels": 1,
        "max_panels": 2,
        "max_steps": 6,
    }
    values.update(kw)
    return WritersRoomParams(**values)


def settings(url: str) -> LLMSettings:
    return LLMSettings(url=url, timeout=5, max_retries=0, reasks=1)


def test_loop_writes_script_bible_and_index(stub, tmp_path, bible_file):
    stub.replies += [
        page("Maya climbs.", "Maya climbs."),
        page("Tom watches.", "Tom watches.", "Harbour", "Tom", "Look!"),
    ]
    p = params(tmp_path, bible_file)
    result = run_writers_room(p, settings(stub.url), embedder=BagOfWordsEmbedder())
    assert result.ok and result.failure is None and result.pages_drafted == 2 and result.steps_used == 2
    assert [s.step for s in result.log] == ["plan", "write", "write", "evaluate"]
    book = load_book(p.out_path)
    assert [pg.panels[0].characters for pg in book.pages] == [["Maya"], ["Tom"]]
    grown = json.loads(p.grown_bible_path.read_text())
    assert [x["summary"] for x in grown["pages"]] == ["Maya climbs.", "Tom watches."]
    assert (p.index_dir / "bible.faiss").is_file()
    assert WritersRoomResult_round_trip(result)


def WritersRoomResult_round_trip(result) -> bool:
    from app.story.loop import WritersRoomResult

    return WritersRoomResult.model_validate_json(result.model_dump_json()) == result


def test_revise_fixes_a_page_the_checks_flag(stub, tmp_path, bible_file):
    stub.replies += [
        page("Maya climbs.", "Maya, in a blue raincoat, climbs."),  # the bible says yellow
        page("Tom watches.", "Tom watches.", "Harbour", "Tom", "Look!"),
        page("Maya climbs.", "Maya, in her yellow raincoat, climbs."),
    ]
    result = run_writers_room(params(tmp_path, bible_file), settings(stub.url), embedder=BagOfWordsEmbedder())
    revise = [s for s in result.log if s.step == "revise"]
    assert [(s.page, s.detail) for s in revise] == [(1, "problems 1 -> 0")]
    assert (
        "outfit-mismatch" in stub.chat_requests()[2]["messages"][-1]["content"]
        or "raincoat is blue" in stub.chat_requests()[2]["messages"][-1]["content"]
    )
    assert result.ok and result.warnings == 0 and result.steps_used == 3


def test_step_budget_stops_revision(stub, tmp_path, bible_file):
    stub.replies += [
        page("Maya climbs.", "Maya, in a blue raincoat, climbs."),
        page("Tom watches.", "Tom watches.", "Harbour", "Tom", "Look!"),
    ]
    result = run_writers_room(
        params(tmp_path, bible_file, max_steps=2), settings(stub.url), embedder=BagOfWordsEmbedder()
    )
    assert (
        result.log[-1].detail == "skipped: step budget spent"
        and result.warnings == 1
        and len(stub.chat_requests()) == 2
    )


def test_invalid_reply_keeps_the_last_good_script(stub, tmp_path, bible_file):
    p = params(tmp_path, bible_file)
    p.out_path.parent.mkdir(parents=True)
    p.out_path.write_text("Title: Last good\n", encoding="utf-8")
    stub.replies += [
        page("Maya climbs.", "Maya climbs."),
        (200, chat_body("no JSON here")),
        (200, chat_body("still none")),
    ]
    result = run_writers_room(p, settings(stub.url), embedder=BagOfWordsEmbedder())
    assert not result.ok and result.pages_drafted == 1
    assert result.failure.startswith("page 2: the language model's reply is not valid DraftPage JSON after 2 attempts")
    assert f"{p.out_path} was left as it was (the last good script)" in result.failure
    assert p.out_path.read_text(encoding="utf-8") == "Title: Last good\n"
    assert load_book(p.partial_path).pages[0].panels[0].description == "[Lighthouse] Maya climbs."


def test_params_validate_in_one_sentence(tmp_path):
    with pytest.raises(ValueError, match=r"max_steps \(1\) must allow at least one model call per page \(2\)"):
        WritersRoomParams(story_text="x", pages=2, out_path=tmp_path / "s.txt", max_steps=1)


def run_cli(args, capsys):
    code = cli_main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_story_draft_and_check(stub, tmp_path, bible_file, capsys, monkeypatch):
    import app.services.story_service as service

    monkeypatch.setattr(service, "_EMBEDDER", BagOfWordsEmbedder())
    story = tmp_path / "storm.txt"
    story.write_text(STORY, encoding="utf-8")
    out = tmp_path / "storm_script.txt"
    stub.replies += [
        page("Maya climbs.", "Maya climbs."),
        page("Tom watches.", "Tom watches.", "Harbour", "Tom", "Look!"),
    ]
    code, stdout, stderr = run_cli(
        [
            "story",
            "draft",
            str(story),
            "--pages",
            "2",
            "--out",
            str(out),
            "--llm-url",
            stub.url,
            "--bible",
            str(bible_file),
            "--panels",
            "1-2",
        ],
        capsys,
    )
    assert code == 0, stderr
    assert stdout.startswith("Title: The Last Lamp") and "PAGE 2" in stdout
    assert "Drafted 2 of 2 page(s)" in stderr and "No coherence problems found." in stderr
    code, stdout, _ = run_cli(["story", "check", str(out)], capsys)
    assert (code, stdout.strip()) == (0, "No coherence problems found.")
    # an edited script with a speaker who is not in the panel fails the check, naming the fix
    out.write_text(out.read_text(encoding="utf-8").replace("Characters: TOM", "Characters: MAYA"), encoding="utf-8")
    code, stdout, _ = run_cli(["story", "check", str(out)], capsys)
    assert (
        code == 1
        and "error: page 2 panel 1: Tom speaks but is not in the panel -> add Tom to the panel's Characters" in stdout
    )


def test_cli_errors_are_one_sentence(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("INKFRAME__LLM__URL", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"llm": {"url": None}}), encoding="utf-8")
    story = tmp_path / "s.txt"
    story.write_text(STORY, encoding="utf-8")
    code, _, err = run_cli(
        ["--config", str(config), "story", "draft", str(story), "--pages", "1", "--out", str(tmp_path / "o.txt")],
        capsys,
    )
    assert code == 1 and err.strip().splitlines()[-1].startswith("error: no language model is configured; set llm.url")
    code, _, err = run_cli(
        [
            "--config",
            str(config),
            "story",
            "draft",
            str(tmp_path / "missing.txt"),
            "--pages",
            "1",
            "--out",
            str(tmp_path / "o.txt"),
        ],
        capsys,
    )
    assert (
        code == 1 and err.strip() == f"error: the story file {tmp_path / 'missing.txt'} does not exist; check the path."
    )
    code, _, err = run_cli(["--config", str(config), "story", "check", str(tmp_path / "missing.txt")], capsys)
    assert code == 1 and err.strip().startswith("error:") and "does not exist" in err


def test_story_job_kind_writes_script_and_bible_under_the_job(stub, tmp_path, bible_file, monkeypatch):
    import time as _time

    import app.services.story_service as service
    from app.jobs.models import Job

    monkeypatch.setattr(service, "_EMBEDDER", BagOfWordsEmbedder())
    stub.replies += [page("Maya climbs.", "Maya climbs.")]
    now = _time.time()
    job = Job(
        id="job1",
        kind="story",
        created_at=now,
        updated_at=now,
        parameters={
            "story_text": STORY,
            "pages": 1,
            "bible_path": str(bible_file),
            "min_panels": 1,
            "max_panels": 1,
            "llm_url": stub.url,
        },
    )
    from types import SimpleNamespace

    from app.config import Config

    context = SimpleNamespace(config=Config(), output_dir=tmp_path)  # what a worker hands its local jobs (JobContext)
    outputs = service.run_story_job(job, {}, context)
    assert [(o.filename, o.kind) for o in outputs] == [("script.txt", "file"), ("script.bible.json", "data")]
    assert load_book(tmp_path / outputs[0].path).pages[0].panels[0].characters == ["Maya"]
    bad = job.model_copy(update={"parameters": {"story_text": STORY, "pages": 0}})
    with pytest.raises(
        service.StoryError, match=r"^story parameter pages: input should be greater than or equal to 1\.$"
    ):
        service.run_story_job(bad, {}, context)


def test_generate_step_sends_the_draft_through_the_book_pipeline(stub, tmp_path, bible_file, monkeypatch):
    pytest.importorskip("skimage.data", reason="scikit-image provides the synthetic backend's photo")
    import app.services.story_service as service
    from app.config import load_config
    from tests.unit.book_helpers import SyntheticBackend

    monkeypatch.setattr(service, "_EMBEDDER", BagOfWordsEmbedder())
    stub.replies += [
        page("Maya climbs.", "Maya climbs."),
        page("Tom watches.", "Tom watches.", "Harbour", "Tom", "Look!"),
    ]
    backend = SyntheticBackend()
    config = load_config(environ={})
    result = service.draft_story(
        config,
        story_text=STORY,
        pages=2,
        out_path=tmp_path / "s.txt",
        llm_url=stub.url,
        bible_path=bible_file,
        min_panels=1,
        max_panels=2,
        page_size="a5",
        build_dir=tmp_path / "build",
        panel_backend=backend,
        build_max_side=64,
    )
    assert result.ok and result.generate_error is None
    assert [s.step for s in result.log].count("generate") == 1
    assert sum(r.workflow in ("panel", "img2img_restyle") for r in backend.requests) == 2  # one panel per page
    assert list((tmp_path / "build").rglob("*.png"))


def test_a_failing_generate_step_keeps_the_script(stub, tmp_path, bible_file):
    from app.errors import InkframeError

    def broken(book):
        raise InkframeError("ComfyUI at http://127.0.0.1:9 cannot be reached.")

    stub.replies += [
        page("Maya climbs.", "Maya climbs."),
        page("Tom watches.", "Tom watches.", "Harbour", "Tom", "Look!"),
    ]
    p = params(tmp_path, bible_file)
    result = run_writers_room(p, settings(stub.url), embedder=BagOfWordsEmbedder(), generate=broken)
    assert result.generate_error == "ComfyUI at http://127.0.0.1:9 cannot be reached." and p.out_path.is_file()
    assert [s.detail for s in result.log if s.step == "generate"] == [
        "failed: ComfyUI at http://127.0.0.1:9 cannot be reached."
    ]


def test_bad_story_parameters_fail_before_any_model_call(stub, tmp_path, capsys):
    story = tmp_path / "s.txt"
    story.write_text(STORY, encoding="utf-8")
    code, _, err = run_cli(
        [
            "story",
            "draft",
            str(story),
            "--pages",
            "1",
            "--out",
            str(tmp_path / "o.txt"),
            "--llm-url",
            stub.url,
            "--page-size",
            "huge",
        ],
        capsys,
    )
    assert code == 1 and err.strip().startswith(
        "error: story parameters: unknown page size 'huge'; choose one of: us-comic"
    )
    assert stub.requests == []
