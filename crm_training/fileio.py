"""Safe output folders: everything the kit writes appears whole or not at all.

A dataset, a cleaned client export or a report folder is written into a hidden temporary folder
beside the target and renamed into place at the end, so an interrupted run leaves nothing
half-written, and an existing non-empty folder is never overwritten unless asked.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


class OutputExistsError(FileExistsError):
    """The output folder exists and is not empty (pass force/overwrite to replace it)."""


def check_output_dir(path: str | os.PathLike, force: bool = False) -> Path:
    """Return ``path`` as a Path after checking that it may be written to."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{path} exists and is a file, not a folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise OutputExistsError(f"{path} is not empty; choose a new folder or use --force")
    return path


@contextlib.contextmanager
def atomic_output_dir(path: str | os.PathLike, force: bool = False):
    """Yield a temporary folder that replaces ``path`` only when the block succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_output_dir(target) as tmp:
    ...     _ = (tmp / "a.txt").write_text("hello")
    >>> (target / "a.txt").read_text()
    'hello'
    """
    path = check_output_dir(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, old / "x")  # move aside, then swap in, then delete the old copy
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
