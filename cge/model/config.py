"""Validated model configuration: specification and elasticities.

A *specification* is a set of switches over the same blocks (not separate code):

==========================  ==============================  ==============================
switch                      ``stdcge`` (Hosoe et al.)       ``standard``
==========================  ==============================  ==============================
government consumption      fixed budget shares of revenue  fixed real quantities
                            net of saving, fixed saving
                            rate
investment demand           fixed value shares of savings   fixed real composition, scaled
value added                 Cobb-Douglas                    CES (Cobb-Douglas at sigma = 1)
export demand               small open economy              optional finite elasticity
household demand            Cobb-Douglas                    Cobb-Douglas or LES (option
                                                            ``household_demand: les``;
                                                            elasticities ``income``, ``frisch``)
top nest of production      Leontief                        Leontief, or CES between value
                                                            added and the intermediate bundle
                                                            where elasticity ``top`` is given
==========================  ==============================  ==============================

``dyncge`` (Hosoe's recursive-dynamic model) takes stdcge's blocks with fixed real
government consumption financed by a lump-sum direct tax (closure ``government:
tax_scaler`` at zero government saving), household saving out of income net of the
direct tax, sector-specific capital, and a composite investment good allocated to
activities by profitability (see :mod:`cge.model.blocks.investment`); its price index
(``cpi``, the default numeraire) weighs composite goods by benchmark composite supply, as
GAMS's ``PRICE``.

Everything is checked when the object is made; errors list the allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..calibration import (  # noqa: F401 (re-exported)
    ELASTICITIES,
    ELASTICITY_KEYS,
    OPTIONS,
    Elasticities,
    Options,
)
from ..errors import ConfigError


@dataclass(frozen=True)
class Specification:
    """Switches that select the equations of each block."""

    name: str
    description: str
    government_demand: str      # "budget_shares" | "fixed_real"
    investment_demand: str      # "value_shares" | "fixed_composition"
    default_closure: Mapping[str, str] = field(default_factory=dict)
    household_saving: str = "income"    # saving rate out of "income" | "disposable_income"
    investment_by_destination: bool = False   # composite investment allocated to activities
    price_index: str = "consumption"    # weights of the CPI: "consumption" | "composite_supply"

    @property
    def elasticity_keys(self) -> tuple[str, ...]:
        """The elasticities this specification accepts (:data:`ELASTICITY_KEYS`, the one
        registry, which the calibration checks against)."""
        return ELASTICITY_KEYS[self.name]


SPECIFICATIONS: dict[str, Specification] = {
    "stdcge": Specification(
        "stdcge",
        "the textbook standard CGE model of Hosoe, Gasawa and Hashimoto (GAMS library stdcge)",
        government_demand="budget_shares",
        investment_demand="value_shares",
        default_closure={"savings_investment": "savings_driven",
                         "external": "flexible_exchange_rate",
                         "government": "flexible_saving", "labour": "full_employment",
                         "capital": "mobile", "numeraire": "LAB"},
    ),
    "standard": Specification(
        "standard",
        "the full model: activities and commodities, several households, enterprises, "
        "transfers and every tax role",
        government_demand="fixed_real",
        investment_demand="fixed_composition",
        default_closure={"savings_investment": "savings_driven",
                         "external": "flexible_exchange_rate",
                         "government": "flexible_saving", "labour": "full_employment",
                         "capital": "mobile", "numeraire": "cpi"},
    ),
    "dyncge": Specification(
        "dyncge",
        "the recursive-dynamic standard CGE model of Hosoe, Gasawa and Hashimoto (GAMS library "
        "dyncge): sector-specific capital stocks, investment by destination",
        government_demand="fixed_real",
        investment_demand="value_shares",
        default_closure={"savings_investment": "savings_driven",
                         "external": "flexible_exchange_rate",
                         "government": "tax_scaler", "labour": "full_employment",
                         "capital": "sector_specific", "numeraire": "cpi"},
        household_saving="disposable_income",
        investment_by_destination=True,
        price_index="composite_supply",
    ),
}


#: Names of the stdcge GAMS variables and the results that hold them.
GAMS_NAMES: dict[str, str] = {
    "Z": "output", "E": "exports", "M": "imports", "D": "domestic_sales",
    "Q": "composite_supply", "Xp": "household_consumption", "Xg": "government_consumption",
    "Xv": "investment_demand", "pz": "price_output", "pq": "price_composite",
    "pe": "price_export", "pm": "price_import", "pd": "price_domestic", "pf": "factor_price",
    "epsilon": "exchange_rate", "Sp": "household_savings", "Sg": "government_savings",
    "Td": "direct_tax", "UU": "utility", "Y": "value_added", "F": "factor_demand",
}


#: Names of the variables and scalars dyncge adds to stdcge's (``GAMS_NAMES``), and where
#: they live: a Pyomo path, a block data field or a result of the dynamics engine.
DYNCGE_GAMS_NAMES: dict[str, str] = {
    "III": "investment.composite", "II": "investment.by_destination",
    "pk": "investment.price_composite", "KK": "PathResult.capital",
    "CC": "PathResult.composite_consumption", "iota": "investment.composite_scale",
    "zeta": "investment.allocation_elasticity", "ssp": "households.saving_rate",
    "adj": "BalancedGrowth.adjustment", "a": "1 / prod_c alpha_c^alpha_c",
    "Td00": "balanced-growth SAM (government, household)",
    "Sp00": "balanced-growth SAM (savings-investment, household)",
    "III00": "balanced-growth SAM, savings-investment column total",
}


def get_specification(name: str) -> Specification:
    """The specification called ``name`` (``stdcge`` or ``standard``)."""
    try:
        return SPECIFICATIONS[name]
    except KeyError:
        raise ConfigError(f"unknown model specification {name!r}; allowed: "
                          f"{', '.join(SPECIFICATIONS)}") from None


