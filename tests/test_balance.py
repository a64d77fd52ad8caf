"""Balancing SAMs by RAS and cross-entropy: balance reached, zeros, signs, fixed parts kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cge.errors import SAMError
from cge.sam import SAM
from cge.sam.balance import BalanceResult, balance

METHODS = ["ras", "cross_entropy"]
RELATIVE = 1e-9
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def as_sam(values: np.ndarray, name: str = "random") -> SAM:
    labels = [f"X{k}" for k in range(len(values))]
    return SAM.from_frame(pd.DataFrame(values, index=labels, columns=labels),
                          {a: "activity" for a in labels}, name=name)


def perturbed(sam: SAM, seed: int, spread: float = 0.1) -> SAM:
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=sam.matrix.shape)
    return sam.with_matrix(sam.matrix * factors)


def assert_balanced(sam: SAM) -> None:
    """Balanced to 1e-9 relative; an account whose cells cancel (net total near zero)
    gets a round-off allowance of 1e-12 of its gross flows."""
    rows, cols = sam.row_totals(), sam.column_totals()
    gross = sam.matrix.abs().sum(axis=1) + sam.matrix.abs().sum(axis=0)
    gap = (rows - cols).abs()
    assert (gap <= RELATIVE * np.maximum(rows.abs(), cols.abs()) + 1e-12 * gross).all(), gap


def assert_same_pattern_and_signs(before: SAM, after: SAM) -> None:
    b, a = before.matrix.to_numpy(), after.matrix.to_numpy()
    assert np.array_equal(b == 0, a == 0), "a blank cell was filled or a cell vanished"
    assert np.array_equal(np.sign(b), np.sign(a)), "a cell changed sign"


@st.composite
def balanced_sams(draw, negative: bool = False) -> SAM:
    """A balanced sparse SAM: random circulations x_ij = w_ij * p_i / p_j of a strongly
    connected pattern, balanced by cross-entropy-free construction (a sum of cycles)."""
    n = draw(st.integers(3, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = np.zeros((n, n))
    for _ in range(draw(st.integers(2, 3 * n))):  # a balanced SAM is a sum of cycles
        length = int(rng.integers(2, n + 1))
        cycle = rng.permutation(n)[:length]
        x[np.roll(cycle, -1), cycle] += rng.lognormal(0, 1)
    order = rng.permutation(n)  # one Hamiltonian cycle keeps every account in use
    x[np.roll(order, -1), order] += rng.lognormal(0, 1)
    if negative:  # flip a few flows: x_ij -> -x_ji keeps the balance and adds negatives
        for i, j in zip(*np.nonzero(x), strict=True):
            if i != j and x[j, i] == 0 and rng.uniform() < 0.15:
                x[j, i], x[i, j] = -x[i, j], 0.0
    return as_sam(x, name=f"random{seed}")


# -- properties ----------------------------------------------------------------------------
@PROPERTY
@given(sam=balanced_sams(), method=st.sampled_from(METHODS), seed=st.integers(0, 10**6))
def test_perturbed_balanced_sam_is_balanced_again(sam, method, seed):
    shaken = perturbed(sam, seed)
    result = balance(shaken, method)
    assert_balanced(result.sam)
    assert_same_pattern_and_signs(shaken, result.sam)
    assert result.max_imbalance_after <= result.max_imbalance_before


@PROPERTY
@given(sam=balanced_sams(negative=True), seed=st.integers(0, 10**6))
def test_cross_entropy_keeps_negative_cells_negative(sam, seed):
    shaken = perturbed(sam, seed)
    result = balance(shaken, "cross_entropy")
    assert_balanced(result.sam)
    assert_same_pattern_and_signs(shaken, result.sam)


@PROPERTY
@given(sam=balanced_sams(negative=True), method=st.sampled_from(METHODS))
def test_balanced_sam_comes_back_unchanged(sam, method):
    result = balance(sam, method)
    assert result.iterations == 0
    assert result.changes.empty
    assert np.array_equal(result.sam.matrix.to_numpy(), sam.matrix.to_numpy())


@PROPERTY
@given(sam=balanced_sams(), method=st.sampled_from(METHODS), seed=st.integers(0, 10**6),
       data=st.data())
def test_fixed_cells_and_totals_stay_fixed(sam, method, seed, data):
    shaken = perturbed(sam, seed)
    cells = [(r, c) for r, c in sam.matrix.stack().loc[lambda s: s != 0].index]
    fixed = data.draw(st.lists(st.sampled_from(cells), max_size=2, unique=True))
    # totals of the balanced SAM are reachable with its pattern; fix one or two of them
    accounts = data.draw(st.lists(st.sampled_from(sam.labels), max_size=2, unique=True))
    totals = {a: sam.row_totals()[a] for a in accounts}
    try:
        result = balance(shaken, method, fixed_cells=fixed, fixed_totals=totals)
    except SAMError as error:
        # fixing a cell of a balanced SAM's perturbation can make the totals unreachable;
        # then the error must name an account and never be a bare failure
        assert fixed and "account" in str(error)
        return
    assert_balanced(result.sam)
    for r, c in fixed:
        assert result.sam.flow(r, c) == shaken.flow(r, c)
    for a, t in totals.items():
        assert result.sam.row_totals()[a] == pytest.approx(t, rel=RELATIVE)
        assert result.sam.column_totals()[a] == pytest.approx(t, rel=RELATIVE)


@PROPERTY
@given(sam=balanced_sams(), seed=st.integers(0, 10**6))
def test_ras_and_cross_entropy_agree_when_every_total_is_fixed(sam, seed):
    """Both minimise the same information distance when the totals are given."""
    totals = sam.row_totals().to_dict()
    shaken = perturbed(sam, seed)
    ras = balance(shaken, "ras", fixed_totals=totals).sam.matrix.to_numpy()
    entropy = balance(shaken, "cross_entropy", fixed_totals=totals).sam.matrix.to_numpy()
    assert np.allclose(ras, entropy, rtol=1e-6, atol=0)


# -- the toy SAM ------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS + ["cross-entropy"])
def test_toy_sam_perturbed_and_balanced(toy_sam, method):
    shaken = perturbed(toy_sam, seed=1)
    assert not shaken.is_balanced()
    result = balance(shaken, method)
    assert isinstance(result, BalanceResult)
    assert result.method in METHODS
    assert_balanced(result.sam)
    assert_same_pattern_and_signs(shaken, result.sam)
    assert result.sam.flow("S_I", "ROW") < 0  # negative foreign savings stay negative
    assert np.array_equal(shaken.matrix.to_numpy(), perturbed(toy_sam, seed=1).matrix.to_numpy())
    assert list(result.sam.roles) == list(toy_sam.roles)


def test_changes_table_lists_changed_cells_largest_first(toy_sam):
    shaken = perturbed(toy_sam, seed=2)
    result = balance(shaken, "cross_entropy", fixed_cells=[("HH", "LAB")])
    table = result.changes
    assert list(table.columns) == ["receiver", "payer", "before", "after", "change",
                                   "relative_change"]
    assert table["change"].abs().is_monotonic_decreasing
    assert ("HH", "LAB") not in set(zip(table["receiver"], table["payer"], strict=True))
    first = table.iloc[0]
    assert first["before"] == shaken.flow(first["receiver"], first["payer"])
    assert first["after"] == result.sam.flow(first["receiver"], first["payer"])
    assert first["relative_change"] == pytest.approx(first["change"] / first["before"])
    assert result.max_imbalance_before == pytest.approx(
        (shaken.row_totals() - shaken.column_totals()).abs().max())
    text = result.summary()
    assert "Cross-entropy" in text and f"row {first['receiver']}, column {first['payer']}" in text


def test_fixed_total_none_keeps_the_current_row_total(toy_sam):
    shaken = perturbed(toy_sam, seed=3)
    result = balance(shaken, "cross_entropy", fixed_totals={"GOV": None})
    assert result.sam.row_totals()["GOV"] == pytest.approx(shaken.row_totals()["GOV"],
                                                          rel=RELATIVE)


# -- errors -----------------------------------------------------------------------------------
def test_unknown_accounts_are_named(toy_sam):
    with pytest.raises(SAMError, match=r"row XX, column A1.*'XX' not in SAM") as error:
        balance(perturbed(toy_sam, 4), fixed_cells=[("XX", "A1")], fixed_totals={"YY": 3})
    assert "fixed total of 'YY'" in str(error.value)


def test_unknown_method_lists_the_methods(toy_sam):
    with pytest.raises(SAMError, match="ras, cross_entropy"):
        balance(toy_sam, "gras")


@pytest.mark.parametrize("method", METHODS)
def test_fixed_total_out_of_reach_of_a_fully_fixed_row(toy_sam, method):
    """TAX receives only from A1 and A2; with both fixed its receipts cannot reach 7."""
    with pytest.raises(SAMError, match=r"account TAX: its receipts \(row\) must total 7"):
        balance(perturbed(toy_sam, 5), method, fixed_cells=[("TAX", "A1"), ("TAX", "A2")],
                fixed_totals={"TAX": 7})


@pytest.mark.parametrize("method", METHODS)
def test_contradicting_fixed_totals_name_the_accounts(toy_sam, method):
    """Households receive only factor income: HH must equal LAB + CAP."""
    with pytest.raises(SAMError, match=r"accounts LAB, CAP, HH: these constraints contradict"):
        balance(perturbed(toy_sam, 6), method, fixed_totals={"LAB": 72, "CAP": 40, "HH": 100})


def test_balance_needing_a_sign_the_cells_do_not_have():
    """X0 receives one positive flow, which scaling keeps positive: a total of -1 is out of reach."""
    x = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [1.0, 0.0, 0.0]])
    sam = as_sam(x)
    with pytest.raises(SAMError, match=r"account X0: its receipts \(row\) must total -1.*only "
                                        r"positive"):
        balance(sam, "cross_entropy", fixed_cells=[("X2", "X0")], fixed_totals={"X0": -1})
