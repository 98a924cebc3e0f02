"""Terminal progress (review.commands.progress): printed on a terminal only, one line per
phase, in place."""

from __future__ import annotations

import io

from review.commands.progress import terminal_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_for_a_pipe_or_file():
    assert terminal_progress("review dedup", io.StringIO()) is None


def test_one_line_per_phase_redrawn_in_place():
    out = _Terminal()
    show = terminal_progress("review dedup", out)
    for done in (0, 500, 501, 1000):  # 501 is still 50%: not redrawn
        show(done, 1000, "scoring")
    show(0, 1, "loading")
    show(1, 1, "loading")
    show(0, 0, "clustering")  # an empty phase is complete at once
    text = out.getvalue()
    assert text.count("scoring") == 3
    assert "\rreview dedup: scoring 500 of 1,000 (50%)" in text
    assert text.split("\n") == [
        "\rreview dedup: scoring 0 of 1,000 (0%)\rreview dedup: scoring 500 of 1,000 (50%)"
        "\rreview dedup: scoring 1,000 of 1,000 (100%)",
        "\rreview dedup: loading (0%)\rreview dedup: loading (100%)",
        "\rreview dedup: clustering (100%)",
        "",
    ]


def test_review_dedup_prints_progress_to_a_terminal_only(project, monkeypatch, capsys):
    from pathlib import Path

    from review.cli import main

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    monkeypatch.chdir(project.root)
    assert main(["import", str(sample / "pubmed-blue-light.nbib"), "--database", "PubMed"]) == 0
    capsys.readouterr()
    assert main(["dedup"]) == 0
    assert "review dedup:" not in capsys.readouterr().err  # captured stderr is no terminal
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["dedup"]) == 0
    lines = terminal.getvalue().split("\n")
    phases = [line.rsplit("\r", 1)[-1].split(":", 1)[1].split()[0] for line in lines if line]
    assert phases == ["loading", "normalising", "blocking", "scoring", "clustering", "storing"]
    assert all(line.endswith("(100%)") for line in lines if line)
    assert "duplicates removed" in capsys.readouterr().out  # the summary still goes to stdout
