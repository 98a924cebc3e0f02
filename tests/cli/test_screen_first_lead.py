"""`review screen` on a project with no lead: the new lead's sign-in link is never lost."""

from __future__ import annotations

import review.commands.app as app_cmd
from review.cli import main


def test_link_is_printed_once_the_app_answers(project, capsys, monkeypatch):
    def fake_run_app(project, *, host, port, on_ready, tls, max_upload_mb):
        on_ready()  # the app answered
        return 0

    monkeypatch.setattr(app_cmd, "run_app", fake_run_app)
    monkeypatch.setattr(app_cmd, "port_in_use", lambda host, port: False)
    assert main(["--project", str(project.root), "screen", "--lead", "ana", "--port", "8599"]) == 0
    out, err = capsys.readouterr()
    assert "ana is its lead now" in out and ":8599/?token=" in out
    assert "did not start" not in err


def test_link_is_printed_when_the_app_never_answers(project, capsys, monkeypatch):
    def fake_run_app(project, *, host, port, on_ready, tls, max_upload_mb):
        return 1  # the app ended before answering: on_ready never ran

    monkeypatch.setattr(app_cmd, "run_app", fake_run_app)
    monkeypatch.setattr(app_cmd, "port_in_use", lambda host, port: False)
    assert main(["--project", str(project.root), "screen", "--lead", "ana", "--port", "8599"]) == 1
    err = capsys.readouterr().err
    assert "the app did not start, but ana is the project's lead now" in err
    assert ":8599/?token=" in err
