"""`python main.py queue ...` and `batch FILE` through the CLI entry point (embedded store, no worker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INKFRAME__QUEUE__SQLITE_PATH", str(tmp_path / "jobs.db"))
    monkeypatch.setenv("INKFRAME__APP__OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("INKFRAME_CONFIG", str(tmp_path / "absent.yaml"))
    return tmp_path


def ls_json(capsys) -> dict:
    capsys.readouterr()
    assert main(["queue", "ls", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_bad_batch_file_queues_nothing_and_names_the_line(tmp_path: Path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("jobs:\n  - kind: collect\n    key: a\n  - kind: collect\n    key: b\n    depends_on: [ghost]\n")
    assert main(["batch", str(bad), "--no-wait"]) == 1
    err = capsys.readouterr().err
    assert (
        f"error: {bad} line 4: depends_on 'ghost' is neither a key in this submission "
        "nor an existing job id; nothing was queued."
    ) in err
    assert ls_json(capsys)["total"] == 0


def test_batch_then_control_by_job_and_by_batch(tmp_path: Path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("kind,key,priority,depends_on\ncollect,a,1,\ncollect,b,2,a\n")
    assert main(["batch", str(good), "--no-wait", "--batch-id", "nightly"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "nightly" and "note: no worker is running" in err
    jobs = ls_json(capsys)["items"]
    assert [(j["key"], j["status"], j["priority"]) for j in jobs] == [("a", "queued", 1), ("b", "queued", 2)]
    assert main(["queue", "pause", jobs[0]["id"]]) == 0
    assert main(["queue", "priority", "--batch", "nightly", "7"]) == 0
    capsys.readouterr()
    assert main(["queue", "cancel", "--batch", "nightly"]) == 0  # cancelling a cancels b, which depends on it
    assert "1 job(s) changed, 1 skipped" in capsys.readouterr().err
    assert {(j["status"], j["priority"]) for j in ls_json(capsys)["items"]} == {("cancelled", 7)}
    assert main(["queue", "retry", jobs[1]["id"]]) == 1
    assert f"its dependency {jobs[0]['id']} cancelled; retry that job first." in capsys.readouterr().err
    assert main(["queue", "retry", jobs[0]["id"]]) == 0  # brings its dependent back too
    assert main(["queue", "show", jobs[1]["id"]]) == 0
    shown = capsys.readouterr().out
    assert "status: queued" in shown and f"(dependency): dependency {jobs[0]['id']} cancelled" in shown
    assert main(["queue", "ls", "--status", "queued"]) == 0
    assert "2 of 2 job(s)" in capsys.readouterr().err
    assert main(["queue", "ls", "--limit", "1"]) == 0
    out, err = capsys.readouterr()
    assert "1 of 2 job(s)" in err and jobs[1]["id"] in out and jobs[0]["id"] not in out  # the newest


def test_wrong_targets_and_states_are_one_sentence(capsys):
    assert main(["queue", "cancel"]) == 2
    assert "error: give either a job id or --batch BATCH_ID to cancel." in capsys.readouterr().err
    assert main(["queue", "show", "nope"]) == 1
    assert "error: no job with id 'nope'" in capsys.readouterr().err
    assert main(["queue", "pause", "--batch", "nope"]) == 1
    assert "error: no batch with id 'nope'" in capsys.readouterr().err
    assert main(["queue", "ls", "--status", "exploded"]) == 1
    assert "error: bad filter: status" in capsys.readouterr().err
