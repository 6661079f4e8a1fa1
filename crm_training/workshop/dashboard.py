"""The workshop dashboard: ipywidgets controls over :mod:`crm_training.workshop.analysis`.

Layout, top to bottom: where the data comes from (a built-in scenario, or a client folder with
its validation report), the live controls (RFM cut points, tier weights, number of clusters,
length of the lists), the CSV download link, then tabs with the tier tables and strategies, the
RFM segments, the clusters, the CLV list, the churn-risk list and the data check.

Every control uses ``continuous_update=False`` (a slider recomputes when released, not while
dragged), and a change only redoes its own part of the analysis (see
:class:`~crm_training.workshop.analysis.WorkshopData`). Each widget a test or a browser needs
carries a stable CSS class ``crm-...`` (listed in :attr:`Dashboard.CSS_CLASSES`).
"""
from __future__ import annotations

import contextlib
import html
import os
from pathlib import Path

import ipywidgets as W
import pandas as pd

from ..datagen import INDUSTRIES, generate
from .analysis import (DEFAULT_FAMILY_WEIGHTS, FAMILIES, WorkshopData, csv_download_html,
                       default_rfm_ranges, rfm_thresholds, segment_customers, top_churn_risk,
                       top_clv)
from .paths import MONEY_ENV, resolve_client_path, root_from_env

_STYLE = """<style>
.crm-dashboard table.crm-table {border-collapse: collapse; font-size: 12px; margin: 4px 0;}
.crm-dashboard table.crm-table th, .crm-dashboard table.crm-table td {
  border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: right;}
.crm-dashboard table.crm-table td.crm-text, .crm-dashboard table.crm-table th {text-align: left;}
.crm-dashboard .crm-error {color: #b00020;}
.crm-dashboard a.crm-download-link {color: #1565c0; text-decoration: underline; font-weight: bold;}
</style>"""

TABS = ("Value tiers", "RFM segments", "Clusters", "CLV", "Churn risk", "Data check")
PERCENT = ("customer_share", "revenue_share", "mean_churn_probability", "churn_probability",
           "p_alive")


def html_table(df: pd.DataFrame, css_class: str) -> str:
    """A DataFrame as a compact HTML table: shares in %, other numbers with 1-2 decimals.

    Examples
    --------
    >>> import pandas as pd
    >>> t = html_table(pd.DataFrame({"customer_share": [0.25], "n": [3]}, index=["a"]), "x")
    >>> "25.0%" in t and 'class="crm-table x"' in t
    True
    """
    out = pd.DataFrame(index=df.index.astype(str))
    text_cols = set()
    for c in df.columns:
        s = df[c]
        if c in PERCENT:
            out[c] = s.map(lambda v: "" if pd.isna(v) else f"{100 * v:.1f}%").to_numpy()
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.map(lambda v: f"{v:,}").to_numpy()
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.map(lambda v: "" if pd.isna(v) else f"{v:,.2f}").to_numpy()
        else:
            out[c] = s.astype(str).to_numpy()
            text_cols.add(c)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [df.index.name or ""] + list(out))
    rows = []
    for idx, row in out.iterrows():  # display of at most a few hundred rows
        cells = "".join(f'<td class="crm-text">{html.escape(v)}</td>' if c in text_cols
                        else f"<td>{html.escape(v)}</td>" for c, v in row.items())
        rows.append(f"<tr><th>{html.escape(idx)}</th>{cells}</tr>")
    return (f'<table class="crm-table {css_class}"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _classed(widget, name):
    widget.add_class(name)
    return widget


class Dashboard:
    """The workshop dashboard (display it, or its :attr:`widget`, in a notebook or Voila).

    Parameters
    ----------
    data : a CRMData to start with; else ``data_dir`` (a client folder, validated with
        :func:`crm_training.load_client`); else the built-in scenario below.
    data_dir : client folder (CSV, Excel or Parquet exports).
    industry, n_customers, seed, locale : the built-in scenario (``crm_training.generate``).
    csv_link_limit : above this many customers the CSV link is built on request (a button)
        rather than after every change, so a large client base does not send megabytes to the
        browser on each slider move.
    root : the folder the *Folder* box may open client folders under (symlinks resolved; see
        :mod:`crm_training.workshop.paths`); ``None`` = the ``CRM_WORKSHOP_ROOT`` environment
        variable that ``crm-training workshop`` sets, and without it any folder (JupyterLab).
    margin, currency : the money rules of the report (:mod:`crm_training.money`): profit at
        ``margin`` for data without costs, and the currency shown (default: the data's);
        ``None`` = the ``CRM_WORKSHOP_MARGIN`` / ``CRM_WORKSHOP_CURRENCY`` environment variables
        that ``crm-training workshop --margin / --currency`` set.

    Attributes
    ----------
    work : the :class:`~crm_training.workshop.analysis.WorkshopData` in use.
    result : the latest :class:`~crm_training.workshop.analysis.Segmentation`.
    widget : the root widget.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> d = Dashboard(data=example_data(200), seed=0)
    >>> d.clusters.value = 3  # what a slider move does: only the clustering is redone
    >>> d.result.assignment["cluster"].nunique(), "segmented" in d.status.value
    (3, True)
    """

    CSS_CLASSES = ("crm-dashboard", "crm-source", "crm-industry", "crm-n-customers", "crm-seed",
                   "crm-generate", "crm-client-path", "crm-client-load", "crm-validation",
                   "crm-status", "crm-rfm-bins", "crm-r-range", "crm-f-range", "crm-m-range",
                   "crm-clusters", "crm-top-n", "crm-churn-rank", "crm-download", "crm-tabs",
                   "crm-tier-table",
                   "crm-rfm-table", "crm-cluster-table", "crm-clv-table", "crm-churn-table",
                   *(f"crm-w-{f}" for f in FAMILIES))

    def __init__(self, data=None, data_dir=None, industry: str = "retail",
                 n_customers: int = 2000, seed: int = 1, locale: str = "en_US",
                 csv_link_limit: int = 100_000, root=None, margin=None, currency=None):
        from .. import money

        # as for the root: crm-training workshop --margin / --currency set the environment
        env_margin = os.environ.get(MONEY_ENV["margin"])
        self.margin = money.check_margin(margin if margin is not None else
                                         float(env_margin) if env_margin else None)
        self.currency = money.currency_code(currency or os.environ.get(MONEY_ENV["currency"]))
        self.locale = locale
        self.root = root_from_env() if root is None else str(root)
        self.csv_link_limit = int(csv_link_limit)
        self.work = None
        self.result = None
        self._quiet = False
        self._build(industry, n_customers, seed, data_dir)
        if data is not None:
            self.set_data(data, f"{len(data.customers):,} customers (given)")
        elif data_dir:
            self.source.value = "Client folder"
            self.load_client_folder()
        else:
            self.generate_scenario()

    # ---- layout -----------------------------------------------------------------------------
    def _build(self, industry, n_customers, seed, data_dir):
        self.source = _classed(W.ToggleButtons(options=["Scenario", "Client folder"],
                                               description="Data"), "crm-source")
        self.industry = _classed(W.Dropdown(options=list(INDUSTRIES), value=industry,
                                            description="Industry"), "crm-industry")
        self.n_customers = _classed(W.BoundedIntText(value=int(n_customers), min=100,
                                                     max=1_000_000, step=100,
                                                     description="Customers"), "crm-n-customers")
        self.seed = _classed(W.IntText(value=int(seed), description="Seed"), "crm-seed")
        self.generate_button = _classed(W.Button(description="Generate", icon="refresh"),
                                        "crm-generate")
        self.client_path = _classed(W.Text(value=str(data_dir or ""), description="Folder",
                                           placeholder="path to the client's exports",
                                           continuous_update=False), "crm-client-path")
        self.load_button = _classed(W.Button(description="Load and check", icon="upload"),
                                    "crm-client-load")
        self.validation = _classed(W.HTML("<i>No client data loaded.</i>"), "crm-validation")
        self.status = _classed(W.HTML(""), "crm-status")
        scenario = W.HBox([self.industry, self.n_customers, self.seed, self.generate_button])
        client = W.HBox([self.client_path, self.load_button])
        self._scenario_box, self._client_box = scenario, client
        client.layout.display = "none"  # both stay in the page; the toggle shows one
        self.source_box = W.VBox([scenario, client])
        self.source.observe(lambda ch: self._show_source(), "value")
        self.generate_button.on_click(lambda _: self.generate_scenario())
        self.load_button.on_click(lambda _: self.load_client_folder())

        def rng(cls, desc, kind=W.IntRangeSlider):
            return _classed(kind(value=(1, 2), min=0, max=10, description=desc,
                                 continuous_update=False, layout=W.Layout(width="420px"),
                                 style={"description_width": "150px"}), cls)

        self.rfm_bins = _classed(W.ToggleButtons(options=["quantiles", "fixed cut points"],
                                                 description="RFM bins"), "crm-rfm-bins")
        self.r_range = rng("crm-r-range", "R cuts (days)")
        self.f_range = rng("crm-f-range", "F cuts (orders)")
        self.m_range = rng("crm-m-range", "M cuts (spend)")
        self.clusters = _classed(W.IntSlider(value=4, min=2, max=8, description="Clusters",
                                             continuous_update=False), "crm-clusters")
        self.weights = {f: _classed(W.FloatSlider(value=DEFAULT_FAMILY_WEIGHTS[f], min=0,
                                                  max=1, step=0.05, description=f.capitalize(),
                                                  continuous_update=False), f"crm-w-{f}")
                        for f in FAMILIES}
        self.top_n = _classed(W.IntSlider(value=20, min=5, max=200, step=5,
                                          description="List length", continuous_update=False),
                              "crm-top-n")
        self.churn_rank = _classed(W.ToggleButtons(options=[("value at risk", "value_at_risk"),
                                                            ("probability", "churn_probability")],
                                                   description="Risk list by"), "crm-churn-rank")
        self.download = _classed(W.HTML(""), "crm-download")
        self.csv_button = W.Button(description="Build CSV link", layout=W.Layout(display="none"))
        self.csv_button.on_click(lambda _: self._build_csv_link())
        for w in (self.rfm_bins, self.r_range, self.f_range, self.m_range, self.clusters,
                  *self.weights.values()):
            w.observe(self._on_control, "value")
        for w in (self.top_n, self.churn_rank):  # the lists only: no re-segmentation, no new CSV
            w.observe(self._on_list_control, "value")

        self.tables = {name: _classed(W.HTML(""), f"crm-{name}-table")
                       for name in ("tier", "rfm", "cluster", "clv", "churn")}
        self.strategy_note = W.HTML("")
        self.data_check = W.HTML("")
        self.tabs = _classed(W.Tab(children=[
            W.VBox([self.tables["tier"], self.strategy_note]), self.tables["rfm"],
            self.tables["cluster"], self.tables["clv"], self.tables["churn"],
            W.VBox([self.validation, self.data_check])]), "crm-tabs")
        for i, title in enumerate(TABS):
            self.tabs.set_title(i, title)

        rfm_box = W.VBox([W.HTML("<b>RFM scoring</b>"), self.rfm_bins, self.r_range,
                          self.f_range, self.m_range])
        tier_box = W.VBox([W.HTML("<b>Value tiers: family weights</b>"),
                           *self.weights.values()])
        other = W.VBox([W.HTML("<b>Clusters and lists</b>"), self.clusters, self.top_n,
                        self.churn_rank, self.download, self.csv_button])
        self.widget = _classed(W.VBox([
            W.HTML(_STYLE + "<h2>CRM workshop: segments, value tiers, CLV and churn risk</h2>"),
            self.source, self.source_box, self.status,
            W.HBox([rfm_box, tier_box, other]), self.tabs]), "crm-dashboard")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _show_source(self):
        scenario = self.source.value == "Scenario"
        self._scenario_box.layout.display = None if scenario else "none"
        self._client_box.layout.display = "none" if scenario else None

    @contextlib.contextmanager
    def _working(self, message):
        self.status.value = f"<i>{html.escape(message)} ...</i>"
        try:
            yield
        except Exception as e:  # noqa: BLE001 - a live dashboard shows the problem, never dies
            self.status.value = (f'<span class="crm-error">{type(e).__name__}: '
                                 f"{html.escape(str(e))}</span>")

    # ---- data -------------------------------------------------------------------------------
    def generate_scenario(self):
        """Generate the built-in scenario of the industry, size and seed controls."""
        with self._working("Generating the scenario"):
            data = generate(self.industry.value, int(self.n_customers.value),
                            seed=int(self.seed.value), locale=self.locale)
            self.validation.value = "<i>Synthetic scenario: no client data check.</i>"
            self.set_data(data, f"{self.industry.value} scenario, {len(data.customers):,} "
                          f"customers, seed {self.seed.value}")

    def load_client_folder(self):
        """Load and validate the folder of the path control; analyse it if usable."""
        from ..clients import ClientDataError, load_client

        path = self.client_path.value.strip()
        with self._working(f"Loading {path}"):
            if not path:
                raise FileNotFoundError("no such folder: (empty)")
            # the root check first, so that nothing outside the root is even probed
            real = resolve_client_path(path, self.root)
            if not real.exists():
                raise FileNotFoundError(f"no such folder: {path}")
            try:
                res = load_client(real, progress=False)
            except ClientDataError as e:
                self.validation.value = f'<p class="crm-error">{html.escape(str(e))}</p>'
                raise
            self.validation.value = validation_html(res)
            data = res.data
            if data.transactions is None or len(data.transactions) == 0:
                raise ValueError("the client data has no usable transactions: see the Data "
                                 "check tab")
            verdict = "usable" if res.ok else "NOT clean: see the Data check tab"
            self.set_data(data, f"client folder {Path(path).name}: "
                          f"{len(data.transactions):,} transactions ({verdict})")

    def set_data(self, data, label: str):
        """Analyse new data: rebuild the cache, reset the RFM ranges, recompute."""
        with self._working("Preparing the analyses"):
            self.work = WorkshopData(data, seed=int(self.seed.value), margin=self.margin,
                                     currency=self.currency or None)
            ranges = default_rfm_ranges(self.work.features)
            self._quiet = True
            try:
                for widget, key in ((self.r_range, "R"), (self.f_range, "F"),
                                    (self.m_range, "M")):
                    lo, hi, mn, mx = ranges[key]
                    widget.max = max(widget.max, mx)
                    widget.min = min(widget.min, mn)
                    widget.value = (lo, hi)
                    widget.min, widget.max = mn, mx
            finally:
                self._quiet = False
            self.label = label
            self.refresh()

    # ---- controls ---------------------------------------------------------------------------
    def thresholds(self):
        """RFM cut points of the controls (``None`` = quantiles)."""
        if self.rfm_bins.value == "quantiles":
            return None
        return rfm_thresholds(self.r_range.value, self.f_range.value, self.m_range.value)

    def weight_values(self) -> dict:
        return {f: float(w.value) for f, w in self.weights.items()}

    def _on_control(self, change):
        if not self._quiet and self.work is not None:
            self.refresh()

    def _on_list_control(self, change):
        if not self._quiet and self.result is not None:
            done = self.status.value
            with self._working("Listing"):
                self._draw_lists(self.result)
                self.status.value = done

    def _draw_lists(self, r):
        """The CLV and churn-risk tables of segmentation result ``r`` at the current length."""
        n, t = int(self.top_n.value), self.tables
        t["clv"].value = (_problem(r.problems["clv"]) if "clv" in r.problems else
                          html_table(top_clv(r.assignment, n), "crm-clv"))
        t["churn"].value = (_problem(r.problems["churn"]) if "churn" in r.problems else
                            html_table(top_churn_risk(r.assignment, n, self.churn_rank.value),
                                       "crm-churn"))

    def refresh(self):
        """Recompute the segmentation with the current controls and redraw every table."""
        with self._working("Segmenting"):
            fixed = self.rfm_bins.value != "quantiles"
            for w in (self.r_range, self.f_range, self.m_range):
                w.disabled = not fixed
            weights = self.weight_values()
            if sum(weights.values()) <= 0:
                raise ValueError("give at least one weight family a weight above 0")
            self.result = r = segment_customers(self.work, self.thresholds(), weights,
                                                int(self.clusters.value))
            t = self.tables
            t["tier"].value = html_table(r.tiers, "crm-tiers")
            t["rfm"].value = html_table(r.rfm_segments, "crm-rfm")
            t["cluster"].value = html_table(r.clusters, "crm-clusters")
            self._draw_lists(r)
            shares = ", ".join(f"{f} {w / sum(weights.values()):.0%}" for f, w in weights.items())
            self.strategy_note.value = (f"<p>Tiers by the weighted value score ({shares}); "
                                        "VIP = top 10%, important = next 30%.</p>")
            self.data_check.value = _data_summary(self.work)
            if len(r.assignment) <= self.csv_link_limit:
                self.csv_button.layout.display = "none"
                self._build_csv_link()
            else:
                self.download.value = ""
                self.csv_button.layout.display = None
            self.status.value = (f"<b>{html.escape(self.label)}</b>: "
                                 f"{len(r.assignment):,} customers with purchases segmented. "
                                 f"{html.escape(_money_line(self.work, self.locale))}")

    def _build_csv_link(self):
        if self.result is not None:
            self.download.value = csv_download_html(self.result.assignment)


def _money_line(work, locale: str) -> str:
    """What the amounts are (currency; profit or revenue), worded as in the report."""
    from ..report.text import money_sentence

    return money_sentence(work.currency, work.value_basis, work.margin,
                          "zh" if str(locale).startswith("zh") else "en")


def _problem(message: str) -> str:
    return f'<p class="crm-error">Not available for this data: {html.escape(message)}</p>'


def _data_summary(work: WorkshopData) -> str:
    rows = "".join(f"<li>{html.escape(name)}: {len(df):,} rows</li>"
                   for name, df in work.data.tables.items() if df is not None and len(df))
    return f"<h4>Tables in use</h4><ul>{rows}</ul>"


def validation_html(res) -> str:
    """The validation report of a client load as an HTML fragment (for a widget).

    Shows the verdict, how each file was read and mapped, every problem and every cleaning
    step (from :meth:`ValidationReport.to_html` and :meth:`CleaningLog.to_html`).
    """
    verdict = ("Usable." if res.ok else "Not usable as is: fix the errors below "
               "(the analyses use what could be read).")
    src = html.escape("\n".join(s.describe() for s in res.sources))
    return (f"<h3>Client data check</h3><p><b>{verdict}</b></p>"
            f"<details><summary>Sources</summary><pre>{src}</pre></details>"
            f"{res.report.to_html()}{res.cleaning.to_html()}")
