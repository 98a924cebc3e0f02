"""``review screen``: the command line it runs, its errors, and a real start on a free port."""

from __future__ import annotations

import socket
import sys
import urllib.request

from serve import review_screen

from review.cli import main
from review.commands.app import app_script, app_url, streamlit_command


def test_app_script_is_found_through_the_package():
    script = app_script()
    assert script.name == "app.py" and script.parent.name == "screening_app" and script.is_file()


def test_streamlit_command_line():
    cmd = streamlit_command(app_script(), "127.0.0.1", 8600)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert cmd[cmd.index("--server.port") + 1] == "8600"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert app_url("0.0.0.0", 8600) == "http://localhost:8600/"


def test_port_in_use_is_a_clear_error(project, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = main(["--project", str(project.root), "screen", "--port", str(port)])
    assert status == 1
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


def test_bad_port_is_a_usage_error(project, capsys):
    assert main(["--project", str(project.root), "screen", "--port", "70000"]) == 2
    assert "--port takes a port number" in capsys.readouterr().err


def test_review_screen_serves_the_app_and_prints_its_url(project, tmp_path):
    log = tmp_path / "screen.log"
    with review_screen(project.root, log) as (url, proc):
        with urllib.request.urlopen(url, timeout=10) as page:  # a page, not just the health check:
            # before sign-in the server answers with its sign-in form
            assert page.status == 200 and b'<form method="post" action="/auth/signin">' in page.read()
    printed = log.read_text()
    assert f"Screening app for 'proj': {url}" in printed
    # stopped with its process group: nothing listens on the port any more
    assert proc.poll() is not None
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
        again.listen()


def test_streamlit_serves_https_with_tls_files(tmp_path):
    from pathlib import Path

    cert, key = Path("/x/cert.pem"), Path("/x/key.pem")
    cmd = streamlit_command(app_script(), "0.0.0.0", 8600, (cert, key))
    assert cmd[cmd.index("--server.sslCertFile") + 1] == str(cert)
    assert cmd[cmd.index("--server.sslKeyFile") + 1] == str(key)
    assert "--server.sslCertFile" not in streamlit_command(app_script(), "0.0.0.0", 8600)
    assert app_url("0.0.0.0", 8600, tls=True) == "https://localhost:8600/"


def test_tls_files_are_checked(project, tmp_path, capsys):
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    assert main(["--project", str(project.root), "screen", "--tls-cert", str(cert)]) == 2
    assert "--tls-cert and --tls-key go together" in capsys.readouterr().err
    assert main(["--project", str(project.root), "screen", "--tls-cert", str(cert), "--tls-key", str(cert)]) == 2
    assert "not a PEM file" in capsys.readouterr().err
    assert main(["--project", str(project.root), "screen", "--tls-cert", str(tmp_path / "no.pem"),
                 "--tls-key", str(cert)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_every_interface_without_tls_warns():
    from review.commands.app import clear_text_warning

    assert "travel in clear" in clear_text_warning("0.0.0.0", False)
    assert clear_text_warning("0.0.0.0", True) is None
    assert clear_text_warning("127.0.0.1", False) is None


def test_first_start_prints_the_lead_link_and_later_starts_nothing_secret(project, tmp_path):
    import re

    import review.screening as rules
    from review.store import open_store

    first, second = tmp_path / "first.log", tmp_path / "second.log"
    with review_screen(project.root, first, extra=["--lead", "maria"]) as (url, _proc):
        deadline = __import__("time").monotonic() + 30
        while (not re.search(r"\?token=(?!YOUR-TOKEN)", first.read_text())
               and __import__("time").monotonic() < deadline):  # the lead's link, not the hint
            __import__("time").sleep(0.2)
    printed = first.read_text()
    match = re.search(r"\?token=(?!YOUR-TOKEN)(\S+)", printed)
    assert match and "maria is its lead now" in printed
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        assert rules.authenticate(conn, match.group(1)).role == "lead"
    engine.dispose()
    with review_screen(project.root, second) as (url, _proc):
        __import__("time").sleep(1)
    later = second.read_text()
    assert "Screening app for" in later
    assert not re.search(r"\?token=(?!YOUR-TOKEN)", later) and "lead now" not in later


def test_upload_limit_reaches_streamlit(project, capsys):
    cmd = streamlit_command(app_script(), "127.0.0.1", 8600, None, 50)
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == "50"
    default = streamlit_command(app_script(), "127.0.0.1", 8600)
    assert default[default.index("--server.maxUploadSize") + 1] == "200"
    assert main(["--project", str(project.root), "screen", "--max-upload-mb", "0"]) == 2
    assert "--max-upload-mb takes a size" in capsys.readouterr().err


def test_project_after_screen_is_the_project(project, tmp_path, capsys):
    # the global option and the one after `screen` name the same thing; the port check comes
    # after the project is opened, so a busy port shows the project was found
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["screen", "--project", str(project.root), "--port", str(port)]) == 1
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err
    assert main(["screen", "--project", str(tmp_path / "nowhere"), "--port", str(port)]) == 1
    assert "nowhere" in capsys.readouterr().err


def test_a_busy_port_creates_no_lead(project, capsys):
    import review.screening as rules
    from review.store import open_store

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--project", str(project.root), "screen", "--port", str(port), "--lead", "maria"]) == 1
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        assert rules.get_reviewer(conn, "maria") is None  # a later start still creates and shows it
    engine.dispose()
