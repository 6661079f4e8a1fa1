"""The workshop in a real browser: ``crm-training workshop`` serves Voila on localhost, and
Playwright drives Debian's Chromium (no browser download): load the dashboard, read the tier
table, change controls, see the tables change, download the CSV, save a screenshot.

Skipped when Chromium or the playwright package is missing, unless ``CRM_REQUIRE_BROWSER=1``
(CI sets it): then it fails, so a broken browser set-up cannot pass unnoticed.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
from pathlib import Path

import pandas as pd
import pytest
from workshop_process import running_workshop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("CRM_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need_browser():
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package (pip install playwright)")
    if not Path(CHROMIUM).exists():
        missing.append("Chromium (apt-get install chromium)")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if REQUIRED:
            pytest.fail(message + " (CRM_REQUIRE_BROWSER=1)")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def workshop(tmp_path):
    """The workshop server on a free port (client folders under ``tmp_path/clients`` only);
    yields the address it printed, with its token; always stopped at the end."""
    _need_browser()
    port = _free_port()
    (tmp_path / "clients").mkdir()
    args = ["--port", port, "--root", tmp_path / "clients"]
    with running_workshop(args, tmp_path / "server.log", 60) as (found, _):
        assert int(found.group(1)) == port
        yield found.group(0)


def _rows(page, selector):
    return page.inner_text(selector).strip().splitlines()


def _set_slider(page, css_class, value):
    """Type a value into a slider's editable readout (what a user can do too) and confirm."""
    readout = page.locator(f".{css_class} .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


ARTIFACTS = Path(os.environ.get("CRM_TEST_ARTIFACTS") or
                 Path(__file__).resolve().parents[1] / ".artifacts") / "workshop"
TAB_NAMES = {"en": ["Data quality", "Concentration", "Segments", "Value tiers",
                    "CLV and churn risk", "Action list"],
             "zh": ["数据质量", "价值集中度", "客户细分", "价值分层", "生命周期价值与流失风险",
                    "行动清单"]}
CHARTS = ["data", "concentration", "segments", "tiers", "clv", "actions"]


def _drawn(page):
    """Wait until the dashboard has finished drawing (its status shows no "working")."""
    from playwright.sync_api import expect

    expect(page.locator(".crm-status i")).to_have_count(0, timeout=60_000)


def _shoot(page, name):
    _drawn(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_dashboard_in_chromium(workshop, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    console = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            refused = browser.new_page()
            assert refused.goto(workshop.split("?")[0]).status == 403  # no token, no dashboard
            refused.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                    accept_downloads=True)
            page.on("console", lambda m: console.append(m) if m.type == "error" else None)
            page.goto(workshop)
            assert page.url == workshop.split("?")[0]  # the token left the address bar
            page.wait_for_selector(".crm-data-table table", timeout=60_000)
            expect(page.locator(".crm-header")).to_contain_text("customer workshop")
            expect(page.locator(".crm-status")).to_contain_text("customers with purchases")
            body = page.inner_text(".crm-dashboard")
            assert "Run it here" not in body and "label_zh" not in body

            # every tab: a chart (a drawn PNG) and a table with human headers
            for i, (name, chart) in enumerate(zip(TAB_NAMES["en"], CHARTS)):
                page.get_by_role("tab", name=name).click()
                img = page.locator(f".crm-{chart}-chart")
                expect(img).to_be_visible(timeout=60_000)
                page.wait_for_function(
                    "c => { const i = document.querySelector('.' + c); "
                    "return i && i.naturalWidth > 100; }", arg=f"crm-{chart}-chart",
                    timeout=60_000)
                expect(page.locator(f".crm-{chart}-table table")).to_be_visible()
                _shoot(page, f"{i + 1}-{chart}-en")

            # the value tiers: the report's scheme, 20% / 30% / 50% of 2,000 customers
            page.get_by_role("tab", name="Value tiers").click()
            rows = _rows(page, ".crm-tiers-table")
            assert [r.split("\t")[:3] for r in rows[1:]] == [
                ["high value", "400", "20.0%"], ["medium value", "600", "30.0%"],
                ["potential value", "1,000", "50.0%"]]
            _set_slider(page, "crm-high-share", 10)
            expect(page.locator(".crm-tiers-table")).to_contain_text("10.0%", timeout=20_000)
            assert _rows(page, ".crm-tiers-table")[1].split("\t")[:3] == [
                "high value", "200", "10.0%"]

            # number of clusters: one row per cluster, plain and distinct names
            page.get_by_role("tab", name="Segments").click()
            expect(page.locator(".crm-cluster-table tbody tr")).to_have_count(4)
            _set_slider(page, "crm-clusters", 6)
            expect(page.locator(".crm-cluster-table tbody tr")).to_have_count(6, timeout=20_000)
            names = [r.split("\t")[0] for r in _rows(page, ".crm-cluster-table")[1:]]
            assert len(set(names)) == 6 and "Champions" not in names, names

            # the language switch: every label in Chinese, the numbers the same
            page.get_by_role("button", name="中文").click()
            for name in TAB_NAMES["zh"]:
                expect(page.get_by_role("tab", name=name)).to_be_visible(timeout=20_000)
            page.get_by_role("tab", name="价值分层").click()
            expect(page.locator(".crm-tiers-table")).to_contain_text("高价值", timeout=20_000)
            assert _rows(page, ".crm-tiers-table")[1].split("\t")[:3] == ["高价值", "200", "10.0%"]
            expect(page.locator(".crm-header")).to_contain_text("客户研讨会")
            for i, (name, chart) in enumerate(zip(TAB_NAMES["zh"], CHARTS)):
                page.get_by_role("tab", name=name).click()
                expect(page.locator(f".crm-{chart}-table thead")).to_contain_text(
                    re.compile("[\u4e00-\u9fff]"), timeout=60_000)  # redrawn in Chinese
                page.wait_for_function(
                    "c => { const i = document.querySelector('.' + c); "
                    "return i && i.naturalWidth > 100; }", arg=f"crm-{chart}-chart",
                    timeout=60_000)
                _shoot(page, f"{i + 1}-{chart}-zh")

            # the action list, downloaded as Excel and as CSV
            page.get_by_role("tab", name="行动清单").click()
            expect(page.locator(".crm-actions-table")).to_contain_text("客户编号", timeout=60_000)
            _drawn(page)  # the links are those of the Chinese list
            expect(page.locator(".crm-actions-table tbody tr")).to_have_count(20, timeout=20_000)
            files = {}
            for css in ("crm-xlsx", "crm-csv"):
                with page.expect_download() as info:
                    page.locator(f"a.{css}").click()
                download = info.value
                files[download.suggested_filename] = path = tmp_path / download.suggested_filename
                download.save_as(path)
            page.get_by_role("button", name="English").click()
            expect(page.get_by_role("tab", name="Action list")).to_be_visible(timeout=20_000)

            # a client folder outside the server's --root is refused, and the tables stay
            page.locator(".crm-data-panel").get_by_text("Data source").click()
            page.get_by_role("button", name="Client folder").click()
            folder = page.locator(".crm-client-path input")
            folder.fill(str(tmp_path))  # the root's parent: server.log is there
            folder.press("Enter")
            page.locator(".crm-client-load").click()
            expect(page.locator(".crm-status")).to_contain_text(
                "outside the workshop data folder", timeout=20_000)
            _shoot(page, "7-refused-folder")
        finally:
            browser.close()
    import openpyxl

    sheet = list(openpyxl.load_workbook(files["actions.xlsx"]).active.values)
    csv = pd.read_csv(files["actions.csv"], encoding="utf-8-sig")
    assert sheet[0][0] == "客户编号" and len(sheet) == 21
    assert len(csv) == 20 and csv["客户编号"].tolist() == [r[0] for r in sheet[1:]]
    assert csv["行动"].str.contains("[\u4e00-\u9fff]").all()
    assert csv["价值层级"].isin(["高价值", "中价值", "潜力价值"]).all()
    assert not [m.text for m in console], [m.text for m in console]
