"""Small models of each functional form, for tests that must hold on every variant.

Synthetic SAMs: stdcge (Cobb-Douglas value added, Leontief top nest), the standard model
with CES value added, a CES top nest and LES household demand, and the standard model with
a Cobb-Douglas top nest.
"""

from __future__ import annotations

from cge.model.build import CGEModel
from cge.sam.synthetic import synthetic_sam

FUNCTIONAL_FORMS = {
    "stdcge": lambda: CGEModel(synthetic_sam(6, 3, kind="stdcge"), "stdcge"),
    "standard_ces_les": lambda: CGEModel(
        synthetic_sam(4, 7, households=2), "standard",
        elasticities={"value_added": 0.8, "top": 0.5, "income": {"C001": 0.5, "C002": 1.4},
                      "frisch": -1.5}, options={"household_demand": "les"}),
    "standard_cd_top": lambda: CGEModel(synthetic_sam(4, 7, households=2), "standard",
                                        elasticities={"top": {"A001": 1.0}}),
}
