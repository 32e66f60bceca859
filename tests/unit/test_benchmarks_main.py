"""`python -m benchmarks NAME [OPTIONS]`: options after one name reach that benchmark's main(argv)."""

from __future__ import annotations

import benchmarks.__main__ as runner


def test_options_after_one_name_go_to_that_benchmark(monkeypatch, capsys):
    seen: list[list[str] | None] = []

    class Bench:
        @staticmethod
        def main(argv: list[str] | None = None) -> int:
            seen.append(argv)
            return 0

    monkeypatch.setattr(runner, "discover", lambda: ["one", "two"])
    monkeypatch.setattr(runner.importlib, "import_module", lambda _name: Bench)
    assert runner.main(["one", "--panels", "3"]) == 0 and seen == [["--panels", "3"]]
    assert runner.main(["one", "two"]) == 0 and seen[-2:] == [None, None]
    assert runner.main(["one", "two", "--panels", "3"]) == 2
    assert "name exactly one" in capsys.readouterr().err
    assert runner.main(["three"]) == 2
