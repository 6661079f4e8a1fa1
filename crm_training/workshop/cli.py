"""``crm-training workshop [--data DIR] [--port N] [--no-browser]``: the dashboard as a Voila app.

Voila runs in a child process (``python -m voila``) on 127.0.0.1 only. It serves a copy of the
notebook shipped inside the package, ``crm_training/workshop/workshop_notebook.json`` (byte for
byte ``notebooks/workshop.ipynb``; a test keeps them equal), written to a temporary folder as
``workshop.ipynb`` and removed at the end. So the command works from an installed wheel as well
as from a checkout, the package data rule ``**/*.json`` already ships it, and nbval, which runs
every ``.ipynb`` it finds, does not run the package's copy a second time. ``--data`` reaches the
notebook as the environment variable ``CRM_WORKSHOP_DATA`` (an absolute path). Ctrl-C, or
SIGTERM, stops Voila and its kernel before the command returns.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA_ENV = "CRM_WORKSHOP_DATA"
DEFAULT_PORT = 8866  # Voila's own default
NOTEBOOK = Path(__file__).with_name("workshop_notebook.json")  # notebooks/workshop.ipynb
START_TIMEOUT = 90.0  # seconds for Voila to listen (quick, but CI machines can be slow)


class _Stop(Exception):
    """Ctrl-C (SIGINT) or SIGTERM, turned into an exception so that Voila is always stopped."""


def add_arguments(parser) -> None:
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="a client's folder (or file) of exports to open, validated on load "
                             "(default: a built-in synthetic scenario)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 = any free port)")
    parser.add_argument("--no-browser", action="store_true",
                        help="only print the address, do not open a browser")


def _error(message: str) -> int:
    print(f"crm-training workshop: {message}", file=sys.stderr)
    return 2


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def voila_command(port: int, notebook: Path) -> list[str]:
    """The Voila command line: localhost only, no browser (this command opens it when ready)."""
    return [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
            "--Voila.ip=127.0.0.1", "--Voila.log_level=WARN"]


def check_arguments(args) -> tuple[int, dict] | str:
    """Validate the arguments: ``(port, environment)`` or a one-line error message."""
    env = dict(os.environ)
    if args.data is not None:
        data = Path(args.data).expanduser()
        if not data.exists():
            return f"--data: no such folder: {args.data}"
        if data.is_dir():
            from ..clients.reading import SUPPORTED, list_client_files

            if not list_client_files(data):
                return (f"--data: {args.data} holds no client files "
                        f"({', '.join(SUPPORTED)})")
        env[DATA_ENV] = str(data.resolve())
    port = args.port
    if not 0 <= port <= 65535:
        return f"--port must be between 1 and 65535 (or 0 for any free port), not {port}"
    if port == 0:
        port = free_port()
    elif _port_in_use(port):
        return f"--port: port {port} is already in use on 127.0.0.1; choose another (or 0)"
    if not NOTEBOOK.is_file():
        return f"the workshop notebook is missing from the package: {NOTEBOOK}"
    return port, env


def _wait_for_port(proc: subprocess.Popen, port: int, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, Linux only
    """Ask Linux to SIGTERM Voila if this command dies without cleaning up (e.g. SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # Voila (a Jupyter server) shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(args) -> int:
    checked = check_arguments(args)
    if isinstance(checked, str):
        return _error(checked)
    port, env = checked
    if importlib.util.find_spec("voila") is None:
        print("crm-training workshop: Voila is not installed (pip install voila)", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{port}/"

    def on_signal(signum, frame):
        raise _Stop

    # Ctrl-C and SIGTERM both stop Voila cleanly; SIGINT is set explicitly because a shell
    # that starts a command in the background makes it ignore SIGINT
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    folder = tempfile.TemporaryDirectory(prefix="crm-workshop-")
    proc = None
    try:
        notebook = Path(folder.name) / "workshop.ipynb"
        shutil.copyfile(NOTEBOOK, notebook)
        # a session of its own: Ctrl-C reaches this process only, which then stops Voila
        # (preexec_fn is safe here: this command runs no threads)
        proc = subprocess.Popen(voila_command(port, notebook), env=env, start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        if not _wait_for_port(proc, port, START_TIMEOUT):
            code = proc.poll()
            print(f"crm-training workshop: Voila did not start (exit code {code})"
                  if code is not None else "crm-training workshop: Voila did not answer in "
                  f"{START_TIMEOUT:.0f} s", file=sys.stderr)
            return 1
        source = env.get(DATA_ENV, "built-in synthetic scenario")
        print(f"Workshop dashboard: {url}  (data: {source}; Ctrl-C to stop)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        code = proc.wait()
        print(f"crm-training workshop: Voila exited (code {code})", file=sys.stderr)
        return 1 if code else 0
    except (KeyboardInterrupt, _Stop):
        print("Stopping the workshop ...", flush=True)
        return 0
    finally:
        for sig in previous:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        if proc is not None:
            _stop(proc)
        folder.cleanup()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
