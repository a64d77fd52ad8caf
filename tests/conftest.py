"""Shared fixtures: small SAMs every feature's tests can use."""

from __future__ import annotations

import pandas as pd
import pytest

from cge.sam import SAM

#: A small balanced SAM with separate activities and commodities (payments by column).
TOY_LABELS = ["A1", "A2", "C1", "C2", "LAB", "CAP", "HH", "GOV", "TAX", "S_I", "ROW"]
TOY_ROLES = {"A1": "activity", "A2": "activity", "C1": "commodity", "C2": "commodity",
             "LAB": "factor", "CAP": "factor", "HH": "household", "GOV": "government",
             "TAX": "production_tax", "S_I": "savings_investment", "ROW": "rest_of_world"}
TOY_FLOWS = {
    ("C1", "A1"): 10, ("C2", "A1"): 10, ("C1", "A2"): 15, ("C2", "A2"): 20,
    ("LAB", "A1"): 30, ("CAP", "A1"): 18, ("TAX", "A1"): 2,
    ("LAB", "A2"): 40, ("CAP", "A2"): 22, ("TAX", "A2"): 3,
    ("A1", "C1"): 70, ("A2", "C2"): 100, ("ROW", "C1"): 25, ("ROW", "C2"): 10,
    ("C1", "HH"): 35, ("C2", "HH"): 30, ("C1", "GOV"): 5, ("C2", "GOV"): 10,
    ("C1", "S_I"): 10, ("C2", "S_I"): 20, ("C1", "ROW"): 20, ("C2", "ROW"): 20,
    ("HH", "LAB"): 70, ("HH", "CAP"): 40, ("GOV", "TAX"): 5, ("GOV", "HH"): 15,
    ("S_I", "HH"): 30, ("S_I", "GOV"): 5, ("S_I", "ROW"): -5,
}


def toy_frame() -> pd.DataFrame:
    m = pd.DataFrame(0.0, index=TOY_LABELS, columns=TOY_LABELS)
    for (r, c), v in TOY_FLOWS.items():
        m.loc[r, c] = v
    return m


@pytest.fixture
def toy_sam() -> SAM:
    """A balanced 11-account SAM with a negative cell (negative foreign savings)."""
    return SAM.from_frame(toy_frame(), TOY_ROLES, name="toy")


def two_labour_sam() -> SAM:
    """The bundled China SAM: urban and rural labour (``LAB_URB``, ``LAB_RUR``) by activity."""
    from pathlib import Path

    from cge.sam.io import read_sam

    return read_sam(Path(__file__).resolve().parents[1] / "sam_data" / "china_2018_3sector.csv")
