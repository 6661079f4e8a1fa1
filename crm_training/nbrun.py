"""Run notebooks with papermill without the occasional lost wake-up of the kernel client.

Under papermill (nbclient + jupyter_client's asyncio ZMQ channels), a cell with ipywidgets
sometimes never returns: the kernel has executed it and sent its reply, the client sits idle in
``socket.poll(timeout)`` until the cell timeout (jupyter/nbclient#312; seen here about once in
ten runs of a chapter with two ``interact`` cells, with ipykernel 6.31 and 7.4 alike). The poll
waits for an event notification that was missed; a fresh poll sees the waiting message at once.

:func:`execute_notebook` therefore makes the channels poll in short slices for the duration of
the run: a missed notification costs at most one slice instead of the whole cell timeout.
Everything else is papermill's own ``execute_notebook``.
"""
from __future__ import annotations

import contextlib
import threading
import time

SLICE = 0.5  # seconds: the longest a missed wake-up can delay a cell
_lock = threading.Lock()
_depth = 0
recovered = 0  # replies a single long poll would have missed (diagnostics, per process)


async def _sliced_get_msg(self, timeout: float | None = None):
    """``AsyncZMQSocketChannel.get_msg`` polling in slices of :data:`SLICE` seconds."""
    global recovered
    from queue import Empty

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        step = SLICE if deadline is None else min(SLICE, max(deadline - time.monotonic(), 0.0))
        if step > 0 and await self.socket.poll(0):  # already waiting: no need to be woken
            return await self._recv()
        started = time.monotonic()
        if await self.socket.poll(int(step * 1000)):
            msg = await self._recv()
            if time.monotonic() - started >= step * 0.98 and _waited(msg) > 0.1:
                recovered += 1  # sent during the slice, found only by the check at its end
            return msg
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def _waited(msg) -> float:
    """Seconds since the kernel sent ``msg`` (0 when its header has no usable date)."""
    import datetime

    sent = msg.get("header", {}).get("date") if isinstance(msg, dict) else None
    if not isinstance(sent, datetime.datetime) or sent.tzinfo is None:
        return 0.0
    return (datetime.datetime.now(datetime.timezone.utc) - sent).total_seconds()


@contextlib.contextmanager
def sliced_polling():
    """Within the block, jupyter_client's asyncio channels poll in short slices."""
    global _depth
    from jupyter_client.channels import AsyncZMQSocketChannel

    with _lock:
        if _depth == 0:
            sliced_polling._original = AsyncZMQSocketChannel.get_msg
            AsyncZMQSocketChannel.get_msg = _sliced_get_msg
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                AsyncZMQSocketChannel.get_msg = sliced_polling._original


def execute_notebook(*args, **kwargs):
    """``papermill.execute_notebook`` with :func:`sliced_polling`; same arguments and result.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 6 * 7")])
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out.ipynb"
    >>> ran = execute_notebook(nb, str(out), kernel_name="python3", progress_bar=False)
    >>> ran.cells[0].execution_count
    1
    """
    import papermill

    with sliced_polling():
        return papermill.execute_notebook(*args, **kwargs)
