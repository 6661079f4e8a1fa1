"""Which client folders the workshop may open: those under one root folder, symlinks resolved.

``crm-training workshop`` passes the root to the dashboard's kernel as the environment variable
``CRM_WORKSHOP_ROOT`` (a real path; empty = no client folder at all). The dashboard then
refuses any path that resolves (``os.path.realpath``: symbolic links followed) outside the root,
and any folder holding a file that resolves outside the folder (a link out of it). Without the
variable (the notebook run in JupyterLab, where the user already has a full Python kernel) any
folder opens, as before.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "acme").mkdir()
>>> resolve_client_path("acme", str(root)) == (root / "acme").resolve()
True
>>> resolve_client_path("/etc", str(root))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
crm_training.workshop.paths.OutsideRootError: /etc is outside the workshop data folder ...
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "CRM_WORKSHOP_ROOT"
# crm-training workshop --margin / --currency reach the dashboard's kernel as these
MONEY_ENV = {"margin": "CRM_WORKSHOP_MARGIN", "currency": "CRM_WORKSHOP_CURRENCY"}


class OutsideRootError(PermissionError):
    """A client path the workshop must not open (outside its root, or linking out)."""

    def __str__(self):  # the message alone, without PermissionError's errno formatting
        return str(self.args[0]) if self.args else ""


def within(path, root) -> bool:
    """Whether ``path`` is ``root`` or inside it, both with every symbolic link resolved.

    >>> within("/srv/clients/acme/../acme", "/srv/clients"), within("/srv/clients2", "/srv/clients")
    (True, False)
    """
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def root_from_env() -> str | None:
    """The root of ``CRM_WORKSHOP_ROOT``: ``None`` when unset (no limit), ``""`` = none."""
    return os.environ.get(ROOT_ENV)


def resolve_client_path(text: str, root: str | None) -> Path:
    """The real path of a client folder (or file) typed in the dashboard, checked against
    ``root``; raises :class:`OutsideRootError` with a message for the dashboard.

    ``root=None``: no limit (the path as typed, ``~`` expanded). ``root=""``: nothing opens.
    Otherwise a relative path is taken under the root, the path must resolve inside the root,
    and no client file in the folder may resolve outside the folder.
    """
    from ..clients.reading import SUPPORTED

    path = Path(str(text).strip()).expanduser()
    if root is None:
        return path
    if not root:
        raise OutsideRootError("this workshop opens no client folder: start it with "
                               "crm-training workshop --data FOLDER (or --root FOLDER)")
    if not path.is_absolute() and os.path.isdir(root):
        path = Path(root) / path
    real = Path(os.path.realpath(path))
    if not within(real, root):
        raise OutsideRootError(f"{text} is outside the workshop data folder {root}: only "
                               "folders under it open (crm-training workshop --root FOLDER)")
    if real.is_dir():  # every entry named like a client file, whatever the loader would skip
        from ..clients.loader import VALIDATION_DIR, saved_folder

        folders = [real]
        tables = saved_folder(real)  # a checked folder (validate --out): its tables/ too
        if tables is not None and tables != real:
            folders += [tables, real / VALIDATION_DIR]
        for folder in folders:
            if not within(folder, real):
                raise OutsideRootError(f"{folder.name} in {text} is a link to a folder outside "
                                       "it: copy the folder itself")
            for f in sorted(folder.iterdir()) if folder.is_dir() else ():
                if f.name.startswith((".", "~$")) or f.suffix.lower() not in \
                        SUPPORTED + (".xls", ".json"):
                    continue
                if not within(f, real):
                    raise OutsideRootError(f"{f.name} in {text} is a link to a file outside "
                                           "the folder: copy the file itself into the folder")
    return real
