"""Synthetic SAMs: balanced, the right accounts and roles, deterministic, fast."""

from __future__ import annotations

import numpy as np
import pytest

from cge.errors import ConfigError
from cge.sam.synthetic import synthetic_sam

SIZES = [1, 2, 3, 10, 30, 100, 300]


@pytest.mark.parametrize("kind", ["standard", "stdcge"])
@pytest.mark.parametrize("n", SIZES)
def test_balanced_to_rounding(n, kind):
    sam = synthetic_sam(n, seed=n, kind=kind)
    assert sam.is_balanced(rtol=1e-12), sam.imbalances(rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("households", [1, 3])
def test_only_savings_may_be_negative(seed, households):
    sam = synthetic_sam(12, seed, households=households)
    m = sam.matrix
    cells = {(m.index[r], m.columns[c]) for r, c in np.argwhere(m.to_numpy() < 0)}
    assert cells <= {("S_I", "GOV"), ("S_I", "ROW")}
    hh = sam.accounts_of("household")
    assert (m.loc["S_I", hh + ["ENT"]] > 0).all()


def test_standard_accounts_and_roles():
    sam = synthetic_sam(4, households=2)
    assert sam.accounts_of("activity") == ["A001", "A002", "A003", "A004"]
    assert sam.accounts_of("commodity") == ["C001", "C002", "C003", "C004"]
    assert sam.accounts_of("household") == ["HH1", "HH2"]
    expected = {"LAB": "factor", "CAP": "factor", "ENT": "enterprise", "GOV": "government",
                "PTAX": "production_tax", "STAX": "sales_tax", "TAR": "import_tariff",
                "ETAX": "export_tax", "DTAX": "direct_tax", "S_I": "savings_investment",
                "ROW": "rest_of_world"}
    assert {a: sam.role(a) for a in expected} == expected
    assert synthetic_sam(4).accounts_of("household") == ["HH"]


def test_standard_flows_go_where_the_roles_say():
    sam = synthetic_sam(10, seed=3, households=2)
    m = sam.matrix
    acts, coms = sam.accounts_of("activity"), sam.accounts_of("commodity")
    make = m.loc[acts, coms].to_numpy()
    assert np.all(np.diag(make) > 0) and np.count_nonzero(make) == len(acts)
    payers = lambda row: set(m.columns[m.loc[row] != 0])  # noqa: E731
    assert payers("PTAX") == set(acts)
    assert payers("STAX") == set(coms)
    assert payers("TAR") <= set(coms) and payers("ETAX") <= set(coms)
    assert payers("DTAX") == {"HH1", "HH2", "ENT"}
    assert payers("LAB") == set(acts) and payers("CAP") == set(acts)
    # labour goes to households only; capital also to ENT, GOV and ROW
    assert set(m.index[m["LAB"] > 0]) == {"HH1", "HH2"}
    assert set(m.index[m["CAP"] > 0]) == {"HH1", "HH2", "ENT", "GOV", "ROW"}
    # government and investment buy some commodities, not necessarily all
    assert 0 < (m.loc[coms, "GOV"] > 0).sum() < len(coms)
    assert 0 < (m.loc[coms, "S_I"] > 0).sum() < len(coms)
    # some structural zeros in the intermediate matrix
    assert 0 < (m.loc[coms, acts] == 0).to_numpy().sum()


@pytest.mark.parametrize("seed", range(5))
def test_value_added_share_is_realistic(seed):
    sam = synthetic_sam(20, seed)
    m = sam.matrix
    acts = sam.accounts_of("activity")
    share = m.loc[["LAB", "CAP"], acts].sum() / m[acts].sum()
    assert share.between(0.40, 0.65).all()


@pytest.mark.parametrize("n", [3, 10, 30])
def test_a_nonimported_and_a_nonexported_commodity(n):
    sam = synthetic_sam(n, seed=1)
    coms = sam.accounts_of("commodity")
    imports = sam.matrix.loc["ROW", coms]
    exports = sam.matrix.loc[coms, "ROW"]
    assert list(imports.index[imports == 0]) == [coms[-1]]
    assert list(exports.index[exports == 0]) == [coms[-2]]
    # a commodity without imports pays no tariff, one without exports no export tax
    assert sam.flow("TAR", coms[-1]) == 0 and sam.flow("ETAX", coms[-2]) == 0
    # exports never exceed domestic output
    output = sam.matrix.loc[sam.accounts_of("activity"), coms].sum()
    assert (exports < output.to_numpy()).all()


@pytest.mark.parametrize("n", [1, 3, 10, 50])
def test_stdcge_layout(n):
    sam = synthetic_sam(n, seed=7, kind="stdcge")
    goods = sam.accounts_of("good")
    assert goods[0] == "G001" and len(goods) == n
    assert sam.labels[n:] == ["CAP", "LAB", "IDT", "TRF", "HOH", "GOV", "INV", "EXT"]
    m = sam.matrix
    for payer in ("HOH", "GOV", "INV", "EXT"):
        assert (m.loc[goods, payer] > 0).all(), payer  # every good has every final use
    assert (m.loc["EXT", goods] > 0).all() and (m.loc["TRF", goods] > 0).all()
    assert set(m.columns[m.loc["HOH"] != 0]) == {"CAP", "LAB"}
    assert set(m.columns[m.loc["GOV"] != 0]) == {"IDT", "TRF", "HOH"}
    assert set(m.columns[m.loc["INV"] != 0]) <= {"HOH", "GOV", "EXT"}


def test_deterministic_from_seed():
    assert synthetic_sam(15, 4, households=2).equals(synthetic_sam(15, 4, households=2))
    assert not synthetic_sam(15, 4).equals(synthetic_sam(15, 5))
    assert synthetic_sam(6, 2, kind="stdcge").equals(synthetic_sam(6, 2, kind="stdcge"))


@pytest.mark.parametrize("kind", ["standard", "stdcge"])
def test_large_sam_builds(kind):
    """300 sectors build and balance (the time it takes is in ``make bench``)."""
    sam = synthetic_sam(300, kind=kind)
    assert len(sam.labels) > 300


@pytest.mark.parametrize("kwargs, where", [
    ({"n_sectors": 0}, "n_sectors"),
    ({"n_sectors": 3, "kind": "gtap"}, "kind"),
    ({"n_sectors": 3, "households": 0}, "households"),
    ({"n_sectors": 3, "kind": "stdcge", "households": 2}, "households"),
])
def test_bad_arguments_are_named(kwargs, where):
    with pytest.raises(ConfigError) as info:
        synthetic_sam(**kwargs)
    assert info.value.problems[0].where == where
