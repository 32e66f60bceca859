"""Batch files (YAML/CSV): whole-file parsing, line numbers in every error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.jobs.batch_file import BatchFileError, parse_batch_file


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_with_defaults_prompt_file_and_dependencies(tmp_path: Path):
    (tmp_path / "p.json").write_text(json.dumps({"1": {"class_type": "EmptyImage", "inputs": {}}}))
    parsed = parse_batch_file(
        write(
            tmp_path,
            "book.yaml",
            """\
batch_id: book1
defaults:
  priority: 5
jobs:
  - kind: prompt
    key: panel1
    prompt_file: p.json
  - kind: workflow
    key: panel2
    workflow: workflows/panel.json
    parameters: {overrides: {seed: 3}}
  - kind: collect
    key: export
    priority: 9
    depends_on: [panel1, panel2]
""",
        )
    )
    assert parsed.batch_id == "book1" and parsed.lines == [5, 8, 12]
    assert parsed.jobs[0].parameters["prompt"]["1"]["class_type"] == "EmptyImage" and parsed.jobs[0].priority == 5
    assert parsed.jobs[1].parameters == {"overrides": {"seed": 3}, "workflow": "workflows/panel.json"}
    assert parsed.jobs[2].depends_on == ["panel1", "panel2"] and parsed.jobs[2].priority == 9
    assert parsed.where(2) == f"{tmp_path / 'book.yaml'} line 12"


def test_csv_columns_become_typed_parameters(tmp_path: Path):
    parsed = parse_batch_file(
        write(
            tmp_path,
            "jobs.csv",
            "kind,key,priority,depends_on,param.seed,param.name\n"
            "collect,a,3,,42,first\ncollect,b,,a;c,7.5,\ncollect,c,,,,\n",
        )
    )
    assert [job.key for job in parsed.jobs] == ["a", "b", "c"] and parsed.lines == [2, 3, 4]
    assert parsed.jobs[0].parameters == {"seed": 42, "name": "first"} and parsed.jobs[0].priority == 3
    assert parsed.jobs[1].depends_on == ["a", "c"] and parsed.jobs[1].parameters == {"seed": 7.5}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "bad.yaml",
            "jobs:\n  - kind: collect\n  - kind: collect\n    priority: 300\n",
            "bad.yaml line 3: priority: Input should be less than or equal to 100; nothing was queued.",
        ),
        ("bad.yaml", "jobs:\n  - kind: collect\n    colour: red\n", "bad.yaml line 2: unknown field colour"),
        ("bad.yaml", "jobs:\n  - kind: collect\n   key: [\n", "bad.yaml line 3: not valid YAML"),
        ("bad.yaml", "jobs: []\n", "expected a non-empty list of jobs"),
        ("bad.yaml", "jobz: []\n", "bad.yaml line 1: unknown top-level key jobz"),
        (
            "bad.yaml",
            "- kind: prompt\n  prompt_file: nope.json\n",
            "bad.yaml line 1: prompt_file nope.json cannot be read as JSON",
        ),
        ("bad.csv", "key,priority\na,1\n", "bad.csv line 1: the header row must have a kind column"),
        ("bad.csv", "kind,key\ncollect,a\ncollect,b,extra\n", "bad.csv line 3: the row has more cells than the header"),
        (
            "bad.csv",
            "kind,key,priority\ncollect,a,1\ncollect,b,high\n",
            "bad.csv line 3: priority: Input should be a valid integer",
        ),
        ("bad.txt", "kind\n", "unknown batch file type .txt"),
    ],
)
def test_errors_name_the_file_and_line(tmp_path: Path, name: str, text: str, message: str):
    with pytest.raises(BatchFileError) as caught:
        parse_batch_file(write(tmp_path, name, text))
    assert message in str(caught.value)
