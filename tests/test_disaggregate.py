"""Splitting sectors into sub-sectors: balance kept, totals by weight, aggregation undoes it,
same weights from the same seed, one report naming every bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import TOY_ROLES, toy_frame

from cge.cli import main
from cge.errors import SAMError
from cge.sam import SAM, read_sam, write_sam
from cge.sam.aggregate import aggregate, split_sectors, split_weights

SAM_DATA = Path(__file__).resolve().parents[1] / "sam_data"
#: Three ways to name a sector: a count by activity, weights by commodity, a count.
PARTS = {"A_PRI": 2, "C_SEC": [0.3, 0.7], "A_TER": 4}


@pytest.fixture(scope="module")
def china() -> SAM:
    return read_sam(SAM_DATA / "china_2018_3sector.csv")


@pytest.fixture(scope="module")
def china_split(china) -> SAM:
    return split_sectors(china, PARTS, seed=7)


def _parent(label: str) -> str:
    """``A_SEC_017`` -> ``A_SEC``; other labels unchanged."""
    stem, _, number = label.rpartition("_")
    return stem if number.isdigit() and stem.count("_") == 1 else label


def test_parts_replace_their_parent_and_the_other_accounts_stay(china, china_split):
    assert china_split.labels[:7] == ["A_PRI_001", "A_PRI_002", "A_SEC_001", "A_SEC_002",
                                      "A_TER_001", "A_TER_002", "A_TER_003"]
    assert len(china_split.labels) == len(china.labels) + 2 * (1 + 1 + 3)
    assert china_split.role("C_SEC_002") == "commodity"
    assert china_split.accounts.at["A_TER_004", "description"].endswith(", part 4 of 4")
    kept = [a for a in china.labels if a[:2] not in ("A_", "C_")]
    assert china_split.block(kept, kept).equals(china.block(kept, kept))


def test_balanced_and_every_part_has_its_weight_times_the_parent_totals(china, china_split):
    assert china_split.is_balanced(rtol=1e-12)
    weights = split_weights(china, PARTS, seed=7)
    assert set(weights) == {"A_PRI", "C_PRI", "A_SEC", "C_SEC", "A_TER", "C_TER"}
    np.testing.assert_allclose(weights["C_SEC"], [0.3, 0.7])
    assert weights["A_PRI"] is weights["C_PRI"]
    rows, cols = china_split.row_totals(), china_split.column_totals()
    for account, w in weights.items():
        parts = [f"{account}_{i:03d}" for i in range(1, len(w) + 1)]
        np.testing.assert_allclose(rows[parts], w * china.row_totals()[account], rtol=1e-12)
        np.testing.assert_allclose(cols[parts], w * china.column_totals()[account], rtol=1e-12)
    for account in ("LAB_URB", "HH_RUR", "GOV", "TAR", "EXPTAX", "S_I", "ROW"):
        assert rows[account] == pytest.approx(china.row_totals()[account], rel=1e-13)


def test_cells_split_by_weights_make_cells_on_the_diagonal(china, china_split):
    w = split_weights(china, PARTS, seed=7)
    # make: each part of the activity makes only its own commodity
    assert china_split.flow("A_SEC_002", "C_SEC_002") == pytest.approx(
        0.7 * china.flow("A_SEC", "C_SEC"), rel=1e-13)
    assert china_split.flow("A_SEC_001", "C_SEC_002") == 0
    # between two split accounts: the product of the weights
    assert china_split.flow("C_SEC_001", "A_TER_003") == pytest.approx(
        0.3 * w["A_TER"][2] * china.flow("C_SEC", "A_TER"), rel=1e-13)
    # between a split account and a kept one: its weight
    assert china_split.flow("C_SEC_002", "ROW") == pytest.approx(
        0.7 * china.flow("C_SEC", "ROW"), rel=1e-13)
    assert china_split.flow("EXPTAX", "C_SEC_001") == pytest.approx(
        0.3 * china.flow("EXPTAX", "C_SEC"), rel=1e-13)


def test_aggregating_the_parts_gives_back_the_sam(china, china_split):
    back = aggregate(china_split, {a: _parent(a) for a in china_split.labels})
    assert back.labels == china.labels
    assert back.roles.equals(china.roles)
    assert back.equals(china, rtol=1e-12, atol=1e-9)


def test_same_seed_same_sam_and_a_sector_draw_depends_on_its_label_only(china):
    first = split_sectors(china, {"A_SEC": 5, "A_TER": 3}, seed=3)
    assert first.equals(split_sectors(china, {"A_SEC": 5, "A_TER": 3}, seed=3))
    assert not first.equals(split_sectors(china, {"A_SEC": 5, "A_TER": 3}, seed=4))
    alone = split_weights(china, {"A_SEC": 5}, seed=3)["A_SEC"]
    np.testing.assert_array_equal(alone, split_weights(china, {"A_SEC": 5, "A_TER": 3},
                                                      seed=3)["A_SEC"])
    assert alone.sum() == pytest.approx(1, abs=1e-15) and np.all(alone > 0)


def test_perturbed_technologies_keep_balance_totals_and_aggregation(china):
    parts = {"A_PRI": 3, "A_SEC": 6, "A_TER": 4}
    plain = split_sectors(china, parts, seed=2)
    mixed = split_sectors(china, parts, seed=2, perturb=0.5)
    assert mixed.equals(split_sectors(china, parts, seed=2, perturb=0.5))
    assert mixed.is_balanced(rtol=1e-13)
    np.testing.assert_allclose(mixed.row_totals(), plain.row_totals(), rtol=1e-13)
    back = aggregate(mixed, {a: _parent(a) for a in mixed.labels})
    assert back.equals(china, rtol=1e-12, atol=1e-9)
    # the parts of an activity buy their inputs in different proportions ...
    sec, ter = plain.accounts_of("commodity")[3:9], plain.accounts_of("activity")[9:13]
    def input_shares(sam):   # shares of the secondary parts in each tertiary part's purchases
        return sam.block(sec, ter) / sam.block(sec, ter).sum()

    assert (input_shares(mixed).max(axis=1) / input_shares(mixed).min(axis=1)).max() > 2
    np.testing.assert_allclose(input_shares(plain).std(axis=1), 0, atol=1e-12)
    # ... and half of every cell is still the plain split, so no input disappears
    assert (mixed.block(sec, ter) >= 0.5 * plain.block(sec, ter) * (1 - 1e-12)).all().all()
    # outside the intermediate block every cell is the plain split's
    intermediate = np.outer(mixed.roles == "commodity", mixed.roles == "activity")
    assert mixed.matrix.mask(intermediate).equals(plain.matrix.mask(intermediate))
    assert not mixed.matrix.equals(plain.matrix)


def test_goods_split_alone():
    stdcge = read_sam(SAM_DATA / "stdcge.csv")
    good = stdcge.accounts_of("good")[0]
    split = split_sectors(stdcge, {good: [0.25, 0.75]})
    assert split.is_balanced(rtol=1e-12)
    assert split.flow(f"{good}_001", f"{good}_002") == pytest.approx(
        0.25 * 0.75 * stdcge.flow(good, good))
    assert split.row_totals()[f"{good}_002"] == pytest.approx(
        0.75 * stdcge.row_totals()[good], rel=1e-13)


def test_bad_input_is_one_report_naming_every_problem(china):
    with pytest.raises(SAMError) as caught:
        split_sectors(china, {"A_PRI": [0.5, 0.4], "A_XYZ": 3, "GOV": 2, "A_TER": 0,
                              "A_SEC": [0.5, -0.1, 0.6], "C_TER": 2}, concentration=0,
                      perturb=1.5)
    text = str(caught.value)
    assert text.startswith("china_2018_3sector: cannot split sectors")
    assert "sector A_PRI: weights sum to 0.9, not 1 (give weights summing to 1)" in text
    assert "sector A_XYZ: not an account of SAM 'china_2018_3sector'" in text
    assert "sector GOV: is a government account (split activities, commodities or goods only)" \
        in text
    assert "sector A_TER: 0 parts" in text
    assert "sector A_SEC: weights [0.5, -0.1, 0.6] are not all positive" in text
    assert "sector C_TER: C_TER is also split as sector A_TER" in text
    assert "concentration: 0 is not a positive number" in text
    assert "perturb: 1.5 is not in [0, 1)" in text
    assert len(caught.value.problems) == 8
    with pytest.raises(SAMError, match=r"perturb: -0.1 is not in \[0, 1\)"):
        split_sectors(china, {"A_SEC": 2}, perturb=-0.1)
    with pytest.raises(SAMError) as caught:
        split_sectors(china, {"A_SEC": 2.5, "A_TER": "many", "A_PRI": []})
    assert [str(p) for p in caught.value.problems] == [
        "sector A_SEC: 2.5 is not a whole number of parts (give a number of parts or a list "
        "of weights summing to 1)",
        "sector A_TER: 'many' is neither a count nor weights (give a number of parts or a list "
        "of weights summing to 1)",
        "sector A_PRI: [] is neither a count nor weights (give a number of parts or a list of "
        "weights summing to 1)"]


def test_an_activity_making_two_commodities_and_taken_labels_are_named():
    frame = toy_frame()
    frame.loc["A1", "C2"] = 5.0          # A1 also makes C2 ...
    frame.loc["C1", "HH"] += 5.0         # ... and households buy it; balance kept
    frame.loc["A2", "C2"] -= 5.0
    frame.loc["C1", "A2"] += 5.0
    frame = frame.rename(index={"S_I": "A2_001"}, columns={"S_I": "A2_001"})
    roles = {("A2_001" if a == "S_I" else a): r for a, r in TOY_ROLES.items()}
    sam = SAM.from_frame(frame, roles, name="toy")
    with pytest.raises(SAMError) as caught:
        split_sectors(sam, {"A1": 2, "A2": 2})
    text = str(caught.value)
    assert "sector A1: makes 2 accounts (C1, C2)" in text
    assert "sub-sector labels: A2_001 already in the SAM" in text
    assert len(caught.value.problems) == 2
    with pytest.raises(SAMError, match=r"sector C2: is made by 2 accounts \(A1, A2\)"):
        split_sectors(sam, {"C2": 2})


@pytest.mark.solver
@pytest.mark.slow
def test_split_china_sam_passes_check_replicates_and_answers_as_the_whole(china, tmp_path,
                                                                          capsys):
    """The parts of a sector have its costs: the headline shock given to every part moves
    the economy as it moves the unsplit SAM, each part by its weight (perturbed
    technologies included, since each part still buys as much of each parent sector)."""
    import dataclasses

    from cge.scenario import Scenario

    split = split_sectors(china, {"A_PRI": 2, "A_SEC": 5, "A_TER": 3}, seed=1, perturb=0.5)
    path = write_sam(split, tmp_path / "china_split.csv")
    assert main(["sam", "check", str(path)]) == 0
    assert "OK: valid and balanced" in capsys.readouterr().out
    from cge.model.build import CGEModel

    assert CGEModel(split, "standard").solve(solver="persistent").stats.iterations == 0

    headline = Scenario.from_yaml(SAM_DATA / "scenarios" / "china_export_demand_20_long.yaml")
    (shock,) = headline.shocks
    parts = split.accounts_of("commodity")[2:7]
    assert parts == [f"C_SEC_{i:03d}" for i in range(1, 6)]
    solutions = []
    for sam, shocks in ((china, [shock]),
                        (split, [dataclasses.replace(shock, index=c) for c in parts])):
        scenario = dataclasses.replace(headline, sam=sam, shocks=tuple(shocks))
        model = scenario.build()
        assert model.solve(solver="persistent").stats.iterations == 0
        model.apply_shocks(scenario.shocks)
        solutions.append(model.solve(solver="persistent"))
    whole, in_parts = solutions
    assert in_parts.value("exchange_rate") == pytest.approx(whole.value("exchange_rate"),
                                                            rel=1e-8)
    np.testing.assert_allclose(in_parts.levels("household_income"),
                               whole.levels("household_income"), rtol=1e-8)
    w = split_weights(china, {"A_PRI": 2, "A_SEC": 5, "A_TER": 3}, seed=1)["C_SEC"]
    np.testing.assert_allclose(in_parts.levels("exports")[parts],
                               w * whole.levels("exports")["C_SEC"], rtol=1e-8)
