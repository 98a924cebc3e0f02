"""What ``review screen`` serves: the screening app (``app.py``) behind the sign-in gate
(``gate.py``), as one Streamlit ``st.App`` (Starlette): the gate's routes and middleware run
before Streamlit sees a request."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from screening_app import gate  # noqa: E402

os.environ[gate.GATE_ENV] = "1"  # the app's pages know sign-in and sign-out are the gate's

app = st.App(
    str(Path(__file__).resolve().parent / "app.py"),
    routes=gate.routes(),
    middleware=[Middleware(gate.SignInGate)],
)
