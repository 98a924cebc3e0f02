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
