"""``review screen``: start the screening app (Streamlit) on the project."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from review.commands.context import engine_of, project_of
from review.project import ENV_PROJECT, Project

DEFAULT_PORT = 8501
DEFAULT_HOST = "127.0.0.1"
# Calm colours, as Covidence and Rayyan use: the primary action (Include) is blue, not
# Streamlit's default red, which reads as an alarm; Exclude and Maybe stay neutral.
THEME = {"theme.primaryColor": "#2563eb"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "screen",
        help="start the screening app in the browser",
        description="Start the dual-reviewer screening app (Streamlit) on this project and print "
        "its address. Reviewers sign in with the token `review reviewers add NAME` gave them, "
        "or with a sign-in link ADDRESS?token=TOKEN. Stop it with Ctrl-C; every vote is stored "
        "as it is cast.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="H",
        help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 for every "
        "interface, e.g. two reviewers on a local network; without --tls-cert it warns that "
        "sign-in links travel in clear)",
    )
    # `review screen --project DIR` as well as `review --project DIR screen` (given here, it wins)
    p.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS,
                   help="the review project's folder (as the global --project)")
    p.add_argument(
        "--lead",
        metavar="NAME",
        help="when the project has no lead yet, the lead this first start creates (default: your "
        "login name); its sign-in link is printed once. Ignored once the project has a lead",
    )
    p.add_argument("--max-upload-mb", type=int, default=None, metavar="N",
                   help="largest export file the Import page accepts, in MB (default 200)")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM; with --tls-key)")
    p.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM; with --tls-cert)")
    p.set_defaults(func=cmd_screen)


EVERY_INTERFACE = ("0.0.0.0", "::", "")


def clear_text_warning(host: str, tls: bool) -> str | None:
    """The warning for an app reachable from other machines over plain HTTP, else None."""
    if tls or host not in EVERY_INTERFACE:
        return None
    return (
        f"review: warning: --host {host or '0.0.0.0'} without --tls-cert/--tls-key serves plain HTTP: "
        "sign-in links and session cookies travel in clear over the network. Use --tls-cert FILE "
        "--tls-key FILE, or a reverse proxy with HTTPS in front (docs/screening-app.md)"
    )


def check_tls(cert: str | None, key: str | None) -> tuple[Path, Path] | None:
    """The certificate and key files (both or neither), checked readable; None without TLS."""
    from review.commands.context import CommandError

    if not cert and not key:
        return None
    if not (cert and key):
        raise CommandError("--tls-cert and --tls-key go together: give both files", 2)
    out = []
    for flag, name in (("--tls-cert", cert), ("--tls-key", key)):
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise CommandError(f"{flag} {name}: no such file", 2)
        try:
            head = path.read_bytes()[:4096]
        except OSError as exc:
            raise CommandError(f"{flag} {name}: cannot read it ({exc.strerror})", 2) from exc
        if b"-----BEGIN " not in head:
            raise CommandError(f"{flag} {name}: not a PEM file (no '-----BEGIN' line)", 2)
        out.append(path)
    return out[0], out[1]


def app_script() -> Path:
    """``screening_app/app.py`` of the installed ``screening_app`` package."""
    import screening_app

    return Path(screening_app.__file__).resolve().parent / "app.py"


def server_script() -> Path:
    """``screening_app/server.py``: the app behind its sign-in gate (what ``review screen`` runs)."""
    return app_script().parent / "server.py"


def streamlit_command(
    script: Path, host: str, port: int, tls: tuple[Path, Path] | None = None, max_upload_mb: int | None = None
) -> list[str]:
    """The ``streamlit run`` command line (the same Python as this process); with ``tls``
    (certificate, key) Streamlit serves HTTPS itself (``server.sslCertFile``/``sslKeyFile``)."""
    from review.uploads import max_upload_mb as default_upload_mb

    extra = ["--server.sslCertFile", str(tls[0]), "--server.sslKeyFile", str(tls[1])] if tls else []
    # Streamlit refuses larger uploads itself; review.uploads checks the same limit again
    extra += ["--server.maxUploadSize", str(max_upload_mb or default_upload_mb())]
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        *[arg for key, value in THEME.items() for arg in (f"--{key}", value)],
        "--client.showErrorDetails", "none",  # an unexpected error is one line, never a traceback
        *extra,
    ]


def app_url(host: str, port: int, *, tls: bool = False) -> str:
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"{'https' if tls else 'http'}://{shown}:{port}/"


def port_in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def wait_until_answering(
    proc: subprocess.Popen, host: str, port: int, timeout: float = 120.0, *, tls: bool = False
) -> bool:
    """Wait until the app at ``host:port`` answers its health check; False if the app
    process ended first or ``timeout`` seconds passed."""
    import ssl
    import time
    import urllib.request

    local = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"{app_url(local, port, tls=tls)}_stcore/health"
    # our own app on this machine: its certificate names the public host, not 127.0.0.1
    context = ssl._create_unverified_context() if tls else None  # noqa: S323
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:  # noqa: S310 - our own local app
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def cmd_screen(args: argparse.Namespace) -> int:
    from review.commands.context import CommandError

    if not 0 < args.port < 65536:
        raise CommandError(f"--port takes a port number from 1 to 65535, not {args.port}", 2)
    if args.max_upload_mb is not None and not 0 < args.max_upload_mb <= 10_000:
        raise CommandError(f"--max-upload-mb takes a size from 1 to 10000 (MB), not {args.max_upload_mb}", 2)
    tls = check_tls(args.tls_cert, args.tls_key)
    project = project_of(args)
    engine = engine_of(args)  # the store exists and its schema is current before the app starts
    from review.screening.first_lead import ensure_lead

    if port_in_use(args.host, args.port):  # before a lead is made whose link could not be shown
        raise CommandError(f"port {args.port} on {args.host} is in use; choose another with --port N")
    created = ensure_lead(engine, args.lead)
    engine.dispose()
    warning = clear_text_warning(args.host, tls is not None)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    shown: list[bool] = []
    url = app_url(args.host, args.port, tls=tls is not None)

    def show_first_lead() -> None:
        assert created is not None
        name, token = created
        shown.append(True)
        print(f"\n  The project had no lead: {name} is its lead now. Sign in (this link is shown "
              f"once; keep it private):\n    {url}?token={token}", flush=True)

    on_ready = show_first_lead if created is not None else None
    try:
        return run_app(project, host=args.host, port=args.port, on_ready=on_ready, tls=tls,
                       max_upload_mb=args.max_upload_mb)
    finally:
        if created is not None and not shown:  # the app never answered: the link is not lost
            print(f"review: the app did not start, but {created[0]} is the project's lead now; their "
                  f"sign-in link, once the app runs: {url}?token={created[1]}", file=sys.stderr, flush=True)


def run_app(
    project: Project,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    on_ready: Callable[[], None] | None = None,
    tls: tuple[Path, Path] | None = None,
    max_upload_mb: int | None = None,
) -> int:
    """Serve the screening app on ``project`` until it stops (Ctrl-C); return its exit status.

    Prints the address first. ``on_ready`` runs once the app answers (after Streamlit's own
    start-up lines), so what it prints comes last: ``review demo``'s sign-in links.
    ``review demo`` and ``review screen`` both start the app here.
    """
    from review.commands.context import CommandError

    if port_in_use(host, port):
        raise CommandError(f"port {port} on {host} is in use; choose another with --port N")
    from review.screening import screening_settings

    script = server_script()
    # --max-upload-mb, else the project's screening.max_upload_mb (default 200): Streamlit
    # refuses larger uploads and review.uploads checks the same limit again
    upload_mb = max_upload_mb or screening_settings(project.config).max_upload_mb
    env = dict(os.environ)
    env[ENV_PROJECT] = str(project.root)
    # the app imports this same tree of ``review`` and ``screening_app``
    tree = str(script.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (tree, env.get("PYTHONPATH", "")) if p)
    from review.uploads import ENV_MAX_UPLOAD_MB

    env[ENV_MAX_UPLOAD_MB] = str(int(upload_mb))
    env["PYTHONUNBUFFERED"] = "1"  # Streamlit's lines come out in order with ours, also in a pipe
    url = app_url(host, port, tls=tls is not None)
    print(f"Screening app for {project.name!r}: {url}", flush=True)
    print(f"  sign in with your token, or open {url}?token=YOUR-TOKEN; Ctrl-C stops the app", flush=True)
    proc = subprocess.Popen(streamlit_command(script, host, port, tls, upload_mb), env=env, cwd=project.root)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)

    def stop(_signum, _frame):  # a service manager's stop: end the app like Ctrl-C does
        raise KeyboardInterrupt

    if in_main_thread:
        signal.signal(signal.SIGTERM, stop)
    try:
        if on_ready is not None and wait_until_answering(proc, host, port, tls=tls is not None):
            on_ready()
            sys.stdout.flush()
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        print("review: screening app stopped; every vote cast is stored", file=sys.stderr)
        return 0
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
