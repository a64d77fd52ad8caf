"""Aggregating SAM accounts: totals kept, balance kept, group roles, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from cge.errors import SAMError
from cge.sam.aggregate import aggregate, read_mapping

SECTORS = {"A1": "A", "A2": "A", "C1": "C", "C2": "C"}


def test_sectors_merged_keep_total_balance_and_flows(toy_sam):
    merged = aggregate(toy_sam, SECTORS)
    assert merged.labels == ["A", "C", "LAB", "CAP", "HH", "GOV", "TAX", "S_I", "ROW"]
    assert merged.total == pytest.approx(toy_sam.total)
    assert merged.is_balanced()
    # wages of both activities; purchases of both commodities by households
    assert merged.flow("LAB", "A") == toy_sam.flow("LAB", "A1") + toy_sam.flow("LAB", "A2")
    assert merged.flow("C", "HH") == toy_sam.flow("C1", "HH") + toy_sam.flow("C2", "HH")
    # sales of both activities to their commodity markets
    assert merged.flow("A", "C") == toy_sam.flow("A1", "C1") + toy_sam.flow("A2", "C2")
    assert merged.role("A") == "activity" and merged.role("C") == "commodity"
    assert merged.accounts.at["A", "description"] == "aggregate of A1, A2"
    assert merged.flow("S_I", "ROW") == -5  # untouched accounts keep their flows


def test_flows_within_a_group_land_on_its_diagonal(toy_sam):
    merged = aggregate(toy_sam, {"HH": "DOM", "GOV": "DOM"}, roles={"DOM": "household"})
    assert merged.flow("DOM", "DOM") == toy_sam.flow("GOV", "HH")
    assert merged.is_balanced()
    assert merged.role("DOM") == "household"


def test_mixed_roles_without_a_role_name_the_group_and_members(toy_sam):
    with pytest.raises(SAMError, match=r"group F: members have different roles: "
                                       r"LAB \(factor\), HH \(household\)"):
        aggregate(toy_sam, {"LAB": "F", "HH": "F"})


def test_unknown_accounts_and_roles_are_named(toy_sam):
    with pytest.raises(SAMError, match=r"account\(s\) A9, Z not in SAM 'toy'"):
        aggregate(toy_sam, {"A9": "A", "Z": "A", "A1": "A"})
    with pytest.raises(SAMError, match=r"group A: unknown role 'industry'"):
        aggregate(toy_sam, SECTORS, roles={"A": "industry"})


def test_mapping_file_with_group_roles(toy_sam, tmp_path):
    path = tmp_path / "mapping.csv"
    path.write_text("account,group,role\nA1,IND,activity\nA2,IND,\n"
                    "LAB,VA,factor\nCAP,VA,factor\n")
    table = read_mapping(path)
    assert list(table.columns) == ["account", "group", "role"]
    merged = aggregate(toy_sam, table)
    assert merged.role("IND") == "activity" and merged.role("VA") == "factor"
    assert merged.flow("VA", "IND") == sum(toy_sam.flow(f, a) for f in ("LAB", "CAP")
                                           for a in ("A1", "A2"))
    assert merged.flow("HH", "VA") == toy_sam.flow("HH", "LAB") + toy_sam.flow("HH", "CAP")


def test_mapping_file_errors_name_the_line(tmp_path, toy_sam):
    path = tmp_path / "mapping.csv"
    path.write_text("account,group\nA1,A\nA2,\n")
    with pytest.raises(SAMError, match=r"mapping.csv line 3: group is blank"):
        read_mapping(path)
    path.write_text("acct,grp\nA1,A\n")
    with pytest.raises(SAMError, match="no column"):
        read_mapping(path)
    table = pd.DataFrame({"account": ["A1", "A1"], "group": ["A", "B"]})
    with pytest.raises(SAMError, match=r"mapping of A1: mapped to both 'A' and 'B'"):
        aggregate(toy_sam, table)
