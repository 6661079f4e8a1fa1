"""`crm-training generate` and `samples`: output, refusal to overwrite, --force, interruption."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import crm_training
from crm_training import cli, data as data_module


def run(*args):
    return cli.main(list(args))


def test_generate_writes_a_dataset_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "bank"
    assert run("generate", "--industry", "bank", "--customers", "300", "--seed", "7",
               "--locale", "zh_CN", "--out", str(out), "--format", "csv") == 0
    printed = capsys.readouterr()
    assert "Top 20% customers" in printed.out and "transactions" in printed.out
    assert "stage" in printed.err  # progress bar
    back = crm_training.load(out)
    assert len(back.customers) == 300 and back.meta["locale"] == "zh_CN"
    expected = crm_training.generate("bank", 300, seed=7, locale="zh_CN")
    assert back.transactions["amount"].sum() == pytest.approx(expected.transactions["amount"].sum())
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # an ordinary folder, not mkdtemp's 0700


def test_generate_refuses_a_non_empty_folder_unless_forced(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert run("generate", "--customers", "50", "--out", str(out), "--quiet") == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"
    # --force replaces only a folder that the kit wrote: never one with the user's files
    assert run("generate", "--customers", "50", "--out", str(out), "--force", "--quiet") == 2
    assert "notes.txt (not written by crm-training" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    assert run("generate", "--customers", "50", "--out", str(out), "--quiet") == 0  # empty: ok
    assert run("generate", "--customers", "60", "--out", str(out), "--force", "--quiet") == 0
    assert len(crm_training.load(out).customers) == 60


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = data_module._write

    def interrupt_midway(df, path, fmt):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(df, path, fmt)

    monkeypatch.setattr(data_module, "_write", interrupt_midway)
    out = tmp_path / "ds"
    assert run("generate", "--customers", "50", "--out", str(out), "--quiet") == 130
    assert calls["n"] == 3
    assert list(tmp_path.iterdir()) == []  # no target, no half-written temporary folder


@pytest.mark.parametrize("args, message", [
    (["--industry", "bakery"], "choose one of retail"),
    (["--customers", "0"], "at least 1"),
    (["--locale", "xx"], "en_US, zh_CN"),
    (["--start", "2025-01-01", "--end", "2024-01-01"], "after start"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args, message):
    assert run("generate", "--out", str(tmp_path / "o"), "--quiet", *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_console_script_is_installed(tmp_path):
    res = subprocess.run([sys.executable, "-m", "crm_training.cli", "generate", "--customers", "20",
                          "--out", str(tmp_path / "x"), "--quiet"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([sys.executable, "-m", "crm_training.cli", "nonsense"],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "invalid choice" in res.stderr
