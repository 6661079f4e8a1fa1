"""Nothing the kit writes loses a file it did not write: every data-loss scenario seen with a
consultant's folders, each ending with the inputs byte for byte as they were.

`--force` replaces only a folder that the kit wrote (its manifest lists every file, unchanged);
outputs never overlap inputs; a second run, or a folder appearing meanwhile, is refused; a killed
run's partial folder is removed by the next run.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from crm_training import fileio
from crm_training.cli import main
from crm_training.fileio import (OutputBusyError, OutputError, OutputExistsError,
                                 UnsafeOutputError, atomic_output_dir, check_output_dir)

ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes' hash (and every folder)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


@pytest.fixture
def client(tmp_path):
    """A client's export folder: orders and customers a report can be built from."""
    src = tmp_path / "clientdir"
    src.mkdir()
    rows = ["Order ID,Customer ID,Order Date,Net Amount"]
    for i in range(60):
        for k in range(1 + i % 3):
            rows.append(f"A{i}-{k},C{i},2024-0{1 + k}-1{i % 10},{10 + i}.5")
    (src / "orders.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (src / "customers.csv").write_text("Customer ID,Name\n" + "".join(
        f"C{i},Person {i}\n" for i in range(60)), encoding="utf-8")
    return src


def _err(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --------------------------------------------------------------------------- the data folder
@pytest.mark.parametrize("out", ["{c}", "{c}/report", "{c}/.."])
def test_report_never_writes_where_the_client_data_is(client, capsys, out):
    before = snapshot(client.parent)
    code = main(["report", "--data", str(client), "--out", out.format(c=client), "--force",
                 "--quiet"])
    assert code == 2
    assert "input" in _err(capsys)
    assert snapshot(client.parent) == before


def test_validate_never_writes_where_the_client_data_is(client, capsys):
    before = snapshot(client.parent)
    for out in (client, client / "cleaned", client.parent):
        assert main(["validate", str(client), "--out", str(out), "--force", "--quiet"]) == 2
        assert "input" in _err(capsys)
    assert snapshot(client.parent) == before


def test_batch_paths_stay_under_the_spec_folder_and_never_on_data(client, tmp_path, capsys):
    spec = tmp_path / "spec" / "b.yml"
    spec.parent.mkdir()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "precious.csv").write_text("keep me")
    spec.write_text(textwrap.dedent(f"""
        reports:
          - {{company: A, out: ../x}}
          - {{company: B, data_dir: {client}, out: {client}}}
          - {{company: C, out: sub/../../x}}
          - {{company: D, out: ok, template: evil.ipynb}}
          - {{company: E, data_dir: ../clientdir, out: e}}
        """), encoding="utf-8")
    before = snapshot(tmp_path)
    assert main(["report", "--batch", str(spec), "--force", "--quiet"]) == 1
    table = capsys.readouterr().out
    assert "0 of 5 reports built" in table
    assert table.count("leaves the spec's folder") == 3  # A, C, and E's data_dir
    assert "is the input" in table  # B
    assert "may not choose the template" in table  # D
    assert snapshot(tmp_path) == before


def test_a_batch_spec_cannot_run_its_own_template(tmp_path):
    from crm_training.report.runner import read_batch_spec

    spec = tmp_path / "b.yml"
    spec.write_text("defaults: {template: /tmp/evil.ipynb}\nreports:\n  - {company: A, out: a}\n")
    [entry] = read_batch_spec(spec)
    assert "template" not in entry
    assert any("--template" in p for p in entry["_problem"])


# --------------------------------------------------------------------------- --force
def test_force_replaces_only_the_kits_own_unchanged_folder(tmp_path, capsys):
    out = tmp_path / "data"
    assert main(["generate", "--customers", "30", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    manifest = fileio.read_manifest(out)
    assert manifest["kind"] == "dataset" and "customers.parquet" in manifest["files"]
    assert main(["generate", "--customers", "30", "--out", str(out), "--quiet"]) == 2  # no --force
    assert "not empty" in _err(capsys)
    assert main(["generate", "--customers", "31", "--out", str(out), "--force", "--quiet"]) == 0
    capsys.readouterr()
    (out / "client_export.csv").write_text("id\n1\n")  # a person puts a file in it
    before = snapshot(out)
    assert main(["generate", "--customers", "32", "--out", str(out), "--force", "--quiet"]) == 2
    assert "client_export.csv (added after crm-training wrote the folder)" in _err(capsys)
    assert snapshot(out) == before
    (out / "client_export.csv").unlink()
    with open(out / "customers.parquet", "ab") as f:  # or edits one of the kit's files
        f.write(b"edited")
    before = snapshot(out)
    assert main(["generate", "--customers", "32", "--out", str(out), "--force", "--quiet"]) == 2
    assert "customers.parquet (changed after crm-training wrote it)" in _err(capsys)
    assert snapshot(out) == before


def test_force_never_replaces_a_folder_without_the_manifest(tmp_path, capsys):
    out = tmp_path / "notebooks"
    out.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), out / "mine.ipynb")
    before = snapshot(out)
    for argv in (["build-exercises", "--src", str(ROOT / "solutions"), "--dst", str(out)],
                 ["build-exercises", "--src", str(ROOT / "solutions"), "--dst", str(out),
                  "--force"],
                 ["samples", "--out", str(out), "--force"],
                 ["report", "--out", str(out), "--force", "--quiet"]):
        assert main(argv) == 2, argv
        err = _err(capsys)
        assert "not empty" in err or "no manifest" in err, err
    assert snapshot(out) == before


def test_manifest_records_every_file_deterministically(tmp_path):
    for name in ("a", "b"):
        with atomic_output_dir(tmp_path / name, kind="test") as tmp:
            (tmp / "sub").mkdir()
            (tmp / "sub" / "x.txt").write_text("x")
            (tmp / "y.bin").write_bytes(b"\0\1")
    a, b = ((tmp_path / n / fileio.MANIFEST).read_bytes() for n in ("a", "b"))
    assert a == b  # no time stamps: committed generated folders do not churn
    m = fileio.read_manifest(tmp_path / "a")
    assert sorted(m["files"]) == ["sub/x.txt", "y.bin"]
    assert m["files"]["y.bin"] == {"size": 2, "sha256": hashlib.sha256(b"\0\1").hexdigest()}
    assert fileio.foreign_files(tmp_path / "a") == []


# --------------------------------------------------------------------------- races and kills
def test_a_second_run_to_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:
        (tmp / "first.txt").write_text("1")
        with pytest.raises(OutputBusyError, match="another crm-training run"):
            with atomic_output_dir(out):
                pass
        with pytest.raises(OutputBusyError):
            with atomic_output_dir(out, force=True):
                pass
    assert sorted(p.name for p in out.iterdir()) == [fileio.MANIFEST, "first.txt"]


def test_a_folder_filled_during_the_run_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputExistsError, match="saved or changed"):
        with atomic_output_dir(out) as tmp:
            (tmp / "ours.txt").write_text("kit")
            (out / "theirs.csv").write_text("client")  # someone saves a file there meanwhile
    assert (out / "theirs.csv").read_text() == "client"
    assert not (out / "ours.txt").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_a_failed_run_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_output_dir(tmp_path / "out") as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "empty"
    existing.mkdir()
    with pytest.raises(RuntimeError):
        with atomic_output_dir(existing):
            raise RuntimeError("boom")
    assert list(existing.iterdir()) == []  # the user's empty folder is left as it was


_KILLED = """
import sys, time
from crm_training.fileio import atomic_output_dir
with atomic_output_dir(sys.argv[1]) as tmp:
    (tmp / "big.bin").write_bytes(b"x" * 100_000)
    print("writing", flush=True)
    time.sleep(600)
"""


def test_a_killed_runs_partial_folder_is_cleaned_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, str(out)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"  # waits for the state, not a time
        partial = [p for p in tmp_path.iterdir() if ".partial-" in p.name]
        assert len(partial) == 1
        with pytest.raises(OutputBusyError):  # alive: its folder is its own
            with atomic_output_dir(out):
                pass
        assert partial[0].exists()  # a live run's partial folder is never touched
    finally:
        proc.kill()
        proc.wait()
    assert partial[0].exists()
    with atomic_output_dir(out) as tmp:  # the next run: the stale folders go
        (tmp / "new.txt").write_text("new")
    assert not partial[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == [fileio.MANIFEST, "new.txt"]


def test_only_the_kits_partial_folders_are_cleaned(tmp_path):
    lookalike = tmp_path / ".out.partial-abcdef12"  # no lock file: not the kit's
    lookalike.mkdir()
    (lookalike / "x.csv").write_text("keep")
    assert fileio.clean_stale_partials(tmp_path) == []
    assert (lookalike / "x.csv").read_text() == "keep"


# --------------------------------------------------------------------------- odd paths
@pytest.mark.parametrize("make, message", [
    (lambda d: d / "file.txt" / "sub", "is a file"),
    (lambda d: d / ("n" * 300), "too long"),
    (lambda d: d / "link", "symbolic link"),
    (lambda d: Path("."), "current folder"),
    (lambda d: Path(".."), "current folder"),
    (lambda d: "", "empty"),
])
def test_odd_output_paths_are_one_line_errors(tmp_path, monkeypatch, make, message):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "real")
    with pytest.raises(OutputError, match=message):
        check_output_dir(make(tmp_path))
    target = make(tmp_path)
    if target != "":
        assert main(["generate", "--customers", "20", "--out", str(target), "--quiet"]) == 2


def test_an_unwritable_parent_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    # tests run as root, which writes anywhere: the refusal is simulated where the kit asks
    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(fileio.os, "mkdir", refuse)
    with pytest.raises(OutputError, match="cannot create .*out: Permission denied"):
        with atomic_output_dir(tmp_path / "out"):
            pass
    assert main(["generate", "--customers", "20", "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "Permission denied" in _err(capsys)
    assert list(tmp_path.iterdir()) == []


def test_inputs_are_compared_after_resolving_links(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "alias").symlink_to(data)
    with pytest.raises(UnsafeOutputError, match="is inside the input"):
        check_output_dir(tmp_path / "alias" / "out", inputs=[data])
    with pytest.raises(UnsafeOutputError, match="contains the input"):
        check_output_dir(tmp_path, inputs=[tmp_path / "alias"])


# --------------------------------------------------------------------------- a red team's finds
def test_a_lock_file_that_is_a_link_is_never_opened_through(tmp_path, capsys):
    precious = tmp_path / "precious.csv"
    precious.write_text("client data\n")
    for how in ("symlink", "hardlink"):
        out = tmp_path / f"out_{how}"
        out.mkdir()
        if how == "symlink":
            (out / fileio.LOCK).symlink_to(precious)
        else:
            os.link(precious, out / fileio.LOCK)
        for force in ([], ["--force"]):
            assert main(["generate", "--customers", "20", "--out", str(out), "--quiet",
                         *force]) == 2
            err = _err(capsys)
            assert "not empty" in err or "no manifest" in err, err
            assert precious.read_text() == "client data\n"
    # the kit's own folder with a link put in place of its lock file
    out = tmp_path / "kit"
    with atomic_output_dir(out, kind="dataset") as tmp:
        (tmp / "a.txt").write_text("a")
    (out / fileio.LOCK).symlink_to(precious)
    with pytest.raises(OutputError):
        with atomic_output_dir(out, force=True, kind="dataset"):
            pass
    assert precious.read_text() == "client data\n"
    # a look-alike partial folder in a shared parent, its "lock" pointing at a victim
    fake = tmp_path / f".zz.partial-{'a' * 12}"
    fake.mkdir()
    (fake / fileio.LOCK).symlink_to(precious)
    with atomic_output_dir(tmp_path / "mine") as tmp:
        (tmp / "x").write_text("x")
    assert precious.read_text() == "client data\n" and fake.is_dir()


def test_edits_saved_during_a_forced_run_are_kept(tmp_path):
    for change in ("edit", "new file deep"):
        out = tmp_path / change.replace(" ", "_")
        with atomic_output_dir(out) as tmp:
            (tmp / "sub").mkdir()
            (tmp / "sub" / "report.ipynb").write_text("v1")
        with pytest.raises(OutputExistsError, match="saved or changed"):
            with atomic_output_dir(out, force=True) as tmp:
                (tmp / "new.txt").write_text("v2")
                if change == "edit":  # a notebook autosave while the report runs
                    (out / "sub" / "report.ipynb").write_text("my edit")
                else:
                    (out / "sub" / "notes.txt").write_text("mine")
        assert not (out / "new.txt").exists()
    assert (tmp_path / "edit" / "sub" / "report.ipynb").read_text() == "my edit"
    assert (tmp_path / "new_file_deep" / "sub" / "notes.txt").read_text() == "mine"


def test_a_subfolder_the_kit_cannot_read_is_never_replaced(tmp_path, monkeypatch):
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:
        (tmp / "truth").mkdir()
        (tmp / "truth" / "t.json").write_text("{}")
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # as a non-root user sees a folder with mode 000
        for root, dirs, files in real_walk(top, onerror=onerror, **kw):
            if Path(root).name == "truth":
                if onerror:
                    onerror(PermissionError(13, "Permission denied", root))
                continue
            yield root, dirs, files

    monkeypatch.setattr(fileio.os, "walk", walk)
    with pytest.raises(OutputError, match="cannot be read"):
        check_output_dir(out, force=True)


def test_a_second_name_of_the_input_folder_is_caught(tmp_path, monkeypatch):
    data, mount = tmp_path / "data", tmp_path / "mount"  # as `mount --bind data mount` makes
    data.mkdir()
    mount.mkdir()
    real_stat = os.stat

    def stat(p, *a, **k):
        return real_stat(data if Path(p) == mount else p, *a, **k)

    monkeypatch.setattr(fileio.os, "stat", stat)
    with pytest.raises(UnsafeOutputError, match="is inside the input"):
        check_output_dir(mount / "clean", inputs=[data])
    with pytest.raises(UnsafeOutputError, match="is the input"):
        check_output_dir(mount, inputs=[data])


def test_without_an_atomic_exchange_a_killed_swap_loses_nothing(tmp_path, monkeypatch):
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:
        (tmp / "v1.txt").write_text("v1")
    monkeypatch.setattr(fileio, "_exchange", lambda a, b: False)  # e.g. macOS
    with atomic_output_dir(out, force=True) as tmp:  # the fallback works ...
        (tmp / "v2.txt").write_text("v2")
    assert (out / "v2.txt").exists() and not (out / "v1.txt").exists()
    # ... and a run killed between its two renames leaves the old output aside: put back
    os.rename(out, tmp_path / f".out.old-{'b' * 12}")
    (tmp_path / f".out.old-{'b' * 12}" / fileio.LOCK).write_text("")
    assert fileio.clean_stale_partials(tmp_path) == []
    assert (out / "v2.txt").read_text() == "v2"


@pytest.mark.parametrize("name, message", [
    ("a\x00b", "NUL"), ("bad\udcffname", "not valid text"), ("n" * 256, "too long"),
])
def test_names_the_file_system_cannot_take_are_refused_before_any_work(tmp_path, name,
                                                                       message):
    with pytest.raises(OutputError, match=message):
        check_output_dir(tmp_path / name)


def test_long_names_and_literal_tilde_are_written_where_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    long = "n" * 250  # the partial folder's name is shortened, the output's is not
    for name in (long, "~/x"):
        with atomic_output_dir(name) as tmp:
            (tmp / "f.txt").write_text("ok")
        assert (tmp_path / name / "f.txt").read_text() == "ok"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_parents_made_for_a_failed_run_are_removed(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_output_dir(tmp_path / "new" / "deeper" / "out"):
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_force_replaces_only_the_same_kind_of_output(tmp_path):
    with atomic_output_dir(tmp_path / "ex", kind="exercises") as tmp:
        (tmp / "01.ipynb").write_text("{}")
    with pytest.raises(OutputExistsError, match="holds crm-training exercises output, not report"):
        check_output_dir(tmp_path / "ex", force=True, kind="report")


def test_a_damaged_or_odd_manifest_is_no_manifest(tmp_path):
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:
        (tmp / "a.txt").write_text("a")
    (out / fileio.MANIFEST).write_text('{"written_by": "crm-training", "files": {"a.txt": "x"}}')
    assert fileio.read_manifest(out) is None
    (out / fileio.MANIFEST).unlink()
    os.mkfifo(out / fileio.MANIFEST)  # would block a reader forever
    assert fileio.read_manifest(out) is None
    with pytest.raises(OutputExistsError, match="no manifest"):
        check_output_dir(out, force=True)


def test_batch_outputs_may_not_nest_and_odd_paths_are_problems(tmp_path):
    from crm_training.report.runner import build_batch

    spec = tmp_path / "b.yml"
    spec.write_text('reports:\n  - {company: A, out: nest, industry: nope}\n'
                    '  - {company: B, out: nest/inner}\n'
                    '  - {company: C, out: "a\\0b"}\n  - {company: D, out: x, data_dir: "d\\0"}\n'
                    '  - {company: E, out: y, data_dir: 5}\n', encoding="utf-8")
    results = build_batch(spec, progress=False)
    assert [r.status for r in results] == ["invalid"] * 5
    assert "also the folder of entry 1, or holds it" in results[1].error
    assert "NUL" in results[2].error and "NUL" in results[3].error
    assert "data_dir must be a folder" in results[4].error


def test_a_names_file_that_is_not_a_file_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "names")  # reading it would block forever
    assert main(["build-exercises", "--src", str(ROOT / "solutions"), "--dst",
                 str(tmp_path / "x"), "--seed-per-trainee", str(tmp_path / "names")]) == 2
    assert "not a file of trainee names" in _err(capsys)
