"""The SAM data object: construction from a DataFrame, roles, totals and imbalances."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TOY_ROLES, toy_frame

from cge.errors import SAMError
from cge.sam import SAM


def test_toy_sam_is_balanced_and_keeps_negative_cells(toy_sam):
    assert toy_sam.is_balanced()
    assert toy_sam.flow("S_I", "ROW") == -5
    assert toy_sam.accounts_of("activity") == ["A1", "A2"]
    assert toy_sam.role("GOV") == "government"


def test_imbalances_name_accounts_with_both_totals_largest_first():
    frame = toy_frame()
    frame.loc["C1", "HH"] += 7.0  # HH pays 7 more to C1: HH column +7, C1 row +7
    frame.loc["LAB", "A1"] += 1.0
    sam = SAM.from_frame(frame, TOY_ROLES)
    table = sam.imbalances()
    assert list(table.index[:2]) == ["C1", "HH"] or list(table.index[:2]) == ["HH", "C1"]
    assert table.loc["C1", "difference"] == pytest.approx(7.0)
    assert table.loc["HH", "difference"] == pytest.approx(-7.0)
    assert table["difference"].abs().iloc[-1] == pytest.approx(1.0)
    messages = [str(p) for p in sam.imbalance_problems()]
    assert any("account C1" in m and "102" in m and "95" in m for m in messages)


def test_from_frame_collects_every_structural_problem():
    frame = toy_frame()
    frame.loc["HH", "HH"] = np.inf
    roles = dict(TOY_ROLES)
    roles["GOV"] = "state"
    del roles["ROW"]
    with pytest.raises(SAMError) as err:
        SAM.from_frame(frame, roles)
    text = str(err.value)
    assert "unknown role 'state'" in text and "allowed roles" in text
    assert "account ROW" in text and "has no role" in text


def test_non_finite_cell_named_by_row_and_column():
    frame = toy_frame()
    frame.loc["HH", "LAB"] = np.nan
    with pytest.raises(SAMError, match="row HH, column LAB"):
        SAM.from_frame(frame, TOY_ROLES)


def test_labels_must_match_and_be_unique():
    frame = toy_frame()
    swapped = frame.rename(columns={"HH": "HOUSEHOLD"})
    with pytest.raises(SAMError, match="row and column labels differ"):
        SAM.from_frame(swapped, TOY_ROLES)


def test_scaling_changes_unit_not_balance(toy_sam):
    scaled = toy_sam.scaled(1e-3)
    assert scaled.is_balanced()
    assert scaled.total == pytest.approx(toy_sam.total * 1e-3)
    assert toy_sam.total == pytest.approx(685.0)  # the original is untouched


def test_unknown_role_query_lists_allowed_roles(toy_sam):
    with pytest.raises(SAMError, match="allowed roles"):
        toy_sam.accounts_of("industry")


@pytest.mark.parametrize(("label", "description", "labour"), [
    ("LAB", "", True),
    ("F_LAB", "", True),
    ("L", "Labour compensation", True),
    ("L", "labor", True),
    ("WAGES", "", True),
    ("SKILLED", "salaried workers", True),
    ("CAP", "capital", False),
    ("LAND", "", False),
    ("K", "capital available for rent", False),
])
def test_labour_factor_found_by_label_or_description(label, description, labour):
    from cge.sam.roles import is_labour

    assert is_labour(label, description) is labour


def test_is_balanced_agrees_with_the_imbalances_at_the_tolerance():
    frame = toy_frame()
    total = float(frame.loc["HH"].sum())
    frame.loc["C1", "HH"] += 1e-7 * total   # HH pays a little more: row C1 and column HH
    sam = SAM.from_frame(frame, TOY_ROLES)
    assert not sam.is_balanced(rtol=1e-9) and not sam.imbalances(rtol=1e-9).empty
    assert sam.is_balanced(rtol=1e-6) and sam.imbalances(rtol=1e-6).empty
    assert set(sam.imbalances(rtol=1e-9).index) == {"C1", "HH"}
