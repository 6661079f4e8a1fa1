"""Ticket routing: estimator contract, held-out accuracy floors (English and Chinese), confusion
matrices, hand-written texts the generator never produced, and bad input."""
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import crm_training
from crm_training.schema import PRIORITIES, TICKET_CATEGORIES
from crm_training.service import (TicketClassifier, TicketRouter, classification_report_frame,
                                  evaluate_routing)


@pytest.fixture(scope="module", params=["en_US", "zh_CN"])
def routed(request):
    data = crm_training.generate("retail", 2500, seed=11, locale=request.param)
    return request.param, evaluate_routing(data.tickets, test_size=0.3, seed=0)


def test_held_out_accuracy_floors(routed):
    # measured (seed 11, 30% held out): category 1.00 in both languages; priority 0.88 en_US,
    # 0.85 zh_CN. Priority has a ceiling: "low" and "medium" tickets share an empty urgency
    # phrase in the generator, so those two cannot always be told apart.
    locale, r = routed
    assert r["category"]["accuracy"] >= 0.97
    assert r["priority"]["accuracy"] >= 0.80
    assert r["priority"]["accuracy"] > r["priority"]["baseline"] + 0.3


def test_confusion_matrices(routed):
    _, r = routed
    cm = r["category"]["confusion"]
    assert list(cm.index) == list(TICKET_CATEGORIES) == list(cm.columns)
    assert np.trace(cm.to_numpy()) / cm.to_numpy().sum() == pytest.approx(r["category"]["accuracy"])
    pm = r["priority"]["confusion"]
    assert list(pm.index) == list(PRIORITIES)
    # the mistakes are between low and medium, never between urgent and low
    assert pm.loc["urgent", "low"] == 0 and pm.loc["low", "urgent"] == 0


def test_hand_written_texts(routed):
    locale, r = routed
    router = r["router"]
    if locale == "en_US":
        texts = ["Hi, my refund still has not arrived after two weeks",
                 "I was charged twice on my credit card this month",
                 "cannot log in, the password reset link is broken",
                 "Where is my order? It has not arrived yet. URGENT, fix it today!"]
        expected_cat = ["refund", "billing", "account", "order"]
    else:
        texts = ["我的退款到现在还没有到账", "这个月信用卡被重复扣费了", "登录不了，重置密码的链接也打不开",
                 "我的订单到哪里了？非常紧急，今天必须解决！"]
        expected_cat = ["refund", "billing", "account", "order"]
    pred = router.predict(texts)
    assert pred["category"].tolist() == expected_cat
    assert pred["priority"].iloc[-1] == "urgent"
    assert pred["category_confidence"].between(0, 1).all()


def test_estimator_contract():
    texts = ["refund please", "where is my refund", "app error", "error on login page"] * 3
    labels = ["refund", "refund", "technical", "technical"] * 3
    clf = TicketClassifier(ngram_range=(1, 2), alpha=1e-4)
    assert clf.get_params()["alpha"] == 1e-4
    assert not hasattr(clf, "model_")
    assert clf.fit(texts, labels) is clf
    assert list(clf.classes_) == ["refund", "technical"]
    proba = clf.predict_proba(["refund"])
    assert proba.shape == (1, 2) and proba.sum() == pytest.approx(1)
    again = clone(clf).fit(texts, labels)  # same seed, same model
    assert np.allclose(again.predict_proba(texts), clf.predict_proba(texts))
    assert clf.score(texts, labels) == 1.0
    assert set(clf.top_features(3).columns) == {"refund", "technical"}


def test_bad_input():
    clf = TicketClassifier()
    with pytest.raises(TypeError, match="single string"):
        clf.fit("one text", ["a"])
    with pytest.raises(ValueError, match="labels"):
        clf.fit(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="two different labels"):
        clf.fit(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="missing text"):
        clf.fit(["a", None], ["x", "y"])
    with pytest.raises(Exception, match="not fitted"):
        clf.predict(["a"])
    with pytest.raises(ValueError, match="missing column"):
        TicketRouter().fit(pd.DataFrame({"text": ["a"]}))
    with pytest.raises(ValueError, match="at least 20"):
        evaluate_routing(pd.DataFrame({"text": ["a"], "category": ["x"], "priority": ["low"]}))


def test_features_equal_tfidf_vectorizer():
    """Counting n-grams once per distinct text gives exactly sklearn's TfidfVectorizer."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    t = crm_training.generate("retail", 400, seed=2, locale="zh_CN").tickets
    clf = TicketClassifier(min_df=2).fit(t["text"], t["category"])
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    expected = ref.fit_transform(t["text"].tolist())
    got = clf.tfidf_.transform(clf.counter_.transform(t["text"].tolist())[:, clf.features_])
    assert abs(expected - got).max() < 1e-12
    assert list(ref.get_feature_names_out()) == list(
        clf.counter_.get_feature_names_out()[clf.features_])


def test_classification_report_frame_by_hand():
    r = classification_report_frame(["a", "b", "b", "c"], ["a", "b", "c", "c"], labels=["a", "b", "c"])
    assert r["accuracy"] == 0.75
    assert r["confusion"].loc["b", "c"] == 1 and r["confusion"].to_numpy().sum() == 4
