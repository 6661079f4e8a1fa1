"""No traceback on any argument or output path: every subcommand, fed by hypothesis.

The options are read from the argument parser itself, so a new option is covered the day it is
added. Values are drawn from what people and scripts really pass: empty strings, huge and
negative numbers, dates out of range, names with NUL or newlines, 300-character names, ``.``,
``..``, files where folders belong, folders where files belong, a client's folder, a folder the
kit wrote, symbolic links. The work behind a command is made small (a report runs a one-cell
notebook, the generator makes a few customers): what is tested is the handling of arguments,
paths and failures. Each run must end with an exit code and, on error, one line on stderr that
is not a traceback nor an "unexpected" error; the inputs are unchanged at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import itertools
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_training import cli

SUBCOMMANDS = ("generate", "samples", "validate", "report", "build-exercises", "exercises",
               "workshop", "reidentify", "summarise")


def _parser_actions():
    """{subcommand: [(option strings or positional name, takes a value, choices)]}."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for name, p in sub.choices.items():
        acts = []
        for a in p._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            takes = a.nargs != 0
            acts.append((tuple(a.option_strings) or (a.dest,), takes, a.choices))
        out[name] = acts
    return out


ACTIONS = _parser_actions()


@pytest.fixture(scope="module")
def world():
    """Files and folders the arguments point at (kept for the whole module)."""
    root = Path(tempfile.mkdtemp(prefix="crm-cli-args-"))
    client = root / "client"
    client.mkdir()
    (client / "orders.csv").write_text(
        "Order ID,Customer ID,Order Date,Net Amount\n" + "".join(
            f"A{i},C{i % 7},2024-01-{1 + i % 28:02d},{5 + i}.5\n" for i in range(40)),
        encoding="utf-8")
    (client / "notes.txt").write_text("the client's notes")
    (root / "tx.csv").write_text("customer_id,timestamp,amount\n" + "".join(
        f"C{i % 7},2024-01-{1 + i % 28:02d} 10:00:00,{5 + i}.5\n" for i in range(40)),
        encoding="utf-8")
    solutions = root / "solutions"
    solutions.mkdir()
    cell = nbformat.v4.new_code_cell("seed = 7\n### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION")
    cell.metadata["tags"] = ["parameters"]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), solutions / "01_exercises.ipynb")
    (root / "names.txt").write_text("Ann\nBo\n", encoding="utf-8")
    (root / "latin1.txt").write_bytes("Jos\xe9\n".encode("latin-1"))
    (root / "mapping.yml").write_text("Net Amount: amount\n", encoding="utf-8")
    (root / "bad.yml").write_text("reports: [unclosed\n", encoding="utf-8")
    (root / "spec.yml").write_text("reports:\n  - {company: A, out: outs/a, n_customers: 200}\n"
                                   "  - {company: B, out: ../escape}\n", encoding="utf-8")
    (root / "file.txt").write_text("x")
    (root / "link").symlink_to(client)
    (root / "outs").mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "outs" not in p.parts}


_counter = itertools.count()


def _path_values(root: Path):
    fixed = ["", ".", "..", "/", "~", str(root / "client"), str(root / "client" / "orders.csv"),
             str(root / "client" / "sub"), str(root / "file.txt"), str(root / "file.txt" / "sub"),
             str(root / "link"), str(root / "solutions"), str(root / "names.txt"),
             str(root / "latin1.txt"), str(root / "mapping.yml"), str(root / "bad.yml"),
             str(root / "spec.yml"), str(root / "missing"), str(root / ("n" * 300)),
             str(root / "a\x00b"), str(root / "new\nline"), "-", "--", "/dev/null"]
    fresh = st.builds(lambda: str(root / "outs" / f"o{next(_counter)}"))
    return st.one_of(st.sampled_from(fixed), fresh, st.text(max_size=20))


def _values():
    return st.one_of(
        st.sampled_from(["", "0", "-1", "1e12", "nan", "1000000000000", "200", "3", "2024-01-01",
                         "1600-01-01", "9999-12-31", "2025-13-45", "bank", "retail", "zh", "en",
                         "fr", "zh_CN", "xx", "yes", "no", ",", ".", "0.5", "65536", "99999",
                         "\x00", "é", "华夏银行", "<script>", "=cmd"]),
        st.integers(-10**15, 10**15).map(str), st.text(max_size=15))


def _base(name, root):
    """A valid call of each subcommand (most runs then go deep before a value goes wrong)."""
    fresh = str(root / "outs" / f"o{next(_counter)}")
    return {
        "generate": {"--customers": "30", "--out": fresh, "--quiet": None},
        "samples": {"--out": fresh},
        "validate": {"path": str(root / "client"), "--quiet": None},
        "report": {"--customers": "200", "--out": fresh, "--quiet": None},
        "build-exercises": {"--src": str(root / "solutions"), "--dst": fresh},
        "exercises": {"--build": None, "--src": str(root / "solutions"), "--dst": fresh},
        "workshop": {"--data": str(root / "client"), "--port": "0", "--no-browser": None},
        "reidentify": {"list": str(root / "client" / "orders.csv"), "--exports":
                       str(root / "client"), "--salt": "0123456789abcdef-salt",
                       "--out": fresh + ".csv"},
        "summarise": {"log": str(root / "tx.csv"), "--out": fresh, "--quiet": None},
    }[name]


def _argv(draw, name, root):
    """A valid call with zero to three arguments changed to what users also pass."""
    args = _base(name, root)
    for _ in range(draw(st.integers(0, 3))):
        opts, takes, choices = draw(st.sampled_from(ACTIONS[name]))
        key = opts[0]
        if not takes:
            args[key] = None
            continue
        looks_like_path = any(k in key for k in ("out", "data", "dst", "src", "path", "mapping",
                                                 "batch", "template", "file", "trainee", "root", "list",
                                                 "exports", "log"))
        if choices is not None and draw(st.booleans()):
            args[key] = draw(st.sampled_from([str(c) for c in choices]))
        elif looks_like_path:
            args[key] = draw(_path_values(root))
        elif key == "--customers":
            args[key] = draw(st.one_of(st.sampled_from(["200", "0", "-5", "10000001", "1e3"]),
                                       _values()))
        else:
            args[key] = draw(_values())
    if name == "report" and "--batch" in args:  # the spec brings every parameter
        args = {k: v for k, v in args.items() if k in ("--batch", "--force", "--quiet",
                                                         "--template")}
    argv = [name]
    for key, value in args.items():
        if not key.startswith("-"):
            argv.append(value)
        elif value is None:
            argv.append(key)
        else:
            argv += [key, value]
    return argv


@contextlib.contextmanager
def _small_work():
    """The commands' heavy work made small; argument handling and output paths stay real."""
    from crm_training import datagen, samples
    from crm_training.datagen import core
    from crm_training.report import runner

    real_generate = datagen.generate

    def small_generate(industry="retail", n_customers=10_000, seed=0, locale="en_US",
                       start=None, end=None, **kw):
        core._validate(industry, n_customers, seed, locale, start, end, "2023-01-01",
                       "2025-12-31")  # the real checks of the real arguments
        return real_generate(industry, min(int(n_customers), 30), seed=seed, locale=locale,
                             start=start, end=end, **kw)

    def tiny_template(params, output, template=None, timeout=None):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# R")]),
                       output)
        return {"execute": 0.0, "cells": [], "kernel_start": 0.0}

    def tiny_pdf(html, pdf, timeout=None):
        Path(pdf).write_bytes(b"%PDF-1.4\n%%EOF\n")
        return Path(pdf)

    class NoServer:  # the workshop's Voila: exits at once (the command then says so)
        def __init__(self, *args, **kwargs):
            self.returncode = 1

        def poll(self):
            return 1

        def wait(self, timeout=None):
            return 1

        terminate = kill = lambda self: None

    from crm_training.workshop import cli as workshop_cli

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workshop_cli.subprocess, "Popen", NoServer)
        mp.setattr(datagen, "generate", small_generate)
        mp.setattr(samples, "generate", small_generate)
        mp.setattr(runner, "execute_template", tiny_template)
        mp.setattr(runner, "render_pdf", tiny_pdf)
        mp.setattr(runner, "find_chromium", lambda: "/usr/bin/chromium")
        yield


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:  # argparse: --help (0) or a usage error (2)
            code = e.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_argument_gets_an_exit_code_and_a_readable_line(world, name, monkeypatch):
    monkeypatch.chdir(world / "outs")
    before = _snapshot(world)
    failures = []

    @settings(max_examples=60 if name != "report" else 40, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        argv = _argv(data.draw, name, world)
        with _small_work():
            code, out, err = _run(argv)
        text = out + err
        if code not in (0, 1, 2) or "Traceback" in text or "unexpected" in text \
                or "please report" in text:
            failures.append((argv, code, err[-500:]))
        assert code in (0, 1, 2), (argv, code, err[-800:])
        assert "Traceback" not in text and "please report" not in text, (argv, err[-800:])

    check()
    assert not failures
    after = _snapshot(world)
    assert {k: after.get(k) for k in before} == before  # no input touched, whatever the arguments


def test_the_argument_tables_cover_every_subcommand():
    assert set(SUBCOMMANDS) == set(ACTIONS)
    assert any(opts == ("--out",) for opts, _, _ in ACTIONS["generate"])


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`crm-training validate ... | head`: the reader goes away; no traceback, exit 141."""
    import subprocess
    import sys

    src = tmp_path / "orders.csv"
    src.write_text("Order ID,Customer ID,Order Date,Net Amount\n" + "".join(
        f"A{i},C{i},2024-01-05,{i}.5\n" for i in range(50)), encoding="utf-8")
    files = [tmp_path / f"orders_{i:03d}.csv" for i in range(400)]  # a long report to print
    for f in files:
        f.write_bytes(src.read_bytes())
    proc = subprocess.Popen([sys.executable, "-m", "crm_training.cli", "validate",
                             str(tmp_path), "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.read(10)  # read a little, then hang up
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() in (0, 1, 141)
    assert "Traceback" not in err and "BrokenPipe" not in err
