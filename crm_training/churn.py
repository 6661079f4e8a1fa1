"""Churn early warning (客户流失预警, chapter 2): label, features, model and evaluation.

The question a manager asks: *who will stop buying soon, and how good is the list?*

* **Label** (:func:`churn_labels`): features use only data before a ``cutoff`` date; a customer
  churned if they make no purchase in the ``horizon_days`` after it (default 90). On synthetic
  data :func:`true_churn` gives the real answer instead: the customer's latent dropout date falls
  before the end of the window (``truth["customers"].dropout_date``).
* **Features** (:func:`churn_features`): the warning signs of the syllabus - recency and how
  overdue the customer is against their own rhythm (recency trend), falling purchase frequency
  (orders in the last ``window_days`` vs the window before), rising complaints (complaint
  interactions and service tickets), falling engagement (web sessions and other contacts) and
  satisfaction (CSAT of surveys and tickets, NPS).
* **Model** (:class:`ChurnModel`): a scikit-learn classifier wrapping a Pipeline (median
  imputation, signed ``log1p``, scaling, then logistic regression or gradient boosting; seeded).
* **Evaluation** a manager understands: ROC AUC, precision in the top k% of the list, lift and
  cumulative gains by decile (:func:`gains_table`) and calibration (:func:`calibration_table`).
"""
from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from .segmentation.features import DAY, customer_features, require_columns, tables

FEATURE_LABELS_ZH = {
    "recency_days": "最近购买距今天数", "overdue_ratio": "购买间隔超期倍数", "frequency": "累计购买次数",
    "monetary": "累计消费金额", "tenure_days": "客户在网天数", "orders_recent": "近期购买次数",
    "orders_previous": "前期购买次数", "orders_change": "购买频率变化", "complaints_recent": "近期投诉次数",
    "complaints_previous": "前期投诉次数", "complaints_change": "投诉变化", "engagement_recent": "近期互动次数",
    "engagement_previous": "前期互动次数", "engagement_change": "互动变化", "satisfaction": "满意度",
    "nps": "推荐意愿", "loyalty_member": "会员",
}


def _window_counts(df, ts_col, ids_index, as_of, window_days, key=None):
    """Counts per customer in the last window and the window before (or distinct ``key``)."""
    if df is None or len(df) == 0:
        zero = pd.Series(0.0, index=ids_index)
        return zero, zero.copy()
    w = window_days * DAY
    ts = df[ts_col]
    out = []
    for lo, hi in ((as_of - w, as_of), (as_of - 2 * w, as_of - w)):
        sel = df.loc[(ts >= lo) & (ts < hi)]
        ids = sel["customer_id"].astype(str)
        if key is None:
            c = ids.value_counts()
        else:
            c = sel.assign(_id=ids).groupby("_id")[key].nunique()
        out.append(c.reindex(ids_index).fillna(0.0).astype(float))
    return out[0], out[1]


def churn_features(data, as_of, window_days: int = 90) -> pd.DataFrame:
    """Early-warning features per customer from data before ``as_of`` (module docstring).

    Customers with at least one purchase before ``as_of`` are included. ``*_change`` columns are
    the recent window minus the window before (negative = falling).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> X = churn_features(example_data(), as_of="2025-10-01")
    >>> {"recency_days", "orders_change", "complaints_recent", "satisfaction"} <= set(X.columns)
    True
    """
    if window_days <= 0:
        raise ValueError(f"window_days must be > 0, not {window_days!r}")
    t = tables(data)
    require_columns(t.transactions, ["customer_id", "timestamp", "amount"], "transactions")
    as_of = pd.Timestamp(as_of)
    f = customer_features(data, as_of=as_of)
    if f.empty:
        raise ValueError(f"no purchase before as_of={as_of.date()}: nothing to score")
    idx = f.index
    X = f[["recency_days", "frequency", "monetary", "tenure_days"]].astype(float).copy()
    repeat = f["frequency"] >= 2
    gap = ((f["tenure_days"] - f["recency_days"]) / (f["frequency"] - 1)).where(repeat)
    gap = gap.fillna(gap.median() if repeat.any() else 365.0).clip(lower=1.0)
    X["overdue_ratio"] = f["recency_days"] / gap
    tx = t.transactions
    if "is_return" in tx.columns:
        tx = tx.loc[~tx["is_return"].astype(bool)]
    X["orders_recent"], X["orders_previous"] = _window_counts(tx, "timestamp", idx, as_of,
                                                              window_days)
    complaints = []
    if t.interactions is not None and len(t.interactions):
        i = t.interactions
        complaints.append(i.loc[i["type"].astype(str) == "complaint", ["customer_id", "timestamp"]])
    if t.tickets is not None and len(t.tickets):
        complaints.append(t.tickets[["customer_id", "created_at"]]
                          .rename(columns={"created_at": "timestamp"}))
    comp = pd.concat(complaints) if complaints else None
    X["complaints_recent"], X["complaints_previous"] = _window_counts(comp, "timestamp", idx,
                                                                      as_of, window_days)
    er, ep = pd.Series(0.0, index=idx), pd.Series(0.0, index=idx)
    if t.web_events is not None and len(t.web_events):
        a, b = _window_counts(t.web_events, "timestamp", idx, as_of, window_days, key="session_id")
        er, ep = er + a, ep + b
    if t.interactions is not None and len(t.interactions):
        i = t.interactions
        a, b = _window_counts(i.loc[i["type"].astype(str) != "complaint"], "timestamp", idx,
                              as_of, window_days)
        er, ep = er + a, ep + b
    X["engagement_recent"], X["engagement_previous"] = er, ep
    for k in ("orders", "complaints", "engagement"):
        X[f"{k}_change"] = X[f"{k}_recent"] - X[f"{k}_previous"]
    X["satisfaction"] = _mean_score(t, "csat", idx, as_of)
    X["nps"] = _mean_score(t, "nps", idx, as_of)
    X["loyalty_member"] = 0.0
    ev = t.loyalty_events
    if ev is not None and len(ev):  # membership as of the cutoff, not at the end of the data
        enrol = ev.loc[(ev["event_type"].astype(str) == "enrol") & (ev["timestamp"] < as_of)]
        X["loyalty_member"] = idx.isin(enrol["customer_id"].astype(str)).astype(float)
    return X


def _mean_score(t, col, idx, as_of) -> pd.Series:
    s = None
    for table, ts in ((t.surveys, "timestamp"), (t.tickets, "created_at")):
        if table is not None and len(table) and col in table.columns:
            x = table.loc[table[ts] < as_of]
            m = x[col].astype(float).groupby(x["customer_id"].astype(str)).mean()
            s = m if s is None else s.combine_first(m)
    if s is None:
        return pd.Series(np.nan, index=idx)
    return s.reindex(idx)


def churn_labels(data, cutoff, horizon_days: int = 90) -> pd.Series:
    """True for customers who bought before ``cutoff`` but not in the ``horizon_days`` after it.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": 1.0,
    ...     "timestamp": pd.to_datetime(["2025-01-01", "2025-02-15", "2025-01-05"])})
    >>> churn_labels(tx, "2025-02-01", horizon_days=15).to_dict()
    {'a': False, 'b': True}
    """
    t = tables(data)
    tx = t.transactions
    require_columns(tx, ["customer_id", "timestamp", "amount"], "transactions")
    cutoff = pd.Timestamp(cutoff)
    end = cutoff + horizon_days * DAY
    if tx["timestamp"].max() < end - DAY:
        raise ValueError(f"horizon_days: the data ends {tx['timestamp'].max():%Y-%m-%d}, before the "
                         f"end of the prediction window {end:%Y-%m-%d}; choose an earlier cutoff")
    sales = tx.loc[~tx["is_return"].astype(bool)] if "is_return" in tx.columns else tx
    ids = sales["customer_id"].astype(str)
    before = pd.Index(ids[sales["timestamp"] < cutoff].unique()).sort_values()
    after = ids[(sales["timestamp"] >= cutoff) & (sales["timestamp"] < end)].unique()
    return pd.Series(~before.isin(after), index=before, name="churned")


def true_churn(data, cutoff, horizon_days: int = 90) -> pd.Series:
    """Synthetic truth: the customer's latent dropout happened before the window's end.

    Needs ``data.truth["customers"]`` with ``customer_id`` and ``dropout_date`` (blank = still
    active at the end of the data).
    """
    truth = getattr(data, "truth", None) or {}
    tc = truth.get("customers")
    if tc is None:
        raise ValueError("data has no truth['customers'] (only synthetic data has ground truth)")
    require_columns(tc, ["customer_id", "dropout_date"], "truth customers")
    end = pd.Timestamp(cutoff) + horizon_days * DAY
    dropped = tc["dropout_date"].notna() & (tc["dropout_date"] < end)
    return pd.Series(dropped.to_numpy(), index=tc["customer_id"].astype(str), name="churned")


def churn_dataset(data, cutoff=None, horizon_days: int = 90, window_days: int = 90,
                  label: str = "observed"):
    """Features at ``cutoff`` and the churn label: ``(X, y)`` aligned on customer.

    ``cutoff`` defaults to ``horizon_days`` before the last transaction day. ``label`` is
    ``"observed"`` (no purchase in the window) or ``"truth"`` (synthetic dropout).

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> X, y = churn_dataset(example_data(200))
    >>> len(X) == len(y), y.dtype == bool
    (True, True)
    """
    t = tables(data)
    if cutoff is None:
        last = pd.Timestamp(t.transactions["timestamp"].max()).normalize() + DAY
        cutoff = last - horizon_days * DAY
    X = churn_features(data, cutoff, window_days)
    if label == "observed":
        y = churn_labels(data, cutoff, horizon_days)
    elif label == "truth":
        y = true_churn(data, cutoff, horizon_days)
    else:
        raise ValueError(f"label must be 'observed' or 'truth', not {label!r}")
    y = y.reindex(X.index)
    if y.isna().any():
        raise ValueError(f"label: {int(y.isna().sum())} customer(s) of the features have no label")
    return X, y.astype(bool)


def _signed_log1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Churn classifier: impute -> signed log1p -> scale -> logistic regression or boosting.

    Parameters
    ----------
    estimator : ``"logistic"`` (default; readable coefficients) or ``"gbm"``
        (HistGradientBoostingClassifier; captures interactions).
    C : inverse regularisation strength of the logistic regression.
    random_state : seed (boosting).
    n_threads : threads for the native code (OpenMP, BLAS; ``None`` = all cores). Default 1: on a
        busy shared machine (a workshop server, CI) several threads can be many times slower.

    Attributes
    ----------
    pipeline_, classes_, feature_names_in_

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> X, y = churn_dataset(example_data(300))
    >>> m = ChurnModel().fit(X, y)
    >>> p = m.predict_proba(X)[:, 1]
    >>> bool(((p >= 0) & (p <= 1)).all())
    True
    """

    def __init__(self, estimator: str = "logistic", C: float = 1.0, random_state: int = 0,
                 n_threads: int | None = 1):
        self.estimator = estimator
        self.C = C
        self.random_state = random_state
        self.n_threads = n_threads

    def _threads(self):
        if self.n_threads is None:
            return contextlib.nullcontext()
        return threadpool_limits(limits=self.n_threads)

    def fit(self, X, y):
        X = self._check(X, fitting=True)
        y = np.asarray(y).astype(bool)
        if len(y) != len(X):
            raise ValueError(f"y has {len(y)} labels for {len(X)} rows of X")
        if len(np.unique(y)) < 2:
            raise ValueError("y: need churners and non-churners to learn from (one class only)")
        if self.estimator == "logistic":
            model = LogisticRegression(C=self.C, max_iter=2000)
        elif self.estimator == "gbm":
            model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                                   random_state=self.random_state)
        else:
            raise ValueError(f"estimator must be 'logistic' or 'gbm', not {self.estimator!r}")
        with self._threads():
            self.pipeline_ = Pipeline([
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("log", FunctionTransformer(_signed_log1p)),
                ("scale", StandardScaler()),
                ("model", model),
            ]).fit(X, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def _check(self, X, fitting=False):
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a DataFrame of churn features, not {type(X).__name__}")
        if fitting:
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            return X
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"X: missing feature column(s) {missing}")
        return X[list(self.feature_names_in_)]

    def predict_proba(self, X) -> np.ndarray:
        with self._threads():
            return self.pipeline_.predict_proba(self._check(X))

    def predict(self, X) -> np.ndarray:
        with self._threads():
            return self.pipeline_.predict(self._check(X))

    def coefficients(self) -> pd.Series:
        """Logistic coefficients per (log-scaled, standardised) feature, largest effect first."""
        model = self.pipeline_[-1]
        if not hasattr(model, "coef_"):
            raise ValueError("coefficients exist for estimator='logistic' only")
        c = pd.Series(model.coef_[0], index=self.feature_names_in_, name="coefficient")
        return c.reindex(c.abs().sort_values(ascending=False).index)


def _yp(y_true, score):
    y = np.asarray(y_true).astype(float)
    s = np.asarray(score, dtype=float)
    if y.shape != s.shape:
        raise ValueError(f"y_true and score differ in length ({y.size} vs {s.size})")
    if y.size == 0:
        raise ValueError("y_true is empty")
    return y, s


def precision_at_top(y_true, score, top: float = 0.1) -> float:
    """Share of churners among the ``ceil(top * n)`` highest-scored customers.

    Examples
    --------
    >>> precision_at_top([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.2, 0.1], top=0.4)
    0.5
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be a share in (0, 1], not {top!r}")
    y, s = _yp(y_true, score)
    k = max(1, int(np.ceil(top * y.size - 1e-9)))
    order = np.argsort(-s, kind="stable")
    return float(y[order[:k]].mean())


def gains_table(y_true, score, n_groups: int = 10) -> pd.DataFrame:
    """Lift and cumulative gains by score group (deciles): group 1 = highest scores.

    ``lift`` = churn rate in the group / overall rate; ``gain`` = cumulative share of all
    churners captured down to the group; ``cum_lift`` = gain / cumulative share of customers.

    Examples
    --------
    >>> t = gains_table([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], range(10, 0, -1), n_groups=5)
    >>> t[["churners", "lift", "gain"]].round(3)
           churners   lift   gain
    group
    1             2  3.333  0.667
    2             1  1.667  1.000
    3             0  0.000  1.000
    4             0  0.000  1.000
    5             0  0.000  1.000
    """
    y, s = _yp(y_true, score)
    n = y.size
    order = np.argsort(-s, kind="stable")
    group = np.floor(np.arange(n) * n_groups / n).astype(int) + 1
    df = pd.DataFrame({"group": group, "y": y[order], "score": s[order]})
    t = df.groupby("group").agg(customers=("y", "size"), churners=("y", "sum"),
                                min_score=("score", "min"), max_score=("score", "max"))
    t["churners"] = t["churners"].astype("int64")
    base = y.mean()
    t["churn_rate"] = t["churners"] / t["customers"]
    t["lift"] = t["churn_rate"] / base if base > 0 else np.nan
    t["customer_share_cum"] = t["customers"].cumsum() / n
    t["gain"] = t["churners"].cumsum() / y.sum() if y.sum() > 0 else np.nan
    t["cum_lift"] = t["gain"] / t["customer_share_cum"]
    return t


def calibration_table(y_true, prob, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability vs observed churn rate in equal-count bins of the prediction.

    Examples
    --------
    >>> t = calibration_table([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], n_bins=2)
    >>> t[["predicted", "observed"]].round(2).values.tolist()
    [[0.15, 0.0], [0.85, 1.0]]
    """
    y, p = _yp(y_true, prob)
    if (p < 0).any() or (p > 1).any():
        raise ValueError("prob must be probabilities in [0, 1]")
    order = np.argsort(p, kind="stable")
    bins = np.empty(y.size, dtype=int)
    bins[order] = np.floor(np.arange(y.size) * n_bins / y.size).astype(int) + 1
    df = pd.DataFrame({"bin": bins, "y": y, "p": p})
    return df.groupby("bin").agg(customers=("y", "size"), predicted=("p", "mean"),
                                 observed=("y", "mean"))


def churn_evaluation(y_true, score, top: float = 0.1) -> pd.Series:
    """Headline figures: AUC, base rate, precision / lift / share captured in the top ``top``.

    Examples
    --------
    >>> e = churn_evaluation([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.2, 0.1], top=0.4)
    >>> float(e["auc"]), float(e["lift_at_top"])
    (0.8333333333333334, 1.25)
    """
    y, s = _yp(y_true, score)
    if len(np.unique(y)) < 2:
        raise ValueError("y_true: need both churners and non-churners to evaluate")
    prec = precision_at_top(y, s, top)
    k = max(1, int(np.ceil(top * y.size - 1e-9)))
    order = np.argsort(-s, kind="stable")
    out = {"auc": float(roc_auc_score(y, s)), "base_rate": float(y.mean()),
           "precision_at_top": prec, "lift_at_top": prec / y.mean(),
           "captured_at_top": float(y[order[:k]].sum() / y.sum()), "top": top}
    if ((s >= 0) & (s <= 1)).all():
        out["brier"] = float(brier_score_loss(y, s))
    return pd.Series(out, name="churn_evaluation")
