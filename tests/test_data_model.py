"""CRMData and schema.conform on partial tables, as client exports give them."""
from __future__ import annotations

import pandas as pd
import pytest

import crm_training
from crm_training.schema import TABLES, conform, data_dictionary


def test_partial_tables_get_every_column_with_blanks_not_invented_values():
    customers = pd.DataFrame({"customer_id": ["a", "b"]})
    tx = pd.DataFrame({"transaction_id": ["1", "2"], "customer_id": ["a", "b"],
                       "timestamp": ["2024-01-01", "2024-02-01"], "amount": [30.0, -10.0]})
    data = crm_training.CRMData(customers=customers, transactions=tx)
    assert list(data.customers.columns) == TABLES["customers"].names
    assert data.customers["marketing_consent"].isna().all()  # unknown, not False
    assert str(data.transactions["is_return"].dtype) == "boolean"
    assert data.transactions["timestamp"].dtype == "datetime64[ns]"
    assert len(data.tickets) == 0 and list(data.tickets.columns) == TABLES["tickets"].names
    text = data.summary()
    assert "50.0% of rows are returns" in text and "of revenue" in text


def test_missing_required_column_is_named():
    with pytest.raises(ValueError, match=r"missing required column\(s\) \['amount'\].*found"):
        conform(pd.DataFrame({"transaction_id": ["1"], "customer_id": ["a"],
                              "timestamp": ["2024-01-01"]}), TABLES["transactions"])


def test_unknown_codes_become_blank_categories():
    df = conform(pd.DataFrame({"interaction_id": ["1", "2"], "customer_id": ["a", "a"],
                               "timestamp": ["2024-01-01", "2024-01-02"],
                               "channel": ["phone", "pigeon"]}), TABLES["interactions"])
    assert df["channel"].tolist()[0] == "phone" and pd.isna(df["channel"].tolist()[1])


def test_data_dictionary_has_labels_for_every_column():
    dd = data_dictionary(truth=True)
    assert dd["label_zh"].str.len().gt(0).all() and dd["label_en"].str.len().gt(0).all()
    assert set(dd.loc[dd["pii"], "column"]) == {"name", "email", "phone", "text", "comment"}
