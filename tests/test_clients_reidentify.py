"""The client's side of anonymisation: the workshop's action list, made on anonymised data,
traced back to the client's customer ids with the salt and the original exports only."""
from __future__ import annotations

import pandas as pd
import pytest

import crm_training
from crm_training.cli import main


@pytest.fixture(scope="module")
def anonymised(tmp_path_factory):
    """A client's exports, its salt, and the folder validate --anonymise wrote."""
    root = tmp_path_factory.mktemp("reid")
    crm_training.generate("bank", 400, seed=7).save(root / "exports", format="csv")
    salt = root / "salt.txt"
    salt.write_text("a-client-secret-salt-0042\n")
    assert main(["validate", str(root / "exports"), "--anonymise", "--salt-file", str(salt),
                 "--out", str(root / "checked"), "--quiet"]) == 0
    return root


def test_the_action_list_traces_back_to_the_right_customers(anonymised, capsys):
    from crm_training.workshop import Dashboard
    from crm_training.workshop.analysis import action_export

    root = anonymised
    d = Dashboard(data_dir=root / "checked", root=str(root / "checked"), seed=1, warm_up=False)
    d.tabs.selected_index = 5
    d.draw_all()
    assert "pseudonyms" in d.notes["actions"].value  # the list says its ids are pseudonyms
    actions = d.action_list()
    assert actions.index.str.fullmatch(r"C[0-9a-f]{64}").all()
    (root / "actions.xlsx").write_bytes(action_export(actions, "zh", "USD")["xlsx"])
    capsys.readouterr()
    code = main(["reidentify", str(root / "actions.xlsx"), "--exports", str(root / "exports"),
                 "--salt-file", str(root / "salt.txt"), "--out", str(root / "key.csv")])
    out = capsys.readouterr().out
    assert code == 0 and f"{len(actions):,} of {len(actions):,} listed customers" in out
    key = pd.read_csv(root / "key.csv", encoding="utf-8-sig")
    assert key["pseudonym"].tolist() == actions.index.tolist()
    assert (root / "key.csv").stat().st_mode & 0o077 == 0  # readable by its owner only
    # the right customers: each real id's spend in the exports is the pseudonym's in the list
    tx = pd.read_csv(root / "exports" / "transactions.csv")
    spend = tx.groupby("customer_id")["amount"].sum()
    traced = spend.reindex(key["customer_id"]).to_numpy()
    assert traced == pytest.approx(actions["monetary"].to_numpy(), rel=1e-6)


def test_reidentify_refuses_what_it_cannot_do_safely(anonymised, capsys):
    root = anonymised
    said = []

    def err():
        said.append(capsys.readouterr())
        return said[-1].err

    pd.DataFrame({"customer": ["C" + "0" * 64]}).to_csv(root / "list.csv", index=False)
    base = ["reidentify", str(root / "list.csv"), "--exports", str(root / "exports")]
    assert main(base + ["--out", str(root / "k1.csv")]) == 2  # no salt
    assert "give the salt" in err()
    salt = ["--salt-file", str(root / "salt.txt")]
    assert main(base + salt + ["--out", str(root / "exports" / "key.csv")]) == 2
    assert "inside the client's exports" in err()
    assert not (root / "exports" / "key.csv").exists()
    assert main(base + salt + ["--out", str(root / "k2.csv")]) == 1  # matches nobody
    assert "match no customer" in err()
    assert main(base + salt + ["--out", str(root / "k2.csv")]) == 2  # exists: no overwrite
    assert "exists" in err()
    pd.DataFrame({"x": ["a"]}).to_csv(root / "nolist.csv", index=False)
    assert main(["reidentify", str(root / "nolist.csv"), "--exports", str(root / "exports"),
                 *salt, "--out", str(root / "k3.csv")]) == 2
    assert "no column of pseudonyms" in err()
    assert not any("a-client-secret" in o.out + o.err for o in said)  # the salt never shown
