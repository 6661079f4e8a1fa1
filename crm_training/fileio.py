"""Safe output folders: nothing the kit writes loses a file it did not write itself.

Every folder the kit writes (a dataset, a cleaned client export, a report, exercise notebooks)
goes through :func:`atomic_output_dir`, which keeps these rules:

* **Inputs are never touched.** The output may not be, contain or sit inside a folder that
  holds the command's inputs (the client's export, the data folder, the solutions), nor be the
  current folder or one of its parents, a symbolic link or a mount point. Paths are compared
  after resolving links and by device and inode, so a link or a bind mount cannot hide an input.
* **Only the kit's own folders are replaced.** A new or empty folder is written; a non-empty
  one only with ``force``, and only when it carries the kit's manifest (``.crm-training.json``,
  listing every file written with its size and SHA-256), holds the same kind of output and
  nothing else, unchanged: a file added or edited by a person, a link, or a subfolder the kit
  cannot read makes it refuse, with the file named.
* **Whole or not at all, race-free.** The output is written into a hidden sibling folder
  ``.NAME.partial-*`` and swapped in at the end with one atomic exchange (Linux
  ``renameat2(RENAME_EXCHANGE)``). The target is reserved for the whole run by a lock file held
  with ``flock`` (opened without following links, never written), so a second run writing to
  the same folder is refused; the target's whole tree is compared before and after the swap, so
  a file saved or edited in it meanwhile is kept and the run refused. An interrupted run leaves
  only its partial folder, which the next run beside it removes once no process holds its lock.

Errors are :class:`OutputError` (an ``OSError``) with a one-line message naming the folder.

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> with atomic_output_dir(target) as tmp:
...     _ = (tmp / "a.txt").write_text("hello")
>>> (target / "a.txt").read_text(), sorted(read_manifest(target)["files"])
('hello', ['a.txt'])
>>> with atomic_output_dir(target, force=True) as tmp:  # the kit's own folder: replaced
...     _ = (tmp / "b.txt").write_text("again")
>>> sorted(p.name for p in target.iterdir())
['.crm-training.json', 'b.txt']
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

try:  # POSIX; without it (Windows) a lock is an exclusively created file
    import fcntl
except ImportError:  # pragma: no cover - not on the CI machine
    fcntl = None

MANIFEST = ".crm-training.json"
LOCK = ".crm-training.lock"
_PARTIAL = re.compile(r"^\.(?P<name>.*)\.(?P<what>partial|old)-[0-9a-f]{12}$")
_HASH_CHUNK = 1 << 20
_MAX_MANIFEST = 64 << 20  # bytes: a manifest is small; anything bigger is not the kit's
_NAME_KEEP = 120  # characters of the target's name kept in a partial folder's name
_NAME_MAX = 255  # bytes of one file name on every common file system


class OutputError(OSError):
    """An output folder cannot be written as asked; the message says why in one line."""

    def __str__(self):
        return self.args[0] if self.args else "output folder cannot be written"


class OutputExistsError(OutputError, FileExistsError):
    """The output folder exists and may not be replaced (not empty, not the kit's, changed)."""


class UnsafeOutputError(OutputError):
    """The output folder would touch the command's inputs (or the current folder)."""


class OutputBusyError(OutputError):
    """Another run is writing to the same output folder right now."""


@contextlib.contextmanager
def _as_output_error(what: str):
    """An operating-system error of the kit's own file operations, as one readable line."""
    try:
        yield
    except OutputError:
        raise
    except (OSError, ValueError) as e:  # ValueError: a NUL byte, a name not UTF-8
        reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise OutputError(f"{what}: {reason}") from None


# ------------------------------------------------------------------------------ file trees
def _is_plain_file(path: Path) -> bool:
    """A regular file that is not a link and has no other name (no hard link)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


def _walk(folder: Path) -> dict[str, Path]:
    """Every entry under ``folder`` that is not a folder (relative POSIX path -> path): files,
    links (never followed) and anything else; the folder's own manifest and lock file are left
    out when they are plain files. A subfolder that cannot be read raises OutputError."""
    def fail(err):
        raise OutputError(f"{err.filename} cannot be read ({err.strerror}): the kit cannot "
                          "check what it holds; nothing was replaced")

    out = {}
    for root, dirs, files in os.walk(folder, onerror=fail, followlinks=False):
        base = Path(root)
        for d in list(dirs):
            if (base / d).is_symlink():  # never descend a link: it is an entry itself
                files.append(d)
                dirs.remove(d)
        for f in files:
            p = base / f
            rel = p.relative_to(folder).as_posix()
            if rel in (MANIFEST, LOCK) and _is_plain_file(p):
                continue
            out[rel] = p
    return out


def _state(folder: Path) -> dict:
    """What a folder holds now, cheaply: every entry's type, size, inode and change time."""
    state = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            p = Path(root) / name
            try:
                st = os.lstat(p)
            except OSError:
                continue
            state[p.relative_to(folder).as_posix()] = (stat.S_IFMT(st.st_mode), st.st_size,
                                                       st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    return state


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_HASH_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------ manifest
def write_manifest(folder: Path, kind: str = "output") -> dict:
    """Record every file of ``folder`` (size, SHA-256) in its manifest; return the manifest.

    Deterministic (sorted, no time stamps), so a committed generated folder does not change
    when it is regenerated with the same content.
    """
    files = {}
    for rel, path in sorted(_walk(folder).items()):
        if not _is_plain_file(path):
            raise OutputError(f"{path} is a link or a special file: the kit writes plain "
                              "files only")
        files[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    manifest = {"written_by": "crm-training", "kind": kind, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return manifest


def read_manifest(folder) -> dict | None:
    """The kit's manifest of ``folder``, or None when it has none (or not a valid one)."""
    path = Path(folder) / MANIFEST
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_MANIFEST:
            return None  # a link, a pipe, a folder ...: not the kit's
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(m, dict) or m.get("written_by") != "crm-training":
        return None
    files = m.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(r, dict) and isinstance(r.get("size"), int)
            and isinstance(r.get("sha256"), str) for r in files.values()):
        return None
    return m


def foreign_files(folder, kind: str | None = None) -> list[str]:
    """Files of ``folder`` that the kit did not write there, or that changed since: what a
    replacement would lose. Empty for a folder the kit may replace with output of ``kind``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "clients.csv").write_text("id\\n1\\n")
    >>> foreign_files(d)
    ['clients.csv (not written by crm-training: the folder has no manifest)']
    """
    folder = Path(folder)
    present = _walk(folder)
    m = read_manifest(folder)
    if m is None:
        return [f"{rel} (not written by crm-training: the folder has no manifest)"
                for rel in sorted(present)] or [f"{MANIFEST} (not a manifest of crm-training)"]
    if kind is not None and m.get("kind") not in (kind, None):
        return [f"the folder holds crm-training {m.get('kind')} output, not {kind}"]
    out = []
    for rel, path in sorted(present.items()):
        rec = m["files"].get(rel)
        if rec is None:
            out.append(f"{rel} (added after crm-training wrote the folder)")
        elif not _is_plain_file(path):
            out.append(f"{rel} (now a link or has another name: not what the kit wrote)")
        elif path.stat().st_size != rec["size"] or _sha256(path) != rec["sha256"]:
            out.append(f"{rel} (changed after crm-training wrote it)")
    return out


# ------------------------------------------------------------------------------ checks
def _real(path) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _id(path: Path):
    """(device, inode) of ``path``, or None when it does not exist."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _overlap(out: Path, inp: Path) -> str | None:
    """How ``out`` overlaps ``inp`` ("is", "contains", "is inside") or None, by path and by
    (device, inode), so that a second name of the same folder (a bind mount) is caught."""
    if out == inp:
        return "is"
    if out in inp.parents:
        return "contains"
    if inp in out.parents:
        return "is inside"
    oid, iid = _id(out), _id(inp)
    if oid is not None and oid == iid:
        return "is"
    if oid is not None and oid in {_id(p) for p in inp.parents}:
        return "contains"
    if iid is not None and iid in {_id(p) for p in out.parents}:
        return "is inside"
    return None


def check_output_dir(path, force: bool = False, inputs=(), kind: str | None = None) -> Path:
    """Return ``path`` as a Path after checking that the kit may write it (see module rules).

    Parameters
    ----------
    path : the output folder.
    force : replace a non-empty folder that the kit wrote before (never any other).
    inputs : files and folders the command reads: the output may not overlap any of them.
    kind : what will be written; ``force`` replaces only a folder holding the same kind.

    Raises
    ------
    UnsafeOutputError, OutputExistsError, OutputError
        With a one-line message naming the folder and the reason.
    """
    with _as_output_error(f"cannot use {path!s} as the output folder"):
        return _check_output_dir(path, force, inputs, kind)


def _check_output_dir(path, force, inputs, kind) -> Path:
    if path is None or str(path).strip() == "":
        raise OutputError("the output folder name is empty")
    text = os.fspath(path)
    if "\x00" in text:
        raise OutputError("the output folder name contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise OutputError(f"the output folder name {text!r} is not valid text (UTF-8)") from None
    path = Path(text)
    if path.name and len(os.fsencode(path.name)) > _NAME_MAX:
        raise OutputError(f"the output folder name is too long ({len(os.fsencode(path.name))} "
                          f"bytes; at most {_NAME_MAX})")
    if path.is_symlink():
        raise UnsafeOutputError(f"{path} is a symbolic link; give the folder itself")
    real = _real(path)
    for inp in inputs or ():
        if not isinstance(inp, (str, os.PathLike)) or os.fspath(inp) in ("", b"") \
                or "\x00" in str(os.fspath(inp)):
            continue  # no such file can exist, so nothing to protect
        how = _overlap(real, _real(inp))
        if how:
            raise UnsafeOutputError(
                f"{path} {how} the input {inp}: the kit never writes where its inputs are; "
                "choose a folder elsewhere")
    cwd = _real(Path.cwd())
    if real == cwd or real in cwd.parents:
        raise UnsafeOutputError(f"{path} is the current folder or one of its parents; choose "
                                "a new folder for the output")
    for parent in real.parents:  # --out file/sub: a file where a folder must be
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{parent} is a file, so {path} cannot be a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write in {parent} (permission denied)")
            break
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{path} exists and is not a folder")
    if path.is_dir():
        if os.path.ismount(path):
            raise UnsafeOutputError(f"{path} is a mount point, which cannot be replaced "
                                    "atomically; give a new folder inside it")
        if _entries(path):
            if not force:
                raise OutputExistsError(
                    f"{path} is not empty; choose a new folder (or --force to replace a "
                    "folder that crm-training wrote)")
            lost = foreign_files(path, kind)
            if lost:
                more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
                raise OutputExistsError(
                    f"{path} holds files that --force would lose: {'; '.join(lost[:3])}{more}. "
                    "The kit only replaces folders it wrote itself; choose a new folder")
    return path


def _entries(path: Path) -> list[str]:
    """Names in ``path`` other than a plain lock file (an empty folder may hold a stale one)."""
    try:
        names = os.listdir(path)
    except PermissionError:
        raise OutputError(f"{path} cannot be read (permission denied)") from None
    return [n for n in names if not (n == LOCK and _is_plain_file(path / n))]


# ------------------------------------------------------------------------------ locks
def _lock(path: Path, create: bool = True) -> int:
    """Open ``path`` without following a link and ``flock`` it; raise OutputBusyError when
    another process holds it, UnsafeOutputError when it is not a plain file of its own.
    The file is never written: whatever it is, its content cannot be harmed."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    if create:
        flags |= os.O_CREAT | (os.O_EXCL if fcntl is None else 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:  # no flock here: an existing lock is taken as held
        raise OutputBusyError(f"{path} exists: another crm-training run may be writing "
                              f"{path.parent}; if none is, delete that file") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafeOutputError(f"{path} is a symbolic link, not the kit's lock file; "
                                    "nothing was written") from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise UnsafeOutputError(f"{path} is not the kit's lock file (a link or a special file); "
                                "nothing was written")
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputBusyError(f"another crm-training run is writing {path.parent} right now; "
                                  "wait for it or choose another folder") from None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)  # closing releases the flock


def clean_stale_partials(parent) -> list[Path]:
    """Remove what interrupted runs left in ``parent``; return the folders removed.

    Only folders named ``.NAME.partial-*`` or ``.NAME.old-*``, owned by this user, holding the
    kit's plain lock file that no process holds any more, are touched. A stale ``.old-*``
    folder (a previous output moved aside where no atomic exchange exists) is put back when
    its target is missing, never deleted then.
    """
    parent = Path(parent)
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in names:
        m = _PARTIAL.match(name)
        if not m:
            continue
        folder = parent / name
        try:
            st = os.lstat(folder)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or fcntl is None:
            continue
        try:
            fd = _lock(folder / LOCK, create=False)
        except OSError:  # no lock file (not the kit's), a live run, or not a plain file
            continue
        try:
            target = parent / m.group("name")
            if m.group("what") == "old":
                if len(m.group("name")) < _NAME_KEEP and not os.path.lexists(target):
                    os.rename(folder, target)  # the output a killed run had moved aside
                    with contextlib.suppress(OSError):
                        os.unlink(target / LOCK)
                continue  # never delete a previous output
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            pass
        finally:
            _unlock(fd)
    return removed


# ------------------------------------------------------------------------------ swap
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _sibling(path: Path, what: str) -> Path:
    """A fresh hidden sibling name for ``path`` (short enough for any file system)."""
    return path.parent / f".{path.name[:_NAME_KEEP]}.{what}-{secrets.token_hex(6)}"


def _make_partial(path: Path) -> tuple[Path, int]:
    """Create the partial folder and lock it (its lock file marks it as the kit's)."""
    tmp = _sibling(path, "partial")
    os.mkdir(tmp)
    try:
        return tmp, _lock(tmp / LOCK)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_output_dir(path, force: bool = False, inputs=(), kind: str = "output"):
    """Yield a temporary folder that becomes ``path`` only when the block succeeds.

    Parameters
    ----------
    path : the output folder (new, empty, or with ``force`` a folder the kit wrote).
    force : replace a folder the kit wrote before (its manifest lists everything in it).
    inputs : the command's inputs; the output may not be, hold or sit inside any of them.
    kind : what the folder holds (recorded in the manifest; ``force`` replaces only the same).
    """
    path = check_output_dir(path, force, inputs, kind)
    path = Path(os.path.abspath(path))  # a literal "~" stays a folder name, never $HOME
    parent = path.parent
    made = []  # folders this call created, removed again if it fails
    with _as_output_error(f"cannot create {parent}"):
        for p in reversed([parent, *parent.parents]):
            if not p.exists():
                os.mkdir(p)
                made.append(p)
    clean_stale_partials(parent)
    with _as_output_error(f"cannot create {path}"):
        try:
            os.mkdir(path)
            made.append(path)
        except FileExistsError:
            pass
    reserve = tmp = partial_lock = None
    done = False
    try:
        with _as_output_error(f"cannot write in {path}"):
            reserve = _lock(path / LOCK)  # held for the whole run: a second run is refused
        check_output_dir(path, force, inputs, kind)  # again, now that the folder is ours
        with _as_output_error(f"cannot write beside {path}"):
            before = _state(path)  # what the swap may replace, exactly
            tmp, partial_lock = _make_partial(path)
        yield tmp
        with _as_output_error(f"cannot write {path}"):
            write_manifest(tmp, kind)
            _swap_in(tmp, path, before)
            # the new folder holds the partial lock file: remove it while still holding it
            with contextlib.suppress(OSError):
                os.unlink(path / LOCK)
        done = True
    finally:
        _unlock(partial_lock)
        if not done and tmp is not None:  # failed: remove what was written
            shutil.rmtree(tmp, ignore_errors=True)
        if reserve is not None and not done:
            with contextlib.suppress(OSError):
                os.unlink(path / LOCK)
        _unlock(reserve)
        if not done:  # give back the folders this call made (only while still empty)
            for p in reversed(made):
                with contextlib.suppress(OSError):
                    os.rmdir(p)


def _swap_in(tmp: Path, path: Path, before: dict) -> None:
    """Put ``tmp`` in the place of ``path``, if ``path`` still holds exactly ``before``."""
    def appeared():
        return OutputExistsError(f"files were saved or changed in {path} while the kit was "
                                 "writing it; they were kept and nothing was replaced")

    if _state(path) != before:
        raise appeared()
    if _exchange(tmp, path):
        if _state(tmp) != before:  # changed in the instant before the swap: swap back
            _exchange(tmp, path)
            raise appeared()
        shutil.rmtree(tmp, ignore_errors=True)  # the old folder, now under tmp's name
        return
    old = _sibling(path, "old")  # no atomic exchange: move aside (restored if killed), then in
    os.rename(path, old)
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old, path)
        raise
    if _state(old) != before:  # the new output is in place; what changed is kept beside it
        raise OutputExistsError(f"files were saved or changed in {path} while the kit was "
                                f"writing it; the previous folder with them is kept as {old}")
    shutil.rmtree(old, ignore_errors=True)
