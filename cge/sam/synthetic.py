"""Synthetic balanced SAMs for tests, examples and benchmarks.

:func:`synthetic_sam` draws a plausible economy of any size from a seed. Every
flow is computed from drawn coefficients (input shares, tax rates, trade shares,
budget shares) and the SAM closes through the accounts that close a real one:

* each activity's output is the sum of its costs (zero profit), and the make
  matrix is diagonal, so activities balance;
* each commodity's final demand is what is left of supply after intermediate
  use and exports, so commodities balance;
* each institution saves what it does not spend (household, enterprise and
  government savings are residuals; government saving may be negative);
* foreign savings are the current-account deficit, imports plus factor income
  paid abroad minus exports (positive or negative), and the savings-investment
  account then balances by Walras' law.

The SAM is therefore balanced by construction, to rounding error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError, Problem
from .core import SAM

#: Kinds of synthetic SAM and what they contain.
KINDS: dict[str, str] = {
    "standard": "activities and commodities (diagonal make matrix), LAB and CAP, households, "
                "ENT, GOV, PTAX, STAX, TAR, ETAX, DTAX, S_I, ROW",
    "stdcge": "the textbook stdcge layout: goods G001.., CAP, LAB, IDT, TRF, HOH, GOV, INV, EXT",
}


@dataclass(frozen=True)
class _ProductionAndTrade:
    """Sector flows shared by every kind of synthetic SAM (arrays indexed by sector).

    ``intermediate[c, j]`` is the purchase of commodity ``c`` by activity ``j``.
    """

    output: np.ndarray
    intermediate: np.ndarray
    labour: np.ndarray
    capital: np.ndarray
    production_tax: np.ndarray
    exports: np.ndarray
    imports: np.ndarray
    import_tariff: np.ndarray
    export_tax: np.ndarray
    sales_tax: np.ndarray
    household_demand: np.ndarray
    government_demand: np.ndarray
    investment_demand: np.ndarray

    @property
    def supply(self) -> np.ndarray:
        """Commodity column total: domestic output, imports and product taxes."""
        return (self.output + self.imports + self.import_tariff + self.sales_tax
                + self.export_tax)

    @property
    def indirect_taxes(self) -> float:
        """Production, sales, import and export taxes."""
        return float(sum(x.sum() for x in (self.production_tax, self.sales_tax,
                                           self.import_tariff, self.export_tax)))


def synthetic_sam(n_sectors: int, seed: int = 0, *, households: int = 1,
                  kind: str = "standard") -> SAM:
    """A balanced synthetic SAM with ``n_sectors`` sectors, deterministic from ``seed``.

    Parameters
    ----------
    n_sectors : int
        Number of sectors (activities and commodities, or goods).
    seed : int
        Seed of the random draws: the same seed gives the same SAM.
    households : int
        Number of household groups (``kind="standard"`` only): accounts
        ``HH1..HHk``, or ``HH`` when there is one.
    kind : {"standard", "stdcge"}
        ``"standard"``: activities ``A001..`` and commodities ``C001..`` (activity
        *i* produces commodity *i*), factors ``LAB``, ``CAP``, households,
        enterprise ``ENT``, ``GOV``, taxes ``PTAX`` (production, paid by
        activities), ``STAX`` (sales, paid by commodities), ``TAR`` (import
        tariff, paid by commodities), ``ETAX`` (export tax, paid by commodities
        out of export revenue), ``DTAX`` (direct, paid by households and ENT),
        ``S_I`` and ``ROW``. With three sectors or more the last commodity is
        not imported and the last but one is not exported.

        ``"stdcge"``: goods ``G001..``, ``CAP``, ``LAB``, ``IDT`` (production
        tax), ``TRF`` (import tariff), ``HOH``, ``GOV``, ``INV``, ``EXT`` as in
        Hosoe's stdcge SAM; every good is imported, exported and consumed by
        the household, the government and investment.

    Returns
    -------
    SAM
        Balanced to rounding error. All flows are positive except government
        saving and foreign savings, which may be negative.

    Notes
    -----
    Value added is 40-64 % of output; exports are 5-35 % of output (less where
    intermediate use is high); imports are scaled so that the trade balance is
    within about -25 % to +15 % of exports.
    """
    problems = []
    if not isinstance(n_sectors, (int, np.integer)) or n_sectors < 1:
        problems.append(Problem("bad_argument", "n_sectors", f"got {n_sectors!r}",
                                "give a whole number of sectors, at least 1"))
    if not isinstance(households, (int, np.integer)) or households < 1:
        problems.append(Problem("bad_argument", "households", f"got {households!r}",
                                "give a whole number of household groups, at least 1"))
    if kind not in KINDS:
        problems.append(Problem("bad_argument", "kind", f"unknown kind {kind!r}",
                                f"use one of: {', '.join(KINDS)}"))
    elif kind == "stdcge" and households != 1:
        problems.append(Problem("bad_argument", "households",
                                f"the stdcge layout has one household, got {households}",
                                "use kind='standard' for several household groups"))
    if problems:
        raise ConfigError("cannot build the synthetic SAM", problems)
    rng = np.random.default_rng(seed)
    if kind == "stdcge":
        return _stdcge_sam(int(n_sectors), rng, seed)
    return _standard_sam(int(n_sectors), int(households), rng, seed)


def with_trade_taxes(sam: SAM, import_tax_rate: float = 0.13,
                     export_rebate_rate: float = 0.09) -> SAM:
    """``sam`` with taxes where they fall on trade: import VAT and consumption tax in an
    account ``ITAX`` (role ``import_tax``) and export VAT rebates as negative cells of the
    export tax account (``ETAX``, added when missing).

    Every imported commodity pays ``import_tax_rate`` times its imports plus tariff;
    every exported one receives ``export_rebate_rate`` times its exports (on top of any
    export tax it pays). The first household buys what the taxes add to a commodity's
    supply, out of its saving; the government saves the net revenue, so the SAM stays
    balanced.
    """
    m = sam.matrix.copy()
    roles = sam.roles.to_dict()
    descriptions = sam.accounts["description"].to_dict()
    goods = sam.accounts_of("commodity") or sam.accounts_of("good")
    (row,), (gov,), (si,) = (sam.accounts_of(r) for r in ("rest_of_world", "government",
                                                          "savings_investment"))
    household = sam.accounts_of("household")[0]
    tariff = sam.accounts_of("import_tariff")
    etax = sam.accounts_of("export_tax")
    new = [a for a, present in (("ITAX", True), ("ETAX", not etax)) if present]
    for a in new:
        m.loc[a] = 0.0
        m[a] = 0.0
    roles.update({"ITAX": "import_tax", **({"ETAX": "export_tax"} if not etax else {})})
    descriptions.update({"ITAX": "import VAT and consumption tax on imports",
                         **({"ETAX": "export tax net of VAT rebates"} if not etax else {})})
    etax = etax[0] if etax else "ETAX"
    imports = m.loc[row, goods]
    duty = m.loc[tariff, goods].sum(axis=0) if tariff else 0.0
    import_tax = import_tax_rate * (imports + duty)
    rebate = -export_rebate_rate * m.loc[goods, row]
    m.loc["ITAX", goods] += import_tax
    m.loc[etax, goods] += rebate
    added = import_tax + rebate
    m.loc[goods, household] += added
    m.at[si, household] -= added.sum()
    m.at[gov, "ITAX"] += import_tax.sum()
    m.at[gov, etax] += rebate.sum()
    m.at[si, gov] += added.sum()
    return SAM.from_frame(m, roles, descriptions=descriptions, name=f"{sam.name}-trade-taxes",
                          unit=sam.unit)


# -- shared production and trade block ------------------------------------------------

def _production_and_trade(rng: np.random.Generator, n: int, *, product_taxes: bool,
                          nontraded: bool, all_final_uses: bool) -> _ProductionAndTrade:
    """Draw outputs, technology, trade and final demand for ``n`` sectors.

    ``product_taxes`` adds sales and export taxes; ``nontraded`` removes imports of
    the last commodity and exports of the last but one (when ``n >= 3``);
    ``all_final_uses`` gives every commodity government and investment demand.
    """
    output = rng.lognormal(np.log(100.0), 0.7, n)
    input_share = rng.uniform(0.35, 0.55, n)
    ptax_rate = rng.uniform(0.01, 0.05, n)
    value_added = output * (1.0 - input_share - ptax_rate)
    labour = value_added * rng.uniform(0.35, 0.70, n)
    intermediate = _intermediate_matrix(rng, output, input_share)
    sold_as_input = intermediate.sum(axis=1) / output

    # exports leave at least 15 % of output (plus imports) for domestic final demand
    export_share = np.minimum(rng.uniform(0.05, 0.35, n), 0.85 - sold_as_input)
    import_weight = rng.uniform(0.05, 0.35, n)
    if nontraded and n >= 3:
        import_weight[n - 1] = 0.0
        export_share[n - 2] = 0.0
    exports = export_share * output
    domestic_sales = output - exports
    # scale imports so that the trade balance stays moderate
    raw_imports = import_weight / (1.0 - import_weight) * domestic_sales
    target = (1.0 + rng.uniform(-0.15, 0.25)) * exports.sum()
    scale = np.clip(target / raw_imports.sum(), 0.5, 2.0) if exports.sum() > 0 else 1.0
    imports = scale * raw_imports
    import_tariff = rng.uniform(0.01, 0.12, n) * imports

    if product_taxes:
        taxed_exports = rng.random(n) < 0.5
        taxed_exports[np.argmax(exports)] = True  # at least one export tax
        export_tax = np.where(taxed_exports, rng.uniform(0.005, 0.03, n), 0.0) * exports
        sales_tax = rng.uniform(0.02, 0.12, n) * (domestic_sales + imports + import_tariff)
    else:
        export_tax = np.zeros(n)
        sales_tax = np.zeros(n)

    supply = output + imports + import_tariff + sales_tax + export_tax
    final_demand = supply - exports - intermediate.sum(axis=1)
    in_all = np.ones(n)
    all_final_uses = all_final_uses or n < 4  # few sectors: every one has every final use
    gov_share = _final_use_shares(rng, final_demand, rng.uniform(0.14, 0.22),
                                  in_all if all_final_uses else _some(rng, n, 0.4))
    inv_share = _final_use_shares(rng, final_demand, rng.uniform(0.22, 0.32),
                                  in_all if all_final_uses else _some(rng, n, 0.5))
    return _ProductionAndTrade(
        output=output, intermediate=intermediate, labour=labour,
        capital=value_added - labour, production_tax=ptax_rate * output,
        exports=exports, imports=imports, import_tariff=import_tariff,
        export_tax=export_tax, sales_tax=sales_tax,
        household_demand=(1.0 - gov_share - inv_share) * final_demand,
        government_demand=gov_share * final_demand,
        investment_demand=inv_share * final_demand,
    )


def _some(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    """Indicator of a random subset of ``round(fraction * n)`` sectors (at least one)."""
    chosen = np.zeros(n)
    chosen[rng.permutation(n)[:max(1, round(fraction * n))]] = 1.0
    return chosen


def _final_use_shares(rng: np.random.Generator, final_demand: np.ndarray, overall: float,
                      users: np.ndarray) -> np.ndarray:
    """Shares of each commodity's final demand going to one use (government or investment).

    The use buys the commodities flagged in ``users``, about ``overall`` of all
    final demand, never more than 40 % of one commodity's (households keep at
    least 20 %).
    """
    weight = users * rng.uniform(0.5, 1.5, len(final_demand))
    share = overall * final_demand.sum() / (weight * final_demand).sum() * weight
    return np.minimum(share, 0.4)


def _intermediate_matrix(rng: np.random.Generator, output: np.ndarray,
                         input_share: np.ndarray) -> np.ndarray:
    """Intermediate purchases with column totals ``input_share * output``.

    A random pattern (about 20 % structural zeros off the diagonal when there
    are four sectors or more) is scaled by RAS towards row totals close to the
    column totals of the same sector, so that no commodity is mostly sold as an
    input. Column totals are exact; row totals are whatever RAS reaches.
    """
    n = len(output)
    pattern = rng.uniform(0.2, 1.8, (n, n))
    if n >= 4:
        zero = rng.random((n, n)) < 0.2
        np.fill_diagonal(zero, False)
        pattern[zero] = 0.0
    col_target = input_share * output
    row_target = col_target * rng.uniform(0.85, 1.15, n)
    row_target *= col_target.sum() / row_target.sum()
    z = pattern * np.outer(row_target, col_target)
    for _ in range(200):
        z *= (row_target / z.sum(axis=1))[:, None]
        z *= (col_target / z.sum(axis=0))[None, :]
        if np.max(np.abs(z.sum(axis=1) / row_target - 1.0)) < 1e-10:
            break
    return z


def _ras(seed_matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Scale a positive matrix to the given totals; row totals exact on return."""
    z = seed_matrix * np.outer(rows, cols)
    for _ in range(200):
        z *= (cols / z.sum(axis=0))[None, :]
        z *= (rows / z.sum(axis=1))[:, None]
        if np.max(np.abs(z.sum(axis=0) / cols - 1.0)) < 1e-12:
            break
    return z


def _labels(prefix: str, n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _weights(rng: np.random.Generator, k: int) -> np.ndarray:
    """Random shares of ``k`` groups (positive, summing to one)."""
    return rng.dirichlet(np.full(k, 4.0)) if k > 1 else np.ones(1)


def _assemble(labels: list[str], roles: dict[str, str], flows: list[tuple],
              name: str, descriptions: dict[str, str]) -> SAM:
    """A SAM from ``(receivers, payers, values)`` blocks (scalars or arrays)."""
    position = {a: i for i, a in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)))
    for receivers, payers, values in flows:
        r = [position[a] for a in np.atleast_1d(receivers)]
        c = [position[a] for a in np.atleast_1d(payers)]
        m[np.ix_(r, c)] += np.asarray(values, float).reshape(len(r), len(c))
    frame = pd.DataFrame(m, index=labels, columns=labels)
    return SAM.from_frame(frame, roles, descriptions=descriptions, name=name)


# -- the two layouts --------------------------------------------------------------------

def _standard_sam(n: int, k: int, rng: np.random.Generator, seed: int) -> SAM:
    p = _production_and_trade(rng, n, product_taxes=True, nontraded=True,
                              all_final_uses=False)
    acts, coms = _labels("A", n), _labels("C", n)
    hhs = ["HH"] if k == 1 else [f"HH{h}" for h in range(1, k + 1)]

    capital = p.capital.sum()
    cap_split = rng.uniform([0.30, 0.40, 0.05, 0.03], [0.45, 0.50, 0.10, 0.08])
    cap_hh, cap_ent, cap_gov, cap_row = capital * cap_split / cap_split.sum()
    labour_to = p.labour.sum() * _weights(rng, k)
    capital_to = cap_hh * _weights(rng, k)

    ent_tax = rng.uniform(0.10, 0.20) * cap_ent
    dividends = rng.uniform(0.50, 0.65) * cap_ent * _weights(rng, k)
    ent_saving = cap_ent - ent_tax - dividends.sum()

    revenue_before_hh_tax = p.indirect_taxes + ent_tax + cap_gov
    transfer_weights = _weights(rng, k)
    transfers = rng.uniform(0.10, 0.25) * revenue_before_hh_tax * transfer_weights
    tax_rate = rng.uniform(0.04, 0.10, k)
    propensity = (1.0 - rng.uniform(0.05, 0.15, k)) * (1.0 - tax_rate)
    income = labour_to + capital_to + dividends + transfers
    # households must afford the consumption the commodity side asks for: top up transfers
    shortfall = p.household_demand.sum() - (propensity * income).sum()
    if shortfall > 0:
        transfers = transfers + shortfall / (propensity * transfer_weights).sum() * transfer_weights
        income = labour_to + capital_to + dividends + transfers
    hh_tax = tax_rate * income
    wish = propensity * income
    consumption = _ras(rng.uniform(0.5, 1.5, (n, k)), p.household_demand,
                       p.household_demand.sum() * wish / wish.sum())
    hh_saving = income - hh_tax - consumption.sum(axis=0)

    gov_saving = (revenue_before_hh_tax + hh_tax.sum() - p.government_demand.sum()
                  - transfers.sum())
    foreign_saving = p.imports.sum() + cap_row - p.exports.sum()

    labels = acts + coms + ["LAB", "CAP"] + hhs + ["ENT", "GOV", "PTAX", "STAX", "TAR",
                                                    "ETAX", "DTAX", "S_I", "ROW"]
    roles = {**dict.fromkeys(acts, "activity"), **dict.fromkeys(coms, "commodity"),
             "LAB": "factor", "CAP": "factor", **dict.fromkeys(hhs, "household"),
             "ENT": "enterprise", "GOV": "government", "PTAX": "production_tax",
             "STAX": "sales_tax", "TAR": "import_tariff", "ETAX": "export_tax",
             "DTAX": "direct_tax", "S_I": "savings_investment", "ROW": "rest_of_world"}
    descriptions = {"LAB": "labour", "CAP": "capital", "ENT": "enterprises",
                    "GOV": "government", "PTAX": "production tax", "STAX": "sales tax",
                    "TAR": "import tariff", "ETAX": "export tax", "DTAX": "direct tax",
                    "S_I": "savings-investment", "ROW": "rest of the world"}
    flows = [
        (coms, acts, p.intermediate), ("LAB", acts, p.labour), ("CAP", acts, p.capital),
        ("PTAX", acts, p.production_tax),
        (acts, coms, np.diag(p.output)), ("ROW", coms, p.imports),
        ("TAR", coms, p.import_tariff), ("STAX", coms, p.sales_tax),
        ("ETAX", coms, p.export_tax),
        (hhs, "LAB", labour_to), (hhs, "CAP", capital_to), ("ENT", "CAP", cap_ent),
        ("GOV", "CAP", cap_gov), ("ROW", "CAP", cap_row),
        (coms, hhs, consumption), ("DTAX", hhs, hh_tax), ("S_I", hhs, hh_saving),
        (hhs, "ENT", dividends), ("DTAX", "ENT", ent_tax), ("S_I", "ENT", ent_saving),
        (coms, "GOV", p.government_demand), (hhs, "GOV", transfers),
        ("S_I", "GOV", gov_saving),
        ("GOV", "PTAX", p.production_tax.sum()), ("GOV", "STAX", p.sales_tax.sum()),
        ("GOV", "TAR", p.import_tariff.sum()), ("GOV", "ETAX", p.export_tax.sum()),
        ("GOV", "DTAX", hh_tax.sum() + ent_tax),
        (coms, "S_I", p.investment_demand),
        (coms, "ROW", p.exports), ("S_I", "ROW", foreign_saving),
    ]
    return _assemble(labels, roles, flows, f"synthetic-{n}-seed{seed}", descriptions)


def _stdcge_sam(n: int, rng: np.random.Generator, seed: int) -> SAM:
    p = _production_and_trade(rng, n, product_taxes=False, nontraded=False,
                              all_final_uses=True)
    goods = _labels("G", n)
    income = p.labour.sum() + p.capital.sum()
    direct_tax = rng.uniform(0.05, 0.12) * income
    affordable = (1.0 - rng.uniform(0.10, 0.20)) * (income - direct_tax)
    household = p.household_demand
    investment = p.investment_demand
    if household.sum() > affordable:
        # the household saves at least 10 %: move the excess demand to investment
        kept = household * affordable / household.sum()
        investment = investment + (household - kept)
        household = kept
    hh_saving = income - direct_tax - household.sum()
    gov_saving = (p.production_tax.sum() + p.import_tariff.sum() + direct_tax
                  - p.government_demand.sum())
    foreign_saving = p.imports.sum() - p.exports.sum()

    labels = goods + ["CAP", "LAB", "IDT", "TRF", "HOH", "GOV", "INV", "EXT"]
    roles = {**dict.fromkeys(goods, "good"), "CAP": "factor", "LAB": "factor",
             "IDT": "production_tax", "TRF": "import_tariff", "HOH": "household",
             "GOV": "government", "INV": "savings_investment", "EXT": "rest_of_world"}
    descriptions = {"CAP": "capital", "LAB": "labour", "IDT": "indirect tax",
                    "TRF": "import tariff", "HOH": "household", "GOV": "government",
                    "INV": "savings-investment", "EXT": "rest of the world"}
    flows = [
        (goods, goods, p.intermediate), ("CAP", goods, p.capital), ("LAB", goods, p.labour),
        ("IDT", goods, p.production_tax), ("TRF", goods, p.import_tariff),
        ("EXT", goods, p.imports),
        ("HOH", "CAP", p.capital.sum()), ("HOH", "LAB", p.labour.sum()),
        (goods, "HOH", household), ("GOV", "HOH", direct_tax), ("INV", "HOH", hh_saving),
        ("GOV", "IDT", p.production_tax.sum()), ("GOV", "TRF", p.import_tariff.sum()),
        (goods, "GOV", p.government_demand), ("INV", "GOV", gov_saving),
        (goods, "INV", investment),
        (goods, "EXT", p.exports), ("INV", "EXT", foreign_saving),
    ]
    return _assemble(labels, roles, flows, f"stdcge-{n}-seed{seed}", descriptions)
