"""The workshop server that ``crm-training workshop`` starts, over plain HTTP (no browser):
a token on every route, the Host check (DNS rebinding), the client-folder root reaching the
kernel, the token kept off command lines, and few kernels however many pages load.

No assertion on durations: the deadlines below only stop a hung server from hanging the tests.
The dashboard's own refusal of folders outside the root is in test_workshop.py (in-process) and
test_workshop_browser.py (in Chromium).
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import re
import time
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from workshop_process import running_workshop

import crm_training
from crm_training.workshop.server import MAX_KERNELS, TOKEN_ENV

DEADLINE = 120  # seconds; a guard against a hung server, never a measurement
PROC = Path("/proc")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``crm-training workshop --data clients/acme --root clients`` on a free port."""
    tmp = tmp_path_factory.mktemp("workshop_server")
    root = tmp / "clients"
    crm_training.generate("bank", 300, seed=5).save(root / "acme", format="csv")
    args = ["--port", "0", "--data", root / "acme", "--root", root]
    with running_workshop(args, tmp / "server.log", DEADLINE) as (found, proc):
        port, token = int(found.group(1)), found.group(2)
        yield SimpleNamespace(port=port, token=token, proc=proc, root=root.resolve())


def _request(server, path, host=None, headers=None, method="GET", body=None):
    """One request with full control of the Host header: ``(status, headers, body text)``."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=DEADLINE)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{server.port}")
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            body = body.encode("utf-8")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        if r.status == 101:  # a websocket accepted: the handshake is all this test needs
            return r.status, r.headers, ""
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _auth(server):
    return {"Authorization": f"token {server.token}"}


def _kernels(server) -> list:
    status, _, body = _request(server, "/api/kernels", headers=_auth(server))
    assert status == 200, body
    return json.loads(body)


def _cookies(headers) -> dict:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {k: m.value for k, m in jar.items()}


def _cookie_header(cookies: dict) -> dict:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def _load_page(server, host=None):
    """Open the printed address as a browser does: ``/?token=`` sets the login cookie and
    redirects to ``/``, which renders the notebook in a new kernel."""
    status, headers, body = _request(server, f"/?token={server.token}", host=host)
    assert status == 302 and headers["Location"] == "/", (status, body[:300])
    cookies = _cookies(headers)
    status, headers, body = _request(server, "/", host=host, headers=_cookie_header(cookies))
    assert status == 200, body[:500]
    cookies.update(_cookies(headers))
    kernel = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
    assert kernel, "no kernel id in the page"
    return kernel.group(1), body, cookies


def _websocket(server, kernel_id, host=None, origin=None, headers=None):
    key = base64.b64encode(os.urandom(16)).decode()
    h = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
         "Sec-WebSocket-Version": "13", **(headers or {})}
    if origin:
        h["Origin"] = origin
    return _request(server, f"/api/kernels/{kernel_id}/channels", host=host, headers=h)[0]


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in PROC.iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _read(pid: int, name: str) -> str:
    try:
        return (PROC / str(pid) / name).read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _kernel_pids(server) -> list[int]:
    return [p for p in _tree(server.proc.pid) if "ipykernel_launcher" in _read(p, "cmdline")]


def _until(condition, what):
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"still not {what} after {DEADLINE} s")
        time.sleep(0.2)


# ---- the token -------------------------------------------------------------------------------
def test_every_route_needs_the_token(server):
    assert len(server.token) >= 40  # secrets.token_urlsafe(32), new at every start
    for path in ("/", "/?token=wrong", "/api/kernels", "/voila/api/shutdown/x", "/api/kernels/"
                 "00000000-0000-0000-0000-000000000000"):
        status, headers, _ = _request(server, path)
        assert status == 403, path  # refused outright: no redirect to a login form either
    assert _request(server, "/api/kernels", headers={"Authorization": "token wrong"})[0] == 403
    assert _request(server, "/", headers={"Cookie": "username-127-0-0-1-1=x"})[0] == 403

    kernel, body, cookies = _load_page(server)  # ?token= once: the page and a login cookie
    assert "application/vnd.jupyter.widget-view+json" in body  # the dashboard was rendered
    assert [k for k in cookies if k.startswith("username-")], cookies  # the login cookie
    status, headers, _ = _request(server, f"//evil.example/?token={server.token}")
    assert status == 302 and headers["Location"] == "/evil.example/"  # not to another site
    assert server.token not in body  # neither in the page ...
    assert _request(server, "/api/kernels", headers=_cookie_header(cookies))[0] == 200
    assert kernel in {k["id"] for k in _kernels(server)}
    assert _websocket(server, kernel) == 403  # no token, no cookie: no widgets to drive
    assert _websocket(server, kernel, headers=_cookie_header(cookies)) == 101


# ---- the Host header -------------------------------------------------------------------------
def test_a_foreign_host_is_refused_on_every_route(server):
    kernel, body, cookies = _load_page(server)
    static = re.search(r'(?:src|href)="(/voila/(?:static|templates)/[^"?#]+)', body)
    assert static, "no static file referenced by the page"
    static = static.group(1)
    auth = _auth(server)
    ok = [("127.0.0.1", f"127.0.0.1:{server.port}"), ("localhost", f"localhost:{server.port}")]
    foreign = [f"evil.example:{server.port}", "evil.example", f"127.0.0.1.nip.io:{server.port}",
               f"192.168.1.2:{server.port}"]
    for path in ("/api/kernels", static, f"/?token={server.token}", "/"):
        for name, host in ok:
            assert _request(server, path, host=host, headers=auth)[0] in (200, 302), (path, name)
        for host in foreign:
            status, _, text = _request(server, path, host=host, headers=auth)
            assert status == 403 and "127.0.0.1 and localhost" in text, (path, host)
    for host in foreign:
        assert _request(server, "/login", host=host)[0] == 403, host
        assert _websocket(server, kernel, host=host, headers=auth) == 403, host
    assert _websocket(server, kernel, headers=auth) == 101
    # a page of another site, even if the browser sent it the login cookie, cannot open the
    # kernel's websocket (Jupyter's Origin check; a page cannot set an Authorization header)
    cookie = _cookie_header(cookies)
    assert _websocket(server, kernel, origin=f"http://127.0.0.1:{server.port}",
                      headers=cookie) == 101
    assert _websocket(server, kernel, origin="http://evil.example", headers=cookie) == 403


# ---- what the kernel gets --------------------------------------------------------------------
@pytest.mark.skipif(not PROC.is_dir(), reason="needs Linux /proc")
def test_token_stays_off_command_lines_and_root_reaches_the_kernel(server):
    _load_page(server)
    _until(lambda: _kernel_pids(server), "a kernel running")
    tree = _tree(server.proc.pid)
    for pid in tree:  # what any user can read with ps
        assert server.token not in _read(pid, "cmdline"), _read(pid, "cmdline")
    for pid in _kernel_pids(server):
        env = _read(pid, "environ")
        assert server.token not in env and TOKEN_ENV not in env  # the kernel never sees it
        assert f"CRM_WORKSHOP_ROOT={server.root}" in env
        assert f"CRM_WORKSHOP_DATA={server.root / 'acme'}" in env


# ---- kernels ---------------------------------------------------------------------------------
def test_a_closed_page_shuts_its_kernel_down(server):
    kernel, _, cookies = _load_page(server)
    assert "_xsrf" in cookies  # Voila's page posts it back when it closes (beforeunload)
    form = urlencode({"_xsrf": cookies["_xsrf"]})
    headers = {**_cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"}
    path = f"/voila/api/shutdown/{kernel}"
    assert _request(server, path, method="POST", body=form,
                    host=f"evil.example:{server.port}", headers=headers)[0] == 403
    assert _request(server, path, method="POST", body="", headers=headers)[0] == 403  # no _xsrf
    assert kernel in {k["id"] for k in _kernels(server)}
    assert _request(server, path, method="POST", body=form, headers=headers)[0] == 204
    _until(lambda: kernel not in {k["id"] for k in _kernels(server)}, "shut down")


def test_kernels_stay_few_over_many_page_loads(server):
    # pages fetched and never connected (a closed tab, curl, a crawler) left a kernel each
    seen = set()
    for _ in range(3 * MAX_KERNELS + 1):
        kernel, _, _ = _load_page(server)
        seen.add(kernel)
        live = {k["id"] for k in _kernels(server)}
        assert kernel in live and len(live) <= MAX_KERNELS, live
    assert len(seen) == 3 * MAX_KERNELS + 1
    if PROC.is_dir():  # and the processes are gone, not only the entries
        _until(lambda: len(_kernel_pids(server)) <= MAX_KERNELS, f"at most {MAX_KERNELS} kernels")



def test_the_server_never_starts_without_a_token(monkeypatch, capsys):
    from crm_training.workshop import server as srv

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert srv.main(["nothing.ipynb"]) == 2  # before Voila is even imported
    assert TOKEN_ENV in capsys.readouterr().err
    monkeypatch.setenv(TOKEN_ENV, "short")
    assert srv.main(["nothing.ipynb"]) == 2
