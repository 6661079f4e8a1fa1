"""The workshop in a real browser: ``crm-training workshop`` serves Voila on localhost, and
Playwright drives Debian's Chromium (no browser download): load the dashboard, read the tier
table, change controls, see the tables change, download the CSV, save a screenshot.

Skipped when Chromium or the playwright package is missing, unless ``CRM_REQUIRE_BROWSER=1``
(CI sets it): then it fails, so a broken browser set-up cannot pass unnoticed.
"""
from __future__ import annotations

import importlib.util
import io
import os
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


def test_dashboard_in_chromium(workshop, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                    accept_downloads=True)
            assert page.goto(workshop.split("?")[0]).status == 403  # no token, no dashboard
            page.goto(workshop)
            assert page.url == workshop.split("?")[0]  # the token left the address bar
            page.wait_for_selector(".crm-tier-table table", timeout=45_000)
            status = page.inner_text(".crm-status")
            assert "2,000 customers with purchases segmented" in status

            # the value tiers: VIP 10% / important 30% / ordinary 60% of 2,000 customers
            tiers = _rows(page, ".crm-tier-table")
            assert [r.split("\t")[:3] for r in tiers[1:]] == [
                ["VIP", "200", "10.0%"], ["important", "600", "30.0%"],
                ["ordinary", "1,200", "60.0%"]]

            # tier weights: all the weight on potential moves customers between the tiers
            before = page.inner_text(".crm-tier-table")
            _set_slider(page, "crm-w-potential", 1)
            expect(page.locator(".crm-tier-table")).not_to_have_text(before, use_inner_text=True,
                                                                     timeout=20_000)
            expect(page.locator(".crm-tabs")).to_contain_text("potential 53%")
            expect(page.locator(".crm-status")).to_contain_text("segmented", timeout=20_000)

            # number of clusters: the cluster table gets one row per cluster
            page.get_by_role("tab", name="Clusters").click()
            expect(page.locator(".crm-cluster-table tbody tr")).to_have_count(4)
            _set_slider(page, "crm-clusters", 6)
            expect(page.locator(".crm-cluster-table tbody tr")).to_have_count(6, timeout=20_000)

            # RFM bins: fixed cut points (10th to 90th percentile) change the RFM segments
            page.get_by_role("tab", name="RFM segments").click()
            expect(page.locator(".crm-rfm-table table")).to_be_visible()
            before = page.inner_text(".crm-rfm-table")
            assert "Champions" in before
            page.get_by_role("button", name="fixed cut points").click()
            expect(page.locator(".crm-rfm-table")).not_to_have_text(before, use_inner_text=True,
                                                                     timeout=20_000)
            expect(page.locator(".crm-status")).to_contain_text("segmented", timeout=20_000)

            shot = tmp_path / "workshop.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")

            # a client folder outside the server's --root is refused, and the tables stay
            page.get_by_role("button", name="Client folder").click()
            folder = page.locator(".crm-client-path input")
            folder.fill(str(tmp_path))  # the root's parent: server.log is there
            folder.press("Enter")
            page.locator(".crm-client-load").click()
            expect(page.locator(".crm-status")).to_contain_text(
                "outside the workshop data folder", timeout=20_000)
            page.get_by_role("button", name="Scenario").click()

            # the CSV: one row per customer, the segments the dashboard shows
            with page.expect_download() as info:
                page.locator(".crm-download a").click()
            download = info.value
            assert download.suggested_filename == "segments.csv"
            path = tmp_path / "segments.csv"
            download.save_as(path)
            csv = pd.read_csv(io.BytesIO(path.read_bytes()), encoding="utf-8-sig")
        finally:
            browser.close()
    assert len(csv) == 2000 and csv["customer_id"].is_unique
    assert csv["value_class"].value_counts().to_dict() == {"ordinary": 1200, "important": 600,
                                                           "VIP": 200}
    assert csv["cluster"].nunique() == 6
    assert set(csv.columns) >= {"rfm_segment", "clv", "churn_probability"}
