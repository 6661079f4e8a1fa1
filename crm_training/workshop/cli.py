"""``crm-training workshop [--data DIR] [--root DIR] [--port N] [--no-browser]``: the dashboard as a
Voila app.

Voila runs in a child process (:mod:`.server`: Voila with a token, a Host check and at most a
few kernels) on 127.0.0.1 only. It serves a copy of the
notebook shipped inside the package, ``crm_training/workshop/workshop_notebook.json`` (byte for
byte ``notebooks/workshop.ipynb``; a test keeps them equal), written to a temporary folder as
``workshop.ipynb`` and removed at the end. So the command works from an installed wheel as well
as from a checkout, the package data rule ``**/*.json`` already ships it, and nbval, which runs
every ``.ipynb`` it finds, does not run the package's copy a second time. ``--data`` reaches the
notebook as the environment variable ``CRM_WORKSHOP_DATA`` (an absolute path), and the folder
the dashboard may open client folders under as ``CRM_WORKSHOP_ROOT`` (``--root``; by default
the ``--data`` folder itself, so another client's folder beside it stays out of reach; without
``--data`` and ``--root``, no client folder opens). Each start draws a new random token
(``secrets.token_urlsafe``), hands it to the server in its environment (never on a command line
that ``ps`` shows), prints the address with ``?token=...`` and opens the browser there. Ctrl-C,
or SIGTERM, stops Voila and its kernels before the command returns.
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .paths import MONEY_ENV, ROOT_ENV, within
from .server import READY_ENV

DATA_ENV = "CRM_WORKSHOP_DATA"
COMPANY_ENV = "CRM_WORKSHOP_COMPANY"    # read by the dashboard (dashboard.COMPANY_ENV)
LANGUAGE_ENV = "CRM_WORKSHOP_LANGUAGE"  # read by the notebook
SCENARIO_ENV = {"industry": "CRM_WORKSHOP_INDUSTRY", "customers": "CRM_WORKSHOP_CUSTOMERS"}
TOKEN_ENV = "CRM_WORKSHOP_TOKEN"  # read (and removed from the environment) by server.py
SERVER = Path(__file__).with_name("server.py")
DEFAULT_PORT = 8866  # Voila's own default
NOTEBOOK = Path(__file__).with_name("workshop_notebook.json")  # notebooks/workshop.ipynb
START_TIMEOUT = 90.0  # seconds for Voila to listen (quick, but CI machines can be slow)


class _Stop(Exception):
    """Ctrl-C (SIGINT) or SIGTERM, turned into an exception so that Voila is always stopped."""


def add_arguments(parser) -> None:
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="a client's folder (or file) of exports to open, validated on load, "
                             "or the folder `crm-training validate ... --out` wrote "
                             "(default: a built-in synthetic scenario)")
    parser.add_argument("--root", default=None, metavar="DIR",
                        help="the dashboard's Folder box may open client folders under DIR "
                             "only (default: the --data folder itself; without --data and "
                             "--root, no client folder)")
    parser.add_argument("--margin", type=float, default=None, metavar="SHARE",
                        help="share of revenue that is profit (0.3 = 30%%) for data without "
                             "costs, as in the report (default: such data shown as revenue)")
    parser.add_argument("--currency", default=None,
                        help="currency of the amounts: USD, EUR, CNY, $, ¥ ... (default: "
                             "detected from the data)")
    parser.add_argument("--industry", default=None,
                        help="the built-in scenario's industry (without --data; default retail)")
    parser.add_argument("--customers", type=int, default=None, metavar="N",
                        help="customers of the built-in scenario (without --data; default 2000)")
    parser.add_argument("--company", default=None,
                        help="the name shown on top of the dashboard (default: the scenario's "
                             "industry, or 'Client folder')")
    parser.add_argument("--language", choices=("en", "zh"), default=None,
                        help="the dashboard's language at start (a switch on top changes it)")
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
    """The server's command line: localhost only, no browser (this command opens it when
    ready). No secret in it: the token goes in the environment (``TOKEN_ENV``)."""
    return [sys.executable, str(SERVER), str(notebook), f"--port={port}", "--no-browser",
            "--Voila.ip=127.0.0.1", "--Voila.log_level=WARN"]


def check_arguments(args) -> tuple[int, dict] | str:
    """Validate the arguments: ``(port, environment)`` or a one-line error message."""
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    root = getattr(args, "root", None)
    if root is not None:
        if not Path(root).expanduser().is_dir():
            return f"--root: no such folder: {root}"
        root = os.path.realpath(Path(root).expanduser())
    if args.data is not None:
        data = Path(args.data).expanduser()
        if not data.exists():
            return f"--data: no such folder: {args.data}"
        if data.is_dir():
            from ..clients.loader import saved_folder
            from ..clients.reading import SUPPORTED, list_client_files

            if saved_folder(data) is None and not list_client_files(data):
                return (f"--data: {args.data} holds no client files "
                        f"({', '.join(SUPPORTED)})")
        real = os.path.realpath(data)
        if root is None:
            root = real  # the one client's folder (or file), nothing beside it
        elif not within(real, root):
            return f"--data {args.data} is outside --root {args.root}: give a folder under it"
        env[DATA_ENV] = real
    env[ROOT_ENV] = root or ""  # "" = no client folder: the Folder box refuses every path
    from .. import money

    for name, check, value in (("margin", money.check_margin, getattr(args, "margin", None)),
                               ("currency", money.currency_code, getattr(args, "currency", None))):
        try:
            check(value)
        except ValueError as e:
            return f"--{name}: {e}"
        if value is not None:
            env[MONEY_ENV[name]] = str(value)
    company = getattr(args, "company", None)
    if company is not None:
        company = " ".join(str(company).split())
        if not company or len(company) > 100:
            return "--company: give a name of 1 to 100 characters"
        env[COMPANY_ENV] = company
    if getattr(args, "language", None):
        env[LANGUAGE_ENV] = args.language
    industry, customers = getattr(args, "industry", None), getattr(args, "customers", None)
    if industry is not None:
        from ..datagen import INDUSTRIES

        if industry not in INDUSTRIES:
            return f"--industry must be one of {', '.join(INDUSTRIES)}, not {industry!r}"
        env[SCENARIO_ENV["industry"]] = industry
    if customers is not None:
        if not 100 <= customers <= 1_000_000:
            return f"--customers must be between 100 and 1,000,000, not {customers:,}"
        env[SCENARIO_ENV["customers"]] = str(customers)
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


def browser_file(url: str) -> Path:
    """A private (0600) HTML file that sends the browser on to ``url``, as Jupyter does: the
    browser's command line, which ``ps`` shows every user, then names this file, not the token.
    It lives in Jupyter's runtime folder (in the home folder: a snap-packaged browser can read
    it there, not in /tmp) and is removed when the command ends.

    >>> p = browser_file("http://127.0.0.1:1/?token=abc")
    >>> "token=abc" in p.read_text() and oct(p.stat().st_mode & 0o777), "token" in p.as_uri()
    ('0o600', False)
    >>> p.unlink()
    """
    import html

    from jupyter_core.paths import jupyter_runtime_dir

    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = runtime / f"crm-workshop-{os.getpid()}-open.html"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>CRM workshop</title>'
                f'<meta http-equiv="refresh" content="0;url={html.escape(url)}"></head><body>'
                f'<a href="{html.escape(url)}">Open the workshop dashboard</a></body></html>')
    os.chmod(path, 0o600)  # also when the file was there already
    return path


def _wait_for_port(proc: subprocess.Popen, port: int, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _wait_until_ready(proc: subprocess.Popen, ready: Path) -> bool:
    """Wait (saying so) until the server's pre-heated kernel has run the dashboard, so that
    the first page opens at once; False if the server died meanwhile."""
    print("Preparing the dashboard ...", flush=True)
    while not ready.exists():
        if proc.poll() is not None:
            return False
        time.sleep(0.2)
    return True


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
    token = secrets.token_urlsafe(32)
    env = {**env, TOKEN_ENV: token}  # the server's environment only, not this process's
    url = f"http://127.0.0.1:{port}/?token={token}"

    def on_signal(signum, frame):
        raise _Stop

    # Ctrl-C and SIGTERM both stop Voila cleanly; SIGINT is set explicitly because a shell
    # that starts a command in the background makes it ignore SIGINT
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    folder = tempfile.TemporaryDirectory(prefix="crm-workshop-")
    proc = opener = None
    try:
        notebook = Path(folder.name) / "workshop.ipynb"
        shutil.copyfile(NOTEBOOK, notebook)
        # a session of its own: Ctrl-C reaches this process only, which then stops Voila
        # (preexec_fn is safe here: this command runs no threads)
        ready = Path(folder.name) / "ready"
        env[READY_ENV] = str(ready)
        proc = subprocess.Popen(voila_command(port, notebook), env=env, start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        if not _wait_for_port(proc, port, START_TIMEOUT) or not _wait_until_ready(
                proc, ready):
            code = proc.poll()
            print(f"crm-training workshop: Voila did not start (exit code {code})"
                  if code is not None else "crm-training workshop: Voila did not answer in "
                  f"{START_TIMEOUT:.0f} s", file=sys.stderr)
            return 1
        source = env.get(DATA_ENV, "built-in synthetic scenario")
        folders = env[ROOT_ENV] or "none (--root DIR to allow)"
        print(f"Workshop dashboard: {url}  (data: {source}; client folders under: {folders}; "
              "Ctrl-C to stop)", flush=True)
        if not args.no_browser:
            import webbrowser

            try:
                opener = browser_file(url)
            except OSError:  # no private folder to write to: the address itself
                webbrowser.open(url)
            else:
                webbrowser.open(opener.as_uri())
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
        if opener is not None:
            opener.unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
