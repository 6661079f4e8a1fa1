"""The client's files are never written, moved or replaced; the CLI answers in one line."""
import hashlib
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from crm_training.cli import main
from crm_training.clients import load_client
from crm_training.fileio import OutputError


def _fingerprints(folder):
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns,
                     oct(p.stat().st_mode))
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def client(tmp_path):
    src = tmp_path / "client"
    src.mkdir()
    (src / "orders.csv").write_bytes(
        "订单编号;客户编号;下单时间;实付金额\nA1;C1;05.01.2024;1.234,50\nA1;C1;05.01.2024;1.234,50\n"
        "A2;;06.01.2024;x\n".encode("gbk"))
    (src / "customers.csv").write_text("Customer ID,Name,Email\nC1,Ann Lee,ann@x.com\n")
    pd.DataFrame({"ticket_id": ["T1"], "customer_id": ["C1"],
                  "created_at": pd.to_datetime(["2024-02-01"])}).to_parquet(src / "tickets.parquet")
    wb = openpyxl.Workbook()
    wb.active.append(["问卷编号", "客户编号", "时间", "净推荐值"])
    wb.active.append(["S1", "C1", "2024-03-01", 8])
    wb.save(src / "surveys.xlsx")
    (src / "garbage.csv").write_bytes(os.urandom(2000))
    return src


def test_sources_unchanged_by_load_save_and_cli(client, tmp_path):
    before = _fingerprints(client)
    res = load_client(client, progress=False)
    res.save(tmp_path / "out1", anonymise=True)
    main(["validate", str(client), "--out", str(tmp_path / "out2"), "--quiet"])
    main(["validate", str(client / "orders.csv"), "--out", str(tmp_path / "out3"), "--quiet",
          "--anonymise", "--format", "csv"])
    assert _fingerprints(client) == before
    assert sorted(p.name for p in client.iterdir()) == sorted(before)  # nothing added either


def test_output_never_replaces_the_source_folder(client, tmp_path):
    before = _fingerprints(client)
    res = load_client(client, progress=False)
    with pytest.raises(OutputError, match="is the input"):
        res.save(client, force=True)
    with pytest.raises(OutputError, match="contains the input"):
        res.save(tmp_path, force=True)  # a parent of the client folder
    with pytest.raises(OutputError, match="is inside the input"):
        res.save(client / "cleaned", force=True)  # inside the client folder
    assert main(["validate", str(client), "--out", str(client), "--force", "--quiet"]) == 2
    assert _fingerprints(client) == before


def test_outputs_are_atomic_and_not_overwritten(client, tmp_path):
    out = tmp_path / "out"
    res = load_client(client / "orders.csv", progress=False)
    res.save(out)
    assert {p.name for p in out.iterdir()} == {"tables", "validation", ".crm-training.json"}
    assert {p.name for p in (out / "validation").iterdir()} == {
        "report.md", "report.html", "cleaning.csv", "validation.csv", "sources.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no partial left
    with pytest.raises(FileExistsError):
        res.save(out)
    import crm_training

    assert len(crm_training.load(out).transactions) == 1  # the folder as it is
    assert len(crm_training.load(out / "tables").transactions) == 1


@pytest.mark.parametrize("argv, code, stderr", [
    (["{src}/orders.csv"], 1, ""),  # errors block: bad amount and blank id
    (["{src}/customers.csv"], 0, ""),
    (["{src}/garbage.csv"], 1, "garbage.csv is not a text table: it could not be decoded as "
                               "UTF-8 or GBK"),
    (["{src}/missing.csv"], 2, "does not exist"),
    (["{src}/orders.csv", "--mapping", "{src}/none.yml"], 2, "mapping file"),
    (["{src}/orders.csv", "--out", "{src}"], 2, "contains the input"),
    (["{src}", "--out", "{src}/cleaned", "--force"], 2, "is inside the input"),
    (["{src}/orders.csv", "--table", "nonsense"], 2, "--table must be one of"),
])
def test_cli_exit_codes_and_one_line_reasons(client, capsys, argv, code, stderr):
    argv = ["validate", "--quiet"] + [a.format(src=client) for a in argv]
    assert main(argv) == code
    err = capsys.readouterr().err
    assert stderr in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1


def test_cli_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["validate"])
    assert e.value.code == 2


def test_cli_report_saved_as_markdown_and_html(client, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["validate", str(client / "orders.csv"), "--out", str(out), "--quiet"]) == 1
    printed = capsys.readouterr().out
    assert "ERROR" in printed and "line 4" in printed
    md = (out / "validation" / "report.md").read_text(encoding="utf-8")
    html = (out / "validation" / "report.html").read_text(encoding="utf-8")
    assert "| error |" in md and "Not usable as is" in md
    assert "<table" in html and "blank customer ids" in html


def test_cli_subprocess_has_no_traceback(client):
    r = subprocess.run([sys.executable, "-m", "crm_training.cli", "validate", "--quiet",
                        str(client / "garbage.csv")], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "garbage.csv is not a text table" in r.stderr
