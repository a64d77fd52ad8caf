"""Build ``china_2018_3sector.xlsx``: a three-sector SAM of China in 2018 (100 million yuan).

Run from the repository root::

    .venv/bin/python sam_data/build_china_2018.py

Steps (every figure comes from a CSV in ``sam_data/china_2018_inputs/`` that names its source):

1. Start from the prior cells (the balanced draft SAM, copied to ``china_2018_inputs/prior_cells.csv``).
2. Replace cells with published figures: customs duties and income taxes (Ministry of Finance final
   accounts 2018), exports, imports, net primary and secondary income (SAFE balance of payments 2018,
   converted at the 2018 average rate), sector value added (NBS).
3. Re-balance, holding the published cells fixed. The package's ``cge.sam.balance.balance``
   (cross-entropy) is used when it is available; otherwise a weighted least-squares adjustment
   (Stone-Byron) of the free cells, minimising ``sum(((x - x0) / x0) ** 2)`` subject to
   ``row total = column total`` for every account.
4. Split households into rural and urban with the NBS household survey (per-capita disposable
   income and consumption times year-end resident population): receipts by income share,
   consumption by consumption share, personal income tax to urban households, social contributions
   by income share; each group's saving is the residual, so the split keeps the SAM balanced.
5. Write the workbook (sheets ``SAM``, ``accounts``, ``sources``) and a CSV copy.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "china_2018_inputs"
OUT_XLSX = HERE / "china_2018_3sector.xlsx"
OUT_CSV = HERE / "china_2018_3sector.csv"
UNIT = "100 million yuan"

log = logging.getLogger("cge")

#: Accounts of the aggregate (one household) SAM, with role and description.
ACCOUNTS = pd.DataFrame(
    [
        ("A_PRI", "activity", "primary industry: agriculture, forestry, animal husbandry, fishery (IO 01)"),
        ("A_SEC", "activity", "secondary industry: mining, manufacturing, utilities, construction (IO 02-28)"),
        ("A_TER", "activity", "tertiary industry: all services (IO 29-42)"),
        ("C_PRI", "commodity", "primary products"),
        ("C_SEC", "commodity", "secondary products"),
        ("C_TER", "commodity", "services"),
        ("LAB", "factor", "labour compensation, including farmers' mixed income"),
        ("CAP", "factor", "capital: operating surplus and depreciation"),
        ("HH", "household", "households"),
        ("ENT", "enterprise", "non-financial and financial corporations"),
        ("GOV", "government", "general government, including social-insurance funds"),
        ("PTAX", "production_tax", "net taxes on production and products (incl. VAT), paid by activities"),
        ("TAR", "import_tariff", "customs duties"),
        ("DTAX", "direct_tax", "personal and corporate income taxes"),
        ("S_I", "savings_investment", "saving and gross capital formation"),
        ("ROW", "rest_of_world", "rest of the world"),
    ],
    columns=["account", "role", "description"],
).set_index("account")

#: The household split (group, description).
HOUSEHOLD_GROUPS = {"HH_RUR": "rural households", "HH_URB": "urban households"}

SECTORS = ("PRI", "SEC", "TER")


def read_inputs() -> dict[str, pd.DataFrame]:
    """The input tables, each with a source column."""
    return {
        "prior": pd.read_csv(INPUTS / "prior_cells.csv"),
        "fiscal": pd.read_csv(INPUTS / "fiscal_2018.csv").set_index("item"),
        "bop": pd.read_csv(INPUTS / "bop_2018.csv").set_index("item"),
        "anchors": pd.read_csv(INPUTS / "anchors_2018.csv").set_index("item"),
        "survey": pd.read_csv(INPUTS / "household_survey_2018.csv").set_index("group"),
        "fof2019": pd.read_csv(INPUTS / "flow_of_funds_2019.csv").set_index("item"),
    }


def prior_matrix(prior: pd.DataFrame) -> pd.DataFrame:
    """The prior SAM from the long table of cells (receiver, payer, value)."""
    labels = list(ACCOUNTS.index)
    m = pd.DataFrame(0.0, index=labels, columns=labels)
    for row in prior.itertuples():
        m.loc[row.receiver, row.payer] = float(row.value)
    return m


def published_cells(prior: pd.DataFrame, inp: dict[str, pd.DataFrame]) -> dict[tuple[str, str], float]:
    """Cells replaced by published figures; these stay fixed when balancing.

    Trade and foreign income come from the SAFE balance of payments (USD) at the 2018 average
    rate. Goods are split between primary and secondary products in the proportions of the prior
    (an estimate); services trade is all tertiary. Customs duties are split between primary and
    secondary imports in the proportions of the prior. Value added by sector is held at the NBS
    figures by fixing its labour, capital and tax cells (the split within a sector stays an
    estimate); the secondary sector's payments exclude customs duties, which the SAM records on
    commodity imports (``GDP = sum of value added + duties``).
    """
    fiscal, bop, anchors = inp["fiscal"], inp["bop"], inp["anchors"]
    rate = float(anchors.at["usd_cny_2018", "value"])
    to_yuan = lambda item: float(bop.at[item, "value_100m_usd"]) * rate  # noqa: E731
    fixed: dict[tuple[str, str], float] = {}

    def split(total: float, cells: list[tuple[str, str]]) -> None:
        weights = np.array([prior.loc[c] for c in cells], dtype=float)
        for cell, w in zip(cells, weights / weights.sum()):
            fixed[cell] = total * w

    split(to_yuan("goods_exports"), [("C_PRI", "ROW"), ("C_SEC", "ROW")])
    fixed[("C_TER", "ROW")] = to_yuan("services_exports")
    split(to_yuan("goods_imports"), [("ROW", "C_PRI"), ("ROW", "C_SEC")])
    fixed[("ROW", "C_TER")] = to_yuan("services_imports")
    fixed[("ROW", "CAP")] = -to_yuan("primary_income_net")
    fixed[("ROW", "GOV")] = -to_yuan("secondary_income_net")

    duties = float(fiscal.at["customs_duties", "value_100m_yuan"])
    split(duties, [("TAR", "C_PRI"), ("TAR", "C_SEC")])
    fixed[("DTAX", "HH")] = float(fiscal.at["individual_income_tax", "value_100m_yuan"])
    fixed[("DTAX", "ENT")] = float(fiscal.at["corporate_income_tax", "value_100m_yuan"])

    # Value added by sector: NBS anchors; labour/capital/tax split of the prior, capital adjusts.
    for sector in SECTORS:
        act = f"A_{sector}"
        va = float(anchors.at[f"va_{_SECTOR_NAMES[sector]}", "value"])
        if sector == "SEC":
            va -= duties
        fixed[("LAB", act)] = prior.loc["LAB", act]
        fixed[("PTAX", act)] = prior.loc["PTAX", act]
        fixed[("CAP", act)] = va - prior.loc["LAB", act] - prior.loc["PTAX", act]
    # Expenditure-side aggregates of NBS GDP (as carried by the draft): household and government
    # consumption stay, so capital formation takes up the change in net exports.
    fixed[("C_TER", "GOV")] = prior.loc["C_TER", "GOV"]
    for product in ("C_PRI", "C_SEC", "C_TER"):
        fixed[(product, "HH")] = prior.loc[product, "HH"]
    # Social contributions and benefits stay at the draft's estimates, so a change in government
    # income shows up in government saving rather than in invented transfers.
    fixed[("HH", "GOV")] = prior.loc["HH", "GOV"]
    fixed[("GOV", "HH")] = prior.loc["GOV", "HH"]
    fixed[("GOV", "CAP")] = government_capital_income_share(inp["fof2019"]) * float(
        anchors.at["gdp", "value"])
    # Foreign saving: the ROW account balances through S_I (negative: a current-account surplus).
    fixed[("S_I", "ROW")] = (sum(v for (r, _), v in fixed.items() if r == "ROW")
                             - sum(v for (_, c), v in fixed.items() if c == "ROW"))
    return fixed


_SECTOR_NAMES = {"PRI": "primary", "SEC": "secondary", "TER": "tertiary"}


def government_capital_income_share(fof: pd.DataFrame) -> float:
    r"""Government operating surplus plus net property income, as a share of GDP (2019).

    .. math:: \frac{VA_g - W_g - T_g + (P^{rec}_g - P^{paid}_g)}{GDP}

    from the 2019 flow-of-funds table, the nearest year found; applied to 2018 GDP (an estimate).
    """
    v = fof["value_100m_yuan"]
    surplus = (v["government_value_added"] - v["government_compensation_paid"]
               - v["government_production_tax_paid"])
    net_property = v["government_property_income_received"] - v["government_property_income_paid"]
    return float((surplus + net_property) / v["gdp_value_added_total"])


def balance_least_squares(prior: pd.DataFrame, fixed: dict[tuple[str, str], float]) -> pd.DataFrame:
    r"""Balance by weighted least squares on the free non-zero cells (Stone-Byron).

    .. math:: \min_x \sum_{ij} \left(\frac{x_{ij} - x^0_{ij}}{x^0_{ij}}\right)^2
              \quad \text{s.t.} \quad \sum_j x_{kj} = \sum_i x_{ik} \;\; \forall k

    Fixed cells keep their values; zero cells stay zero. The solution is exact (a linear KKT
    system), so the result balances to machine precision.
    """
    labels = list(prior.index)
    n = len(labels)
    m = prior.copy()
    for (r, c), v in fixed.items():
        m.loc[r, c] = v
    free = [(i, j) for i in range(n) for j in range(n)
            if prior.iat[i, j] != 0 and (labels[i], labels[j]) not in fixed]
    x0 = np.array([m.iat[i, j] for i, j in free])
    # A x = b: for each account k, receipts minus payments of the free cells = -(that of fixed cells).
    a = np.zeros((n, len(free)))
    for col, (i, j) in enumerate(free):
        a[i, col] += 1.0
        a[j, col] -= 1.0
    fixed_only = m.to_numpy().copy()
    for i, j in free:
        fixed_only[i, j] = 0.0
    b = -(fixed_only.sum(axis=1) - fixed_only.sum(axis=0))
    w_inv = x0 ** 2  # inverse weights: relative deviations
    lam = np.linalg.lstsq((a * w_inv) @ a.T, b - a @ x0, rcond=None)[0]
    x = x0 + w_inv * (a.T @ lam)
    for (i, j), v in zip(free, x):
        m.iat[i, j] = v
    return m


def balance(prior: pd.DataFrame, fixed: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Balance with the package's cross-entropy when available, else least squares."""
    try:
        from cge.sam import SAM
        from cge.sam.balance import balance as cge_balance
    except ImportError:
        log.info("cge.sam.balance not available: balancing by weighted least squares")
        return balance_least_squares(prior, fixed)
    start = prior.copy()
    for (r, c), v in fixed.items():
        start.loc[r, c] = v
    sam = SAM.from_frame(start, ACCOUNTS, name="china_2018_3sector", unit=UNIT)
    result = cge_balance(sam, method="cross_entropy", fixed_cells=list(fixed))
    matrix = getattr(result, "sam", result).matrix
    return matrix.reindex(index=prior.index, columns=prior.columns)


def household_shares(survey: pd.DataFrame) -> pd.DataFrame:
    """Income and consumption shares of each household group (survey per-capita x population)."""
    income = survey["population_10k"] * survey["disposable_income_per_capita_yuan"]
    consumption = survey["population_10k"] * survey["consumption_per_capita_yuan"]
    return pd.DataFrame({"income": income / income.sum(), "consumption": consumption / consumption.sum()})


def split_households(m: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Replace ``HH`` by rural and urban households, keeping every account balanced.

    Receipts (row ``HH``) and social contributions split by income share, consumption by
    consumption share, personal income tax all urban; each group's saving is its residual.
    """
    groups = list(HOUSEHOLD_GROUPS)
    pos = list(m.index).index("HH")
    labels = list(m.index[:pos]) + groups + list(m.index[pos + 1:])
    out = pd.DataFrame(0.0, index=labels, columns=labels)
    others = [a for a in m.index if a != "HH"]
    out.loc[others, others] = m.loc[others, others]
    for g in groups:
        out.loc[g, others] = m.loc["HH", others] * shares.at[g, "income"]
        for c in ("C_PRI", "C_SEC", "C_TER"):
            out.loc[c, g] = m.loc[c, "HH"] * shares.at[g, "consumption"]
        out.loc["GOV", g] = m.loc["GOV", "HH"] * shares.at[g, "income"]
        out.loc["DTAX", g] = m.loc["DTAX", "HH"] if g == "HH_URB" else 0.0
        spent = out.loc[[a for a in labels if a != "S_I"], g].sum()
        out.loc["S_I", g] = out.loc[g].sum() - spent
    return out


def accounts_table(labels: list[str]) -> pd.DataFrame:
    """Roles and descriptions for the final accounts (households split)."""
    rows = []
    for a in labels:
        if a in HOUSEHOLD_GROUPS:
            rows.append((a, "household", HOUSEHOLD_GROUPS[a]))
        else:
            rows.append((a, ACCOUNTS.at[a, "role"], ACCOUNTS.at[a, "description"]))
    return pd.DataFrame(rows, columns=["account", "role", "description"])


# -- sources sheet -------------------------------------------------------------------------------
MOF = "Ministry of Finance, Final Accounts Table of Revenue in 2018 National General Public Budget"
SAFE = ("SAFE, China's Balance of Payments Report 2018 (USD), converted at 6.6174 yuan/USD "
        "(2018 average central parity)")
NBS_VA = "NBS, GDP by industry 2018, revised after the fourth economic census"
SURVEY = ("NBS household survey 2018 (per-capita disposable income and consumption, urban/rural) "
          "and year-end resident population 2018")
DRAFT = "balanced draft SAM china_2018_3sector_draft.csv (copied to china_2018_inputs/prior_cells.csv)"

#: One row per block: (block, receivers, payers, source, status, note).
BLOCKS = [
    ("C x A intermediate use", "C_*", "A_*", DRAFT, "estimate",
     "3x3 intermediate matrix kept from the draft and adjusted by balancing; the NBS 2018 "
     "input-output table was not found in stored sources"),
    ("LAB x A labour compensation", "LAB", "A_*", DRAFT, "estimate",
     "split of official sector value added; labour share about 52 % of GDP"),
    ("CAP x A capital income", "CAP", "A_*", NBS_VA, "residual",
     "sector value added (official) minus labour and net production taxes"),
    ("PTAX x A net production taxes", "PTAX", "A_*", DRAFT, "estimate",
     "total 99,000 is a draft estimate (MOF 2018: domestic VAT 61,531, consumption tax 10,632, "
     "import VAT 16,879, export rebates -15,914, plus other production taxes, less subsidies)"),
    ("A x C domestic output", "A_*", "C_*", DRAFT, "residual",
     "gross output = intermediate inputs + value added (diagonal make matrix)"),
    ("ROW x C imports", "ROW", "C_*", SAFE, "official (aggregated)",
     "goods (USD 2022.3 bn) split primary/secondary in draft proportions (estimate); services "
     "(USD 525.8 bn) all tertiary; BOP basis, not CIF"),
    ("TAR x C customs duties", "TAR", "C_*", MOF, "official",
     "2,847.78 in total; primary/secondary split in draft proportions (estimate)"),
    ("C x HH household consumption", "C_*", "HH_*", DRAFT, "estimate",
     "NBS expenditure-approach household consumption as carried in the draft (354,100, "
     "held fixed); product split an estimate; rural/urban by survey consumption shares"),
    ("C x GOV government consumption", "C_TER", "GOV", DRAFT, "estimate",
     "NBS expenditure-approach government consumption as carried in the draft (152,000), held fixed"),
    ("C x S_I gross capital formation", "C_*", "S_I", DRAFT, "estimate",
     "total = GDP - consumption - net exports; product split an estimate"),
    ("C x ROW exports", "C_*", "ROW", SAFE, "official (aggregated)",
     "goods (USD 2417.4 bn) split primary/secondary in draft proportions (estimate); services "
     "(USD 233.6 bn) all tertiary"),
    ("HH x LAB labour income", "HH_*", "LAB", DRAFT, "estimate",
     "all labour compensation to households; rural/urban by survey income shares"),
    ("HH x CAP household capital income", "HH_*", "CAP", DRAFT, "estimate",
     "household business surplus and imputed rent; rural/urban by survey income shares"),
    ("ENT x CAP corporate capital income", "ENT", "CAP", DRAFT, "estimate", "adjusted by balancing"),
    ("GOV x CAP government capital income", "GOV", "CAP",
     "NBS flow-of-funds table 2019 (revised), ratio to GDP applied to 2018", "estimate",
     "government operating surplus plus net property income: 3.29 % of GDP in 2019 "
     "(draft: 10,500); held fixed"),
    ("ROW x CAP net factor income paid abroad", "ROW", "CAP", SAFE, "official",
     "net primary income deficit USD 51.4 bn (compare NBS preliminary GDP - GNI = 3,394)"),
    ("HH x ENT property income", "HH_*", "ENT", DRAFT, "estimate",
     "net interest and dividends; rural/urban by survey income shares"),
    ("HH x GOV social benefits and transfers", "HH_*", "GOV", DRAFT, "estimate",
     "draft value held fixed; rural/urban by survey income shares"),
    ("GOV x HH social contributions", "GOV", "HH_*", DRAFT, "estimate",
     "draft value held fixed; rural/urban by survey income shares"),
    ("DTAX x HH personal income tax", "DTAX", "HH_*", MOF, "official",
     "13,871.97, all assigned to urban households (estimate: rural incomes are mostly below the "
     "2018 threshold)"),
    ("DTAX x ENT corporate income tax", "DTAX", "ENT", MOF, "official", "35,323.71"),
    ("GOV x PTAX", "GOV", "PTAX", DRAFT, "estimate", "equals total net production taxes"),
    ("GOV x TAR", "GOV", "TAR", MOF, "official", "equals customs duties"),
    ("GOV x DTAX", "GOV", "DTAX", MOF, "official", "equals income taxes"),
    ("ROW x GOV net current transfers abroad", "ROW", "GOV", SAFE, "official",
     "net secondary income deficit USD 2.4 bn, all assigned to government (estimate)"),
    ("S_I x HH household saving", "S_I", "HH_*", SURVEY, "residual",
     "disposable income minus consumption, by group"),
    ("S_I x ENT enterprise saving", "S_I", "ENT", DRAFT, "residual", "adjusted by balancing"),
    ("S_I x GOV government saving", "S_I", "GOV", DRAFT, "residual", "adjusted by balancing"),
    ("S_I x ROW foreign saving", "S_I", "ROW", SAFE, "official",
     "minus the current-account surplus (imports + net factor income + net transfers - exports)"),
]


def _match(pattern: str, labels: list[str]) -> list[str]:
    if pattern.endswith("*"):
        return [a for a in labels if a.startswith(pattern[:-1])]
    return [pattern]


def sources_table(m: pd.DataFrame) -> pd.DataFrame:
    """The ``sources`` sheet: one row per block with cells, total, source and status."""
    labels = list(m.index)
    rows = []
    for block, rec, pay, source, status, note in BLOCKS:
        receivers, payers = _match(rec, labels), _match(pay, labels)
        sub = m.loc[receivers, payers]
        cells = [f"{r} x {p}" for r in receivers for p in payers if sub.at[r, p] != 0]
        rows.append({"block": block, "cells": "; ".join(cells), "total": round(float(sub.to_numpy().sum()), 2),
                     "source": source, "status": status, "note": note})
    return pd.DataFrame(rows)


def indicators(m: pd.DataFrame) -> dict[str, float]:
    """GDP and the derived ratios (shares of GDP, labour share, household saving rate)."""
    acts = ["A_PRI", "A_SEC", "A_TER"]
    comms = ["C_PRI", "C_SEC", "C_TER"]
    hh = [a for a in m.index if a.startswith("HH")]
    va = m.loc[["LAB", "CAP", "PTAX"], acts].to_numpy().sum()
    gdp = va + m.loc["TAR", comms].sum()
    cons = m.loc[comms, hh].to_numpy().sum()
    gov = m.loc[comms, "GOV"].sum()
    inv = m.loc[comms, "S_I"].sum()
    exp_ = m.loc[comms, "ROW"].sum()
    imp = m.loc["ROW", comms].sum()
    hh_income = m.loc[hh].to_numpy().sum()
    disposable = hh_income - m.loc[["GOV", "DTAX"], hh].to_numpy().sum()
    saving = m.loc["S_I", hh].sum()
    return {
        "gdp": gdp, "gdp_expenditure": cons + gov + inv + exp_ - imp,
        "household_consumption_share": cons / gdp, "government_consumption_share": gov / gdp,
        "investment_share": inv / gdp, "export_share": exp_ / gdp, "import_share": imp / gdp,
        "labour_share": m.loc["LAB", acts].sum() / gdp,
        "net_production_tax_share": (m.loc["PTAX", acts].sum() + m.loc["TAR", comms].sum()) / gdp,
        "household_property_income_share": m.loc[hh, "ENT"].sum() / gdp,
        "household_disposable_income_share": disposable / gdp,
        "household_saving_rate": saving / disposable,
        "current_account_surplus_share": -m.at["S_I", "ROW"] / gdp,
    }


#: Published comparators of the derived ratios: (indicator, published value, source, note).
PUBLISHED = [
    ("gdp", 919281.0, "NBS revised GDP 2018", "anchor: value added + customs duties"),
    ("current_account_surplus_share", 0.004, "SAFE, Balance of Payments Report 2018",
     "current account surplus USD 49.1 bn, 0.4 % of GDP"),
    ("labour_share", 0.52, "NBS flow-of-funds table 2019 (non-financial transactions)",
     "2019: 513,472 / 986,515 = 0.520 (first release), 519,988 / 1,005,872 = 0.517 (revised)"),
    ("household_saving_rate", 1 - 19853 / 28228, "NBS household survey 2018",
     "survey concept (1 - consumption / disposable income per capita), lower than the "
     "national-accounts concept of the SAM"),
    ("net_production_tax_share", 93517.5 / 1005872.4, "NBS flow-of-funds table 2019 (revised)",
     "2019 after the April 2019 VAT cut; 2018 should be somewhat higher"),
    ("household_property_income_share", (44429.9 - 12944.6) / 1005872.4,
     "NBS flow-of-funds table 2019 (revised)", "households' net property income / GDP"),
]


def checks_table(m: pd.DataFrame) -> pd.DataFrame:
    """Derived ratios of the SAM beside the published ones, where there is one."""
    derived = indicators(m)
    published = {k: (v, src, note) for k, v, src, note in PUBLISHED}
    rows = []
    for key, value in derived.items():
        pub, src, note = published.get(key, (None, "", ""))
        rows.append({"indicator": key, "sam": round(value, 4) if abs(value) < 10 else round(value, 1),
                     "published": None if pub is None else round(pub, 4) if abs(pub) < 10 else pub,
                     "source": src, "note": note})
    return pd.DataFrame(rows)


def write(m: pd.DataFrame, accounts: pd.DataFrame, sources: pd.DataFrame) -> None:
    """Write the workbook (through ``cge.sam.io`` when available) and the CSV copy."""
    extra = {"sources": sources, "checks": checks_table(m)}
    try:
        from cge.sam import SAM
        from cge.sam.io import write_sam
    except ImportError:
        write_sam = None
    if write_sam is not None:
        sam = SAM.from_frame(m, accounts, name="china_2018_3sector", unit=UNIT)
        write_sam(sam, OUT_XLSX, extra_sheets=extra)
        write_sam(sam, OUT_CSV)
        return
    with pd.ExcelWriter(OUT_XLSX, engine="openpyxl") as xl:
        sheet = m.copy()
        sheet.index.name = UNIT
        sheet.to_excel(xl, sheet_name="SAM")
        accounts.to_excel(xl, sheet_name="accounts", index=False)
        sources.to_excel(xl, sheet_name="sources", index=False)
        extra["checks"].to_excel(xl, sheet_name="checks", index=False)
    csv = m.copy()
    csv.index.name = "account"
    csv.to_csv(OUT_CSV, float_format="%.17g")
    accounts.to_csv(OUT_CSV.with_suffix("").with_suffix(".accounts.csv"), index=False)


def build() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The balanced SAM (households split), its accounts and its sources table."""
    inp = read_inputs()
    prior = prior_matrix(inp["prior"])
    fixed = published_cells(prior, inp)
    balanced = balance(prior, fixed)
    m = split_households(balanced, household_shares(inp["survey"]))
    return m, accounts_table(list(m.index)), sources_table(m)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    m, accounts, sources = build()
    rows, cols = m.sum(axis=1), m.sum(axis=0)
    worst = float(((rows - cols).abs() / np.maximum(rows.abs(), cols.abs())).max())
    negative = [(r, c, v) for r in m.index for c in m.columns if (v := m.at[r, c]) < 0 and c != "ROW"]
    write(m, accounts, sources)
    print(f"wrote {OUT_XLSX.name}: {len(m)} accounts, worst relative imbalance {worst:.2e}")
    if negative:
        print("negative cells:", negative)
    print(checks_table(m)[["indicator", "sam", "published"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
