"""Customer clustering: k-means and Gaussian mixtures on scaled purchase features (chapter 2).

Segmentation by clustering (聚类分析) in three steps:

1. :func:`clustering_features` - one row per customer: recency, orders per year, average order
   value, categories, tenure and net spend;
2. :class:`CustomerSegmenter` - a scikit-learn estimator wrapping a Pipeline: ``log1p`` of the
   skewed, non-negative features (``log_features="auto"``: sample skewness > 1), a
   ``StandardScaler`` and ``KMeans`` or ``GaussianMixture``, all seeded;
   :func:`choose_k` compares k by inertia (elbow), BIC (mixtures) and the silhouette computed on
   a seeded sample (silhouette costs O(n^2));
3. :func:`cluster_profiles` - size, share, feature means, share of revenue and a suggested name
   per cluster, from stated rules (see :func:`suggest_cluster_name`).
"""
from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from .features import customer_features

DEFAULT_FEATURES = ("recency_days", "orders_per_year", "avg_order_value", "n_categories",
                    "tenure_days", "monetary", "profit_margin")
# What a customer *is* (buying rhythm, basket, price sensitivity), not where they are in their
# lifecycle: recency and tenure mostly measure age and dropout, which blur behavioural types.
BEHAVIOUR_FEATURES = ("orders_per_year", "avg_order_value", "profit_margin")

CLUSTER_NAMES_ZH = {
    "Frequent high spenders": "高频高消费客户", "Big spenders": "高消费客户",
    "Loyal regulars": "忠诚常客",
    "New customers": "新客户", "Lapsed high value": "流失中的高价值客户", "Lapsed": "沉睡客户",
    "Occasional": "偶尔购买客户", "Bargain hunters": "价格敏感客户",
}


def clustering_features(data, as_of=None) -> pd.DataFrame:
    """Purchase features per customer for clustering (module docstring).

    ``orders_per_year`` divides orders by the tenure in years (at least 30 days), so that long
    and short-standing customers compare; ``monetary`` is clipped at 0 (net returns);
    ``profit_margin`` is profit / gross sales clipped to [-1, 1] (absent without a cost column;
    customers without cost get the median). To recover behavioural types, cluster on
    :data:`BEHAVIOUR_FEATURES`; recency and tenure describe the lifecycle stage instead.

    Examples
    --------
    >>> from crm_training.segmentation._example import example_data
    >>> list(clustering_features(example_data()).columns) == list(DEFAULT_FEATURES)
    True
    """
    f = customer_features(data, as_of=as_of)
    out = f[["recency_days", "avg_order_value", "n_categories", "tenure_days"]].astype(float)
    out.insert(1, "orders_per_year", f["frequency"] / (f["tenure_days"].clip(lower=30.0) / 365.25))
    out["monetary"] = f["monetary"].clip(lower=0.0)
    if f["profit"].notna().any():
        margin = (f["profit"] / f["gross_sales"].where(f["gross_sales"] > 0)).clip(-1.0, 1.0)
        out["profit_margin"] = margin.fillna(margin.median())
    return out


def skewed_columns(X: pd.DataFrame, threshold: float = 1.0) -> list[str]:
    """Non-negative columns whose sample skewness exceeds ``threshold`` (log candidates)."""
    num = X.select_dtypes("number")
    sk = num.skew()
    return [c for c in num.columns if sk[c] > threshold and (num[c].min() >= 0)]


def _check_X(X) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a DataFrame of customer features, not {type(X).__name__}")
    if X.empty:
        raise ValueError("X is empty")
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ValueError(f"X: non-numeric column(s) {bad}")
    if X.isna().any().any():
        raise ValueError(f"X: missing values in {X.columns[X.isna().any()].tolist()}")
    return X


class CustomerSegmenter(ClusterMixin, BaseEstimator):
    """Clusters of customers from scaled (and partly log-transformed) features.

    Parameters
    ----------
    method : ``"kmeans"`` or ``"gmm"`` (Gaussian mixture, full covariance).
    n_clusters : number of clusters / mixture components.
    log_features : ``"auto"`` (skewed non-negative columns), a list of columns, or ``None``.
    random_state : seed of the k-means / EM initialisation.
    n_init : number of initialisations (best kept).
    n_threads : threads for the native code (OpenMP, BLAS; ``None`` = all cores). Default 1: on
        a busy shared machine (workshop server, CI) more threads can be many times slower.

    Attributes
    ----------
    pipeline_ : the fitted sklearn Pipeline (log -> scale -> model).
    labels_ : cluster of each training row.
    log_features_ : columns that were log-transformed.
    feature_names_in_ : training columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": np.r_[rng.normal(0, 1, 50), rng.normal(8, 1, 50)],
    ...                   "b": np.r_[rng.normal(0, 1, 50), rng.normal(8, 1, 50)]})
    >>> seg = CustomerSegmenter(n_clusters=2, log_features=None).fit(X)
    >>> sorted(np.bincount(seg.labels_).tolist())
    [50, 50]
    """

    def __init__(self, method: str = "kmeans", n_clusters: int = 4, log_features="auto",
                 random_state: int = 0, n_init: int = 10, n_threads: int | None = 1):
        self.method = method
        self.n_clusters = n_clusters
        self.log_features = log_features
        self.random_state = random_state
        self.n_init = n_init
        self.n_threads = n_threads

    def _threads(self):
        return _threads(self.n_threads)

    def _model(self):
        if self.method == "kmeans":
            return KMeans(self.n_clusters, n_init=self.n_init, random_state=self.random_state)
        if self.method == "gmm":
            return GaussianMixture(self.n_clusters, n_init=self.n_init, covariance_type="full",
                                   random_state=self.random_state)
        raise ValueError(f"method must be 'kmeans' or 'gmm', not {self.method!r}")

    def fit(self, X, y=None):
        X = _check_X(X)
        if not isinstance(self.n_clusters, (int, np.integer)) or not 1 <= self.n_clusters <= len(X):
            raise ValueError(f"n_clusters must be an integer in [1, {len(X)}], "
                             f"not {self.n_clusters!r}")
        if self.log_features == "auto":
            logs = skewed_columns(X)
        elif self.log_features is None:
            logs = []
        else:
            logs = list(self.log_features)
            missing = [c for c in logs if c not in X.columns]
            if missing:
                raise ValueError(f"log_features: column(s) {missing} not in X")
            if (X[logs] < 0).any().any():
                raise ValueError("log_features: log1p needs non-negative columns")
        rest = [c for c in X.columns if c not in logs]
        prep = ColumnTransformer([("log", FunctionTransformer(np.log1p), logs),
                                  ("raw", "passthrough", rest)])
        self.pipeline_ = Pipeline([("log", prep), ("scale", StandardScaler()),
                                   ("model", self._model())])
        with self._threads():
            self.pipeline_.fit(X)
            self.labels_ = self.pipeline_.predict(X)
        self.log_features_ = logs
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform_features(self, X) -> np.ndarray:
        """The scaled feature matrix the model sees (for silhouettes and plots)."""
        return self.pipeline_[:-1].transform(_check_X(X)[list(self.feature_names_in_)])

    def predict(self, X) -> np.ndarray:
        with self._threads():
            return self.pipeline_.predict(_check_X(X)[list(self.feature_names_in_)])

    def score(self, X, y=None) -> float:
        """Negative inertia (k-means) or mean log-likelihood (mixture): higher is better."""
        with self._threads():
            return float(self.pipeline_.score(_check_X(X)[list(self.feature_names_in_)]))


def _threads(n_threads):
    return contextlib.nullcontext() if n_threads is None else threadpool_limits(limits=n_threads)


def choose_k(X: pd.DataFrame, k_values=range(2, 9), method: str = "kmeans",
             sample_size: int = 3000, random_state: int = 0, n_init: int = 3,
             log_features="auto", n_threads: int | None = 1) -> pd.DataFrame:
    """Inertia (elbow), BIC (mixtures) and silhouette per number of clusters.

    The silhouette is computed on a seeded random sample of ``sample_size`` customers (it is
    quadratic in n); the models are fitted on all rows.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (60, 2)),
    ...                        rng.normal((0, 9), 1, (60, 2))], columns=["a", "b"])
    >>> t = choose_k(X, k_values=[2, 3, 4, 5], log_features=None)
    >>> int(t["silhouette"].idxmax())
    3
    """
    X = _check_X(X)
    rng = np.random.default_rng(random_state)
    idx = rng.choice(len(X), size=min(sample_size, len(X)), replace=False)
    rows = []
    for k in k_values:  # a handful of k values; each fit is vectorised
        seg = CustomerSegmenter(method, int(k), log_features, random_state, n_init,
                                n_threads).fit(X)
        Z = seg.transform_features(X)
        model = seg.pipeline_[-1]
        row = {"k": int(k)}
        row["inertia"] = float(model.inertia_) if method == "kmeans" else float("nan")
        lab = seg.labels_[idx]
        with _threads(n_threads):
            row["bic"] = float(model.bic(Z)) if method == "gmm" else float("nan")
            row["silhouette"] = (float(silhouette_score(Z[idx], lab, random_state=random_state))
                                 if len(np.unique(lab)) > 1 else float("nan"))
        rows.append(row)
    return pd.DataFrame(rows).set_index("k")


def suggest_cluster_name(profile: pd.Series, overall: pd.Series) -> str:
    """A readable name for one cluster from its means relative to the whole base.

    Rules, first match wins (ratios are cluster mean / overall mean): recency >= 1.5 and
    monetary >= 1 -> "Lapsed high value"; profit margin <= 0.7 -> "Bargain hunters"; recency >=
    1.5 -> "Lapsed"; orders/year >= 1.5 and monetary >= 1.5 -> "Frequent high spenders";
    tenure <= 0.5 -> "New customers"; average order >= 1.3 or monetary >= 1.3 -> "Big
    spenders"; orders/year >= 1.2 -> "Loyal regulars"; otherwise "Occasional".

    Examples
    --------
    >>> import pandas as pd
    >>> overall = pd.Series({"recency_days": 100, "orders_per_year": 4, "monetary": 500,
    ...                      "tenure_days": 400, "avg_order_value": 50})
    >>> suggest_cluster_name(overall * [0.5, 2, 3, 1, 1], overall)
    'Frequent high spenders'

    (Not "Champions": that is an RFM segment's name, and a cluster is found differently.)
    """
    def ratio(col):
        if col not in profile.index or col not in overall.index or not overall[col]:
            return 1.0
        return float(profile[col] / overall[col])
    if ratio("recency_days") >= 1.5 and ratio("monetary") >= 1:
        return "Lapsed high value"
    if ratio("profit_margin") <= 0.7:
        return "Bargain hunters"
    if ratio("recency_days") >= 1.5:
        return "Lapsed"
    if ratio("orders_per_year") >= 1.5 and ratio("monetary") >= 1.5:
        return "Frequent high spenders"
    if ratio("tenure_days") <= 0.5:
        return "New customers"
    if ratio("avg_order_value") >= 1.3 or ratio("monetary") >= 1.3:
        return "Big spenders"
    if ratio("orders_per_year") >= 1.2:
        return "Loyal regulars"
    return "Occasional"


# how clusters of one name are told apart: by the feature whose means differ most between them
# (words for 2 clusters: higher, lower; for 3: highest, middle, lowest); recency reads reversed
_TELL_APART = {
    "monetary": ((("higher spend", "消费较高"), ("lower spend", "消费较低")),
                 (("highest spend", "消费最高"), ("middle spend", "消费居中"),
                  ("lowest spend", "消费最低"))),
    "orders_per_year": ((("more frequent", "购买较频繁"), ("less frequent", "购买较少")),
                        (("most frequent", "购买最频繁"), ("middle frequency", "购买频率居中"),
                         ("least frequent", "购买最少"))),
    "recency_days": ((("more recent", "近期购买"), ("less recent", "较久未购")),
                     (("most recent", "最近购买"), ("middle recency", "购买时间居中"),
                      ("least recent", "最久未购"))),
    "avg_order_value": ((("larger purchases", "客单价较高"), ("smaller purchases", "客单价较低")),
                        (("largest purchases", "客单价最高"), ("middle purchases", "客单价居中"),
                         ("smallest purchases", "客单价最低"))),
    "tenure_days": ((("longer-standing", "客龄较长"), ("newer", "客龄较短")),
                    (("longest-standing", "客龄最长"), ("middle tenure", "客龄居中"),
                     ("newest", "客龄最短"))),
}
# the features a name already speaks of (so "Frequent high spenders, lower spend" cannot be)
_NAMED = {"Frequent high spenders": {"monetary", "orders_per_year"},
          "Big spenders": {"monetary", "avg_order_value"}, "Loyal regulars": {"orders_per_year"},
          "Lapsed high value": {"recency_days", "monetary"}, "Lapsed": {"recency_days"},
          "New customers": {"tenure_days"}}


def _distinct_names(names, means: pd.DataFrame | None = None):
    """Names (en, zh) told apart when one rule names several clusters, by the feature whose
    means differ most between them ("Occasional, more recent" / "Occasional, less recent");
    more than three of a name, or no feature to tell them by: "..., group 2".

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"monetary": [50.0, 100, 110], "recency_days": [300.0, 20, 200]})
    >>> _distinct_names(["Lapsed", "Occasional", "Occasional"], m)[0]
    ['Lapsed', 'Occasional, more recent', 'Occasional, less recent']
    """
    names = list(names)
    en = list(names)
    zh = [CLUSTER_NAMES_ZH.get(n, n) for n in names]
    for name in dict.fromkeys(names):
        where = [i for i, n in enumerate(names) if n == name]
        if len(where) < 2:
            continue
        best, spread = None, 1.0
        for feature in _TELL_APART:
            if means is None or feature in _NAMED.get(name, ()) or feature not in means:
                continue
            vals = means[feature].iloc[where].to_numpy(dtype=float)
            lo, hi = np.nanmin(vals), np.nanmax(vals)
            ratio = hi / lo if lo > 0 else (np.inf if hi > 0 else 1.0)
            if ratio > spread * 1.001:
                best, spread = feature, ratio
        if best is None or len(where) > 3:
            ranked = where
            words = [(f"group {k + 1}", f"第{k + 1}组") for k in range(len(where))]
        else:
            vals = means[best].iloc[where].to_numpy(dtype=float)
            order = np.argsort(vals if best == "recency_days" else -vals, kind="stable")
            ranked = [where[k] for k in order]
            words = _TELL_APART[best][len(where) - 2]
        for (e, z), i in zip(words, ranked):
            en[i] = f"{name}, {e}"
            zh[i] = f"{zh[i]}（{z}）"
    return en, zh


def cluster_profiles(X: pd.DataFrame, labels, value: str = "monetary") -> pd.DataFrame:
    """One row per cluster: size, share, feature means, share of ``value`` and a name.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"recency_days": [10, 12, 300, 320], "monetary": [900, 1000, 40, 60]})
    >>> p = cluster_profiles(X, [0, 0, 1, 1])
    >>> p[["customers", "revenue_share", "name"]]
             customers  revenue_share          name
    cluster
    0                2           0.95  Big spenders
    1                2           0.05        Lapsed
    """
    labels = np.asarray(labels)
    if len(labels) != len(X):
        raise ValueError(f"labels has {len(labels)} entries for {len(X)} rows of X")
    g = X.groupby(pd.Series(labels, index=X.index, name="cluster"))
    means = g.mean(numeric_only=True)
    out = pd.DataFrame({"customers": g.size()})
    out["customer_share"] = out["customers"] / len(X)
    if value in X.columns:
        total = X[value].sum()
        out["revenue_share"] = g[value].sum() / total if total else np.nan
    out = out.join(means)
    overall = X.mean(numeric_only=True)
    names = [suggest_cluster_name(means.loc[c], overall) for c in means.index]
    out["name"], out["name_zh"] = _distinct_names(names, means)
    return out
