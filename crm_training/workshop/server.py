"""The Voila app that ``crm-training workshop`` runs: Voila, locked down for a client's data.

The command starts it as ``python .../server.py NOTEBOOK --port=N ...`` (a script, not
``-m crm_training...``: the server process then does not import pandas, 85 MB less). On top of
plain Voila (``voila NOTEBOOK``), which serves anyone who can reach the port:

* **a token** - read from the environment variable ``CRM_WORKSHOP_TOKEN`` (so it never shows
  on a command line in ``ps``), removed from the environment before any kernel starts, and
  required on every page, API and websocket request: ``?token=...`` once (the address the
  command prints and opens), then the login cookie Jupyter sets, or an
  ``Authorization: token ...`` header. A request without it gets 403, not a login form.
  Without the variable the server refuses to start.
* **the Host header** - only ``127.0.0.1`` (any loopback address) and ``localhost`` are
  served, on every route including the static files and the websocket, so a web page on
  another name that resolves to 127.0.0.1 (DNS rebinding) gets 403.
* **few kernels** - each page load starts a kernel (~300 MB with the dashboard); at most
  ``MAX_KERNELS`` live at once: starting one more first shuts down the one least recently
  active, kernels no page is connected to first. A kernel no page has been connected to for
  ``CULL_IDLE_SECONDS`` is culled too, and a page that closes asks Voila to shut its kernel
  down at once (Voila's own ``beforeunload`` call). One kernel is pre-heated: it has run
  the dashboard before any page asks (Voila's ``preheat_kernel``), so the first page is served
  at once; it counts among the ``MAX_KERNELS``.
* **a quiet start** - kernels talk over Unix sockets (``ipc``), the notebook is the package's
  own (trusted), no JupyterLab extension but the widget manager is loaded and the page
  template ("crm") asks nothing of a CDN.
* ``GET /api/kernels`` (read only, with the token) lists the live kernels; Voila alone has no
  such route.
* no user ``voila.json`` / ``voila.py`` config is read, and ``/voila/files/`` serves nothing.

Examples
--------
>>> host_allowed("127.0.0.1:8866"), host_allowed("localhost"), host_allowed("[::1]:80")
(True, True, True)
>>> host_allowed("evil.example:8866"), host_allowed("127.0.0.1.evil.example"), host_allowed("")
(False, False, False)
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import ipaddress
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

TOKEN_ENV = "CRM_WORKSHOP_TOKEN"
MAX_KERNELS = 4          # live kernels at most (one per open dashboard page, one pre-heated)
CULL_IDLE_SECONDS = 300  # a kernel no page is connected to is shut down after this idle time
CULL_INTERVAL_SECONDS = 60
LOCAL_HOSTNAMES = ("localhost",)


def host_allowed(host: str) -> bool:
    """Whether a ``Host`` header names this machine: a loopback address or ``localhost``."""
    match = re.match(r"^(.*?)(:\d+)?$", host or "")
    name = match.group(1) if match else ""
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if not name:
        return False
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name.lower() in LOCAL_HOSTNAMES


def _guarded(handler_class, page: bool = False):
    """``handler_class`` with the Host check first, and 403 instead of a login redirect.

    ``page`` (the dashboard page), on an authenticated GET:

    * set the ``_xsrf`` cookie: Voila's script posts it back to shut the page's kernel down when
      the page closes; Voila's own page never sets it, so that call always failed with 403 and
      every kernel outlived its page;
    * redirect ``/?token=...`` to ``/`` (the login cookie is set by then): the token leaves the
      address bar (the screen a client watches) and the kernel's environment (Voila puts the
      request's address into it).
    """
    from tornado.httputil import responses
    from tornado.web import HTTPError

    class Guarded(handler_class):
        async def prepare(self, *args, **kwargs):
            if not host_allowed(self.request.host):
                # no user (as Jupyter's own Host check does), so the error page renders
                self.current_user = self._jupyter_current_user = None
                raise HTTPError(403, "the workshop only answers to 127.0.0.1 and localhost")
            result = super().prepare(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            if page and self.request.method == "GET" and self.current_user:
                self.xsrf_token  # noqa: B018 - reading it sets the cookie
                args = self.request.query_arguments
                if "token" in args:
                    rest = [(k, v) for k, vs in args.items() if k != "token" for v in vs]
                    path = "/" + self.request.path.lstrip("/")  # never //other.site
                    self.redirect(path + (f"?{urlencode(rest)}" if rest else ""))
            return result

        def write_error(self, status_code, **kwargs):
            from jupyter_server.base.handlers import APIHandler

            if status_code != 403 or isinstance(self, APIHandler):  # API errors: JSON
                return super().write_error(status_code, **kwargs)
            # a short text: Jupyter's error page needs a static_path Voila does not set, so
            # a refused websocket or static file ended in a traceback in the log
            exc = (kwargs.get("exc_info") or (None, None, None))[1]
            message = getattr(exc, "log_message", None) or ""
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"{status_code} {responses[status_code]}: {message}\n")

        def get_login_url(self):  # @authenticated on a page: refuse, do not offer a login form
            raise HTTPError(403, "open the address with ?token=... that crm-training "
                                 "workshop printed")

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{handler_class.__name__}"
    return Guarded


TEMPLATES = Path(__file__).with_name("jupyter")  # holds voila/templates/crm
READY_ENV = "CRM_WORKSHOP_READY_FILE"  # written when the pre-heated dashboard is ready
READY_WAIT = 180.0  # seconds: past this, say ready anyway (the page then waits itself)


def _pool_ready(kernel_manager) -> bool:
    """Whether Voila's pool of pre-heated kernels holds a kernel that has run the notebook
    (``_pools`` of Voila's kernel manager; without pools, e.g. another Voila, ready at once)."""
    pools = getattr(kernel_manager, "_pools", None)
    if not isinstance(pools, dict):
        return True
    for pool in pools.values():
        for item in pool:
            if item.done() and not item.cancelled() and item.exception() is None:
                render = item.result().get("task") if isinstance(item.result(), dict) else None
                if render is None or render.done():
                    return True
    return False
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"


def _other_lab_extensions() -> list[str]:
    """The installed JupyterLab extensions other than the widget manager (by name)."""
    from jupyter_core.paths import jupyter_path
    from jupyterlab_server.config import get_federated_extensions

    names = get_federated_extensions(jupyter_path("labextensions"))
    return sorted(n for n in names if n != WIDGET_MANAGER) or ["(none)"]


def _trust_own_notebook():
    """Voila reads its notebook through a LargeFileManager made in ``init_settings``; the notebook
    is the package's copy written by ``crm-training workshop``, so mark it trusted instead of
    checking a signature store (no "Notebook ... is not trusted" warning)."""
    import voila.app
    from jupyter_server.services.contents.largefilemanager import LargeFileManager

    class TrustedContents(LargeFileManager):
        def mark_trusted_cells(self, nb, path=""):
            self.notary.mark_cells(nb, True)

    voila.app.LargeFileManager = TrustedContents


@functools.lru_cache(maxsize=None)
def _classes():
    """The Voila subclasses, built on first use (so that importing this module stays cheap)."""
    from jupyter_core.utils import ensure_async
    from jupyter_server.base.handlers import APIHandler
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from tornado import web
    from traitlets import Integer
    from voila.app import Voila

    class CappedKernelManager(AsyncMappingKernelManager):
        """A kernel manager that keeps at most ``max_kernels`` kernels alive."""

        max_kernels = Integer(MAX_KERNELS, config=True,
                              help="Live kernels at most; starting one more shuts one down.")

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._start_lock = asyncio.Lock()

        def _eviction_order(self) -> list:
            """Kernel ids, first to shut down first: unconnected, then least recently active."""
            def key(kernel_id):
                kernel = self._kernels[kernel_id]
                connected = self._kernel_connections.get(kernel_id, 0) > 0
                return connected, getattr(kernel, "last_activity", None) or 0
            try:
                return sorted(self.list_kernel_ids(), key=key)
            except TypeError:  # a kernel without a last activity yet: order by connection only
                return sorted(self.list_kernel_ids(),
                              key=lambda k: self._kernel_connections.get(k, 0) > 0)

        async def start_kernel(self, **kwargs):
            async with self._start_lock:  # page loads one at a time: the count stays exact
                for kernel_id in self._eviction_order()[:max(
                        0, len(self.list_kernel_ids()) - self.max_kernels + 1)]:
                    self.log.warning("Shutting down kernel %s: at most %d kernels live",
                                     kernel_id, self.max_kernels)
                    try:
                        await ensure_async(self.shutdown_kernel(kernel_id, now=True))
                    except KeyError:  # already gone (its page closed meanwhile)
                        pass
                return await super().start_kernel(**kwargs)

    class KernelListHandler(APIHandler):
        """``GET /api/kernels``: the live kernels (id, last activity, connections)."""

        @web.authenticated
        async def get(self):
            km = self.kernel_manager
            models = [km.kernel_model(k) for k in km.list_kernel_ids()]
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(models, default=str))

    class WorkshopVoila(Voila):
        """Voila with the Host check and the token on every route, and the kernel list; it
        writes ``READY_ENV``'s file once its pre-heated kernel has run the dashboard."""

        def start(self):
            from tornado.ioloop import PeriodicCallback

            ready = os.environ.pop(READY_ENV, "")
            began = time.monotonic()

            def check():
                if _pool_ready(self.kernel_manager) or time.monotonic() - began > READY_WAIT:
                    callback.stop()
                    if ready:
                        Path(ready).write_text("ready\n", encoding="utf-8")

            callback = PeriodicCallback(check, 250)
            callback.start()
            return super().start()

        def init_handlers(self):
            from jupyter_server.utils import url_path_join
            from voila.handler import VoilaHandler

            handlers = [(url_path_join(self.server_url, r"/api/kernels/?"), KernelListHandler)]
            handlers += super().init_handlers()
            return [(pattern, _guarded(cls, page=issubclass(cls, VoilaHandler)), *rest)
                    for pattern, cls, *rest in handlers]

    return CappedKernelManager, WorkshopVoila


def workshop_config(token: str):
    """The traitlets configuration of the workshop server (token, Host check, kernels)."""
    from traitlets.config import Config

    capped, _ = _classes()
    c = Config()
    c.Voila.token = token
    c.Voila.config_file_paths = []  # a voila.json in the user's folders must not weaken this
    # no websocket pings on localhost (their timeout warned on every start)
    c.Voila.tornado_settings = {"allow_remote_access": False,
                                "local_hostnames": list(LOCAL_HOSTNAMES),
                                "ws_ping_interval": 0}
    # kernels talk to the server over Unix sockets, not TCP: nothing on the network to
    # eavesdrop (and no "running over TCP without encryption" warning)
    c.KernelManager.transport = "ipc"
    # one kernel runs the dashboard before anybody asks: the first page is served at once
    c.VoilaConfiguration.preheat_kernel = True
    c.VoilaConfiguration.template = "crm"  # "lab" without stylesheets from a CDN
    # none of the installed JupyterLab extensions but the widget manager (Voila swaps in its
    # own): another, such as nbgrader's, fails to load in Voila and logs browser errors
    c.VoilaConfiguration.extension_denylist = _other_lab_extensions()
    c.VoilaConfiguration.default_pool_size = 1
    c.VoilaConfiguration.multi_kernel_manager_class = capped
    c.VoilaConfiguration.file_allowlist = []  # /voila/files/ serves nothing
    c.MappingKernelManager.cull_idle_timeout = CULL_IDLE_SECONDS
    c.MappingKernelManager.cull_interval = CULL_INTERVAL_SECONDS
    c.MappingKernelManager.cull_connected = False  # an open dashboard is never culled
    return c


def main(argv=None) -> int:
    token = os.environ.pop(TOKEN_ENV, "")  # the kernels, started from this environment, lack it
    if len(token) < 16:
        print(f"crm_training.workshop.server: set {TOKEN_ENV} to a random token (16+ "
              "characters); the workshop never runs without one", file=sys.stderr)
        return 2
    _, app = _classes()
    _trust_own_notebook()
    # the page template "crm" (jupyter/voila/templates/crm): Voila finds it on JUPYTER_PATH
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p)
    app.launch_instance(argv, config=workshop_config(token))
    return 0


if __name__ == "__main__":  # pragma: no cover - run by crm-training workshop
    # run as a script: its own folder (crm_training/workshop) must not shadow top-level modules
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    sys.exit(main(sys.argv[1:]))
