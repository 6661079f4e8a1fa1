"""Test helper: run ``crm-training workshop --no-browser`` in a child process, as a user does."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)")


@contextlib.contextmanager
def running_workshop(args, log_path: Path, deadline: float = 120):
    """Start the workshop with ``args`` (after ``--no-browser``); yield the match of the
    address it prints (groups: port, token) and stop it afterwards, checking nothing is left
    listening. ``deadline`` guards against a hung server; it is never a measurement."""
    log = open(log_path, "w+")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_WORKSHOP")}
    proc = subprocess.Popen([sys.executable, "-m", "crm_training.cli", "workshop",
                             "--no-browser", *map(str, args)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    found = None
    try:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            log.seek(0)
            found = ADDRESS.search(log.read())
            if found:
                break
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"crm-training workshop exited with {proc.returncode}:\n{log.read()}")
            time.sleep(0.2)
        else:
            pytest.fail(f"crm-training workshop printed no address within {deadline:.0f} s")
        yield found, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the command stops Voila and its kernels
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.seek(0)
        print(log.read())
        log.close()
    if found is not None:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", int(found.group(1)))) != 0, \
                "the workshop still listens after the stop"
