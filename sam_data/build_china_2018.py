"""Build ``china_2018_3sector.xlsx``: a three-sector SAM of China in 2018 (100 million yuan).

Run from the repository root::

    .venv/bin/python sam_data/build_china_2018.py

Steps (every figure comes from a CSV in ``sam_data/china_2018_inputs/`` that names its source):

1. Start from the prior cells (the balanced draft SAM, copied to ``china_2018_inputs/prior_cells.csv``).
2. Replace cells with published figures: customs duties, import VAT and consumption tax, export
   VAT rebates and income taxes (Ministry of Finance final accounts 2018), exports, imports (less
   residents' travel abroad, which goes to households), net primary and secondary income (SAFE
   balance of payments 2018, converted at the 2018 average rate), sector value added (NBS).
3. Re-balance, holding the published cells fixed. The package's ``cge.sam.balance.balance``
   (cross-entropy) is used when it is available; otherwise a weighted least-squares adjustment
   (Stone-Byron) of the free cells, minimising ``sum(((x - x0) / x0) ** 2)`` subject to
   ``row total = column total`` for every account.
4. Split labour into rural and urban labour by activity (employment by industry times wages,
   NBS), each paid to the households of its kind.
5. Split households into rural and urban with the NBS household survey (per-capita income by
   source and consumption by category times year-end resident population): capital income and
   enterprise payouts by property income, transfers by net transfers,
   social contributions by wages, personal income tax to urban households; saving rates in the
   survey's proportions, scaled to the national-accounts saving; consumption by the survey's
   categories mapped to products and scaled (RAS) to household consumption by product.
6. Write the workbook (sheets ``SAM``, ``accounts``, ``sources``, ``checks``) and a CSV copy.
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
        ("PTAX", "production_tax", "domestic VAT, consumption tax and other taxes on production, net of "
         "subsidies, paid by activities"),
        ("TAR", "import_tariff", "customs duties"),
        ("IMPTAX", "import_tariff", "import VAT and consumption tax on imports"),
        ("EXPTAX", "export_tax", "export VAT rebates (negative: a subsidy on exports)"),
        ("DTAX", "direct_tax", "personal and corporate income taxes"),
        ("S_I", "savings_investment", "saving and gross capital formation"),
        ("ROW", "rest_of_world", "rest of the world"),
    ],
    columns=["account", "role", "description"],
).set_index("account")

#: The household split (group, description).
HOUSEHOLD_GROUPS = {"HH_RUR": "rural households", "HH_URB": "urban households"}

#: The labour split (type, description, the households that supply it). Urban labour comes
#: first: it is the main labour type of the model (the real wage, the wage curve).
LABOUR_TYPES = {
    "LAB_URB": ("urban labour: compensation of workers resident in towns", "HH_URB"),
    "LAB_RUR": ("rural labour: farmers' mixed income and wages of rural residents", "HH_RUR"),
}

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
        "employment": pd.read_csv(INPUTS / "employment_2018.csv").set_index("item"),
        "wages": pd.read_csv(INPUTS / "wages_2018.csv").set_index("item"),
        "sources": pd.read_csv(INPUTS / "household_sources_2018.csv"),
        "consumption": pd.read_csv(INPUTS / "household_consumption_2018.csv"),
        "products": pd.read_csv(INPUTS / "consumption_products.csv"),
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
    # Residents' travel abroad is household consumption bought from the rest of the world,
    # not an import of the services commodity (households pay ROW directly).
    travel = to_yuan("travel_imports")
    fixed[("ROW", "C_TER")] = to_yuan("services_imports") - travel
    fixed[("HH", "ROW")] = -travel
    fixed[("ROW", "CAP")] = -to_yuan("primary_income_net")
    fixed[("ROW", "GOV")] = -to_yuan("secondary_income_net")

    tax = lambda item: float(fiscal.at[item, "value_100m_yuan"])  # noqa: E731
    duties = tax("customs_duties")
    split(duties, [("TAR", "C_PRI"), ("TAR", "C_SEC")])
    # Import VAT and consumption tax fall on goods imports, export VAT rebates on goods exports.
    import_tax, rebates = tax("import_vat_and_consumption_tax"), tax("export_vat_rebates")
    for product in ("C_PRI", "C_SEC"):
        fixed[("IMPTAX", product)] = import_tax * fixed[("ROW", product)] / to_yuan("goods_imports")
        fixed[("EXPTAX", product)] = rebates * fixed[(product, "ROW")] / to_yuan("goods_exports")
    fixed[("GOV", "IMPTAX")], fixed[("GOV", "EXPTAX")] = import_tax, rebates
    fixed[("DTAX", "HH")] = float(fiscal.at["individual_income_tax", "value_100m_yuan"])
    fixed[("DTAX", "ENT")] = float(fiscal.at["corporate_income_tax", "value_100m_yuan"])

    # Value added by sector: NBS anchors; labour/capital split of the prior, capital adjusts.
    # The prior's net production taxes (99,000) held the import taxes and rebates, now on
    # commodities: activities keep the rest, the primary sector its prior, the domestic
    # consumption tax all secondary, the remainder secondary/tertiary in prior proportions.
    ptax = production_taxes(prior, prior.loc["PTAX"].sum() - import_tax - rebates,
                            tax("domestic_consumption_tax"))
    fixed[("GOV", "PTAX")] = sum(ptax.values())
    for sector in SECTORS:
        act = f"A_{sector}"
        va = float(anchors.at[f"va_{_SECTOR_NAMES[sector]}", "value"])
        if sector == "SEC":
            va -= duties + import_tax + rebates
        fixed[("LAB", act)] = prior.loc["LAB", act]
        fixed[("PTAX", act)] = ptax[act]
        fixed[("CAP", act)] = va - prior.loc["LAB", act] - ptax[act]
    # Expenditure-side aggregates of NBS GDP (as carried by the draft): household and government
    # consumption stay, so capital formation takes up the change in net exports.
    fixed[("C_TER", "GOV")] = prior.loc["C_TER", "GOV"]
    for product in ("C_PRI", "C_SEC", "C_TER"):
        fixed[(product, "HH")] = prior.loc[product, "HH"]
    fixed[("C_TER", "HH")] -= travel
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


def production_taxes(prior: pd.DataFrame, total: float, consumption_tax: float) -> dict[str, float]:
    """Net production taxes by activity: ``total`` split as the prior, consumption tax on A_SEC.

    A_PRI keeps its prior (agriculture is VAT-exempt; taxes and subsidies nearly cancel); the
    domestic consumption tax (tobacco, alcohol, fuel, cars, ...) is secondary; the rest is
    split between A_SEC and A_TER in the prior's proportions net of the consumption tax.
    """
    pri = float(prior.at["PTAX", "A_PRI"])
    sec, ter = float(prior.at["PTAX", "A_SEC"]) - consumption_tax, float(prior.at["PTAX", "A_TER"])
    rest = total - pri - consumption_tax
    return {"A_PRI": pri, "A_SEC": consumption_tax + rest * sec / (sec + ter),
            "A_TER": rest * ter / (sec + ter)}


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


def rural_labour_shares(employment: pd.DataFrame, wages: pd.DataFrame) -> dict[str, float]:
    r"""Rural share of each activity's labour compensation: employment times wages.

    Rural residents employed off the farm are the employed less the urban employed less the
    primary industry (all rural), split between the secondary and tertiary industries as
    migrant workers are; they earn the local migrant workers' wage. Urban workers earn the
    employment-weighted average wage of urban non-private and private units:

    .. math:: \text{share}_a = \frac{R_a w_R}{R_a w_R + (E_a - R_a) w_U}
    """
    e, w = employment["value"], wages["value"]
    off_farm = e["employed_total"] - e["employed_urban"] - e["employed_primary"]
    weights = {"SEC": e["migrant_share_secondary"], "TER": e["migrant_share_tertiary"]}
    w_rural = 12 * w["migrant_monthly_income_local"]
    w_urban = ((w["wage_urban_non_private"] * w["employment_urban_non_private"]
                + w["wage_urban_private"] * w["employment_urban_private"])
               / (w["employment_urban_non_private"] + w["employment_urban_private"]))
    shares = {"A_PRI": 1.0}
    for sector, weight in weights.items():
        rural = off_farm * weight / sum(weights.values())
        urban = e[f"employed_{_SECTOR_NAMES[sector]}"] - rural
        shares[f"A_{sector}"] = float(rural * w_rural / (rural * w_rural + urban * w_urban))
    return shares


def split_labour(m: pd.DataFrame, rural: dict[str, float]) -> pd.DataFrame:
    """Replace ``LAB`` by the labour types; each pays its income to its own households."""
    types = list(LABOUR_TYPES)
    labels = _replace(list(m.index), "LAB", types)
    out = m.reindex(index=labels, columns=labels, fill_value=0.0)
    for a, share in rural.items():
        out.at["LAB_RUR", a] = m.at["LAB", a] * share
        out.at["LAB_URB", a] = m.at["LAB", a] * (1 - share)
    for lab in types:
        out.at["HH", lab] = out.loc[lab].sum()
    return out


def _replace(labels: list[str], old: str, new: list[str]) -> list[str]:
    i = labels.index(old)
    return labels[:i] + new + labels[i + 1:]


def survey_totals(inp: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Survey aggregates by household group (100 million yuan): income by source, consumption
    by category, disposable income and the survey saving rate (per capita x population)."""
    pop = inp["survey"]["population_10k"]            # 10 000 persons x yuan = 1e-4 x 100m yuan
    income = inp["sources"].pivot(index="group", columns="item", values="value")
    cons = inp["consumption"].pivot(index="group", columns="category", values="value")
    out = pd.concat([income, cons], axis=1).mul(pop, axis=0) / 1e4
    per_capita = inp["survey"]
    out["saving_rate"] = 1 - (per_capita["consumption_per_capita_yuan"]
                              / per_capita["disposable_income_per_capita_yuan"])
    return out


def budget_shares(inp: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Budget shares by product (rows) and household group (columns): survey categories
    mapped to products (``consumption_products.csv``, an estimate; group ``all`` unless a
    group has its own row)."""
    cons = inp["consumption"].pivot(index="category", columns="group", values="value")
    table, products = inp["products"], ["C_PRI", "C_SEC", "C_TER"]
    shares = {}
    for group in cons.columns:
        rows = table[table["group"].isin([group, "all"])].set_index("category")[products]
        by_product = rows.T @ cons.loc[rows.index, group]
        shares[group] = by_product / by_product.sum()
    return pd.DataFrame(shares)


def ras(start: pd.DataFrame, rows: pd.Series, cols: pd.Series, tol: float = 1e-13) -> pd.DataFrame:
    """Scale a positive matrix to given row and column totals (biproportional, RAS)."""
    x = start.copy()
    for _ in range(10000):
        x = x.mul(rows / x.sum(axis=1), axis=0)
        x = x.mul(cols / x.sum(axis=0), axis=1)
        if float((x.sum(axis=1) - rows).abs().max()) <= tol * float(rows.abs().max()):
            return x
    raise RuntimeError("RAS did not converge")


def split_households(m: pd.DataFrame, inp: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Replace ``HH`` by rural and urban households, keeping every account balanced.

    Labour income by labour type; capital income and enterprise payouts by survey property
    income, government transfers by net transfers, social contributions
    by wages; personal income tax and travel abroad urban. Saving: the survey saving rates
    times one factor that meets the household saving of the SAM. Consumption: the rest,
    split by product with the survey budget shares and scaled (RAS) to the SAM's household
    consumption by product.
    """
    survey = survey_totals(inp)
    groups = list(HOUSEHOLD_GROUPS)
    labels = _replace(list(m.index), "HH", groups)
    out = m.reindex(index=labels, columns=labels, fill_value=0.0)
    share = lambda item: survey[item] / survey[item].sum()  # noqa: E731
    for lab, (_, group) in LABOUR_TYPES.items():
        out.at[group, lab] = m.at["HH", lab]
    # Farm income is rural labour (mixed income); the households' capital income is mostly
    # imputed rent and non-farm business surplus, split like the survey's property income
    # (which holds the imputed net rent of owner-occupied housing).
    for payer, item in (("CAP", "property_income"), ("ENT", "property_income"),
                        ("GOV", "net_transfers")):
        for g in groups:
            out.at[g, payer] = m.at["HH", payer] * share(item)[g]
    out.loc["GOV", groups] = [m.at["GOV", "HH"] * share("wages")[g] for g in groups]
    out.loc["DTAX", groups] = [0.0, m.at["DTAX", "HH"]]
    out.loc[groups, "ROW"] = [0.0, m.at["HH", "ROW"]]
    receipts = out.loc[groups, [a for a in labels if a != "ROW"]].sum(axis=1)
    disposable = receipts - out.loc["GOV", groups] - out.loc["DTAX", groups]
    rate = survey["saving_rate"][groups]
    saving = disposable * rate * (m.at["S_I", "HH"] / float((disposable * rate).sum()))
    domestic = disposable - saving + out.loc[groups, "ROW"]   # travel abroad is negative
    products = ["C_PRI", "C_SEC", "C_TER"]
    start = budget_shares(inp)[groups].mul(domestic, axis=1)
    out.loc[products, groups] = ras(start, m.loc[products, "HH"], domestic).to_numpy()
    out.loc["S_I", groups] = saving.to_numpy()
    return out.drop(index="HH", columns="HH", errors="ignore")


def accounts_table(labels: list[str]) -> pd.DataFrame:
    """Roles and descriptions for the final accounts (households split)."""
    rows = []
    for a in labels:
        if a in HOUSEHOLD_GROUPS:
            rows.append((a, "household", HOUSEHOLD_GROUPS[a]))
        elif a in LABOUR_TYPES:
            rows.append((a, "factor", LABOUR_TYPES[a][0]))
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

EMPLOYMENT = ("NBS, employment by industry 2018 (China Statistical Yearbook 2019, table 4-1; "
              "communique 2018); 2018 Migrant Workers Monitoring Survey Report")
WAGES = ("NBS, average wage of urban non-private and private units 2018 (release of 14 May 2019); "
         "2018 Migrant Workers Monitoring Survey Report (monthly income of local migrant workers)")
SOURCES_SURVEY = ("NBS, Households' Income and Consumption Expenditure in 2018 (release of 21 Jan "
                  "2019): per-capita income by source, urban and rural, times year-end population")

#: One row per block: (block, receivers, payers, source, status, note).
BLOCKS = [
    ("C x A intermediate use", "C_*", "A_*", DRAFT, "estimate",
     "3x3 intermediate matrix kept from the draft and adjusted by balancing; the NBS 2018 "
     "input-output table (China Statistics Press 2021, ISBN 978-7-5037-9414-8) was not found in "
     "machine-readable form in stored sources"),
    ("LAB x A labour compensation", "LAB_*", "A_*", f"{DRAFT}; {EMPLOYMENT}; {WAGES}", "estimate",
     "total by activity from the draft (labour share about 52 % of GDP, NBS flow of funds); split "
     "rural/urban by employment x wages: primary all rural (farmers' mixed income); rural "
     "residents off the farm = employed - urban employed - primary (139 million), split "
     "secondary/tertiary as migrant workers (49.1/50.5 %), at the local migrant wage "
     "(3,340 yuan a month); urban workers at the average wage of urban non-private and private "
     "units weighted by their employment (67,800 yuan): rural share 21.8 % of secondary and "
     "12.6 % of tertiary labour income"),
    ("CAP x A capital income", "CAP", "A_*", NBS_VA, "residual",
     "sector value added (official) minus labour and net production taxes"),
    ("PTAX x A net production taxes", "PTAX", "A_*", f"{MOF}; {DRAFT}", "derived",
     "the draft's 99,000 less the taxes now on commodities (import VAT and consumption tax "
     "16,878.97, export rebates -15,913.93): 98,034.96 = domestic VAT 61,530.77 + domestic "
     "consumption tax 10,631.75 + other taxes on production (urban maintenance, land, property, "
     "stamp, resource, vehicle purchase, deed taxes, ...) less production subsidies; primary "
     "sector as the draft (200, VAT-exempt), consumption tax all secondary, the rest "
     "secondary/tertiary in draft proportions"),
    ("A x C domestic output", "A_*", "C_*", DRAFT, "residual",
     "gross output = intermediate inputs + value added (diagonal make matrix)"),
    ("ROW x C imports", "ROW", "C_*", SAFE, "official (aggregated)",
     "goods (USD 2022.3 bn) split primary/secondary in draft proportions (estimate); services "
     "(USD 525.8 bn) less travel (USD 277.3 bn, moved to households) all tertiary; BOP basis, "
     "not CIF"),
    ("TAR x C customs duties", "TAR", "C_*", MOF, "official",
     "2,847.78 in total; primary/secondary split in draft proportions (estimate)"),
    ("IMPTAX x C import VAT and consumption tax", "IMPTAX", "C_*", MOF, "official",
     "16,878.97 in total, on goods imports, primary/secondary in proportion to imports"),
    ("EXPTAX x C export VAT rebates", "EXPTAX", "C_*", MOF, "official",
     "-15,913.93 in total (a negative export tax), on goods exports, primary/secondary in "
     "proportion to exports"),
    ("C x HH household consumption", "C_*", "HH_*", f"{DRAFT}; {SURVEY}", "estimate",
     "NBS expenditure-approach household consumption as carried in the draft (354,100) less "
     "travel abroad (paid to ROW), held fixed by product; rural/urban: each group's "
     "disposable income less its saving, split by product with the survey's eight categories "
     "(consumption_products.csv, an estimate) and scaled (RAS) to the product totals"),
    ("C x GOV government consumption", "C_TER", "GOV", DRAFT, "estimate",
     "NBS expenditure-approach government consumption as carried in the draft (152,000), held fixed"),
    ("C x S_I gross capital formation", "C_*", "S_I", DRAFT, "estimate",
     "total = GDP - consumption - net exports; product split an estimate"),
    ("C x ROW exports", "C_*", "ROW", SAFE, "official (aggregated)",
     "goods (USD 2417.4 bn) split primary/secondary in draft proportions (estimate); services "
     "(USD 233.6 bn) all tertiary"),
    ("HH x LAB labour income", "HH_*", "LAB_*", f"{EMPLOYMENT}; {WAGES}", "estimate",
     "rural labour to rural households, urban labour to urban households"),
    ("HH x CAP household capital income", "HH_*", "CAP", f"{DRAFT}; {SOURCES_SURVEY}", "estimate",
     "household business surplus and imputed rent (draft); rural/urban by survey property "
     "income (which holds imputed rent; farm income is rural labour)"),
    ("ENT x CAP corporate capital income", "ENT", "CAP", DRAFT, "estimate", "adjusted by balancing"),
    ("GOV x CAP government capital income", "GOV", "CAP",
     "NBS flow-of-funds table 2019 (revised), ratio to GDP applied to 2018", "estimate",
     "government operating surplus plus net property income: 3.29 % of GDP in 2019 "
     "(draft: 10,500); held fixed"),
    ("ROW x CAP net factor income paid abroad", "ROW", "CAP", SAFE, "official",
     "net primary income deficit USD 51.4 bn (compare NBS preliminary GDP - GNI = 3,394)"),
    ("HH x ENT property income", "HH_*", "ENT", f"{DRAFT}; {SOURCES_SURVEY}", "estimate",
     "net interest and dividends; rural/urban by survey property income"),
    ("HH x GOV social benefits and transfers", "HH_*", "GOV", f"{DRAFT}; {SOURCES_SURVEY}",
     "estimate", "draft value held fixed; rural/urban by survey net transfers"),
    ("HH x ROW travel abroad", "HH_*", "ROW", SAFE, "derived",
     "residents' travel spending abroad (USD 277.3 bn = 18,350): household final consumption "
     "bought from the rest of the world, a negative receipt of urban households (estimate: "
     "outbound travellers are mostly urban), fixed in foreign currency"),
    ("GOV x HH social contributions", "GOV", "HH_*", f"{DRAFT}; {SOURCES_SURVEY}", "estimate",
     "draft value held fixed; rural/urban by survey wages"),
    ("DTAX x HH personal income tax", "DTAX", "HH_*", MOF, "official",
     "13,871.97, all assigned to urban households (estimate: rural incomes are mostly below the "
     "2018 threshold)"),
    ("DTAX x ENT corporate income tax", "DTAX", "ENT", MOF, "official", "35,323.71"),
    ("GOV x PTAX", "GOV", "PTAX", MOF, "derived", "equals net production taxes on activities"),
    ("GOV x TAR", "GOV", "TAR", MOF, "official", "equals customs duties"),
    ("GOV x IMPTAX", "GOV", "IMPTAX", MOF, "official", "equals import VAT and consumption tax"),
    ("GOV x EXPTAX", "GOV", "EXPTAX", MOF, "official", "equals export VAT rebates (negative)"),
    ("GOV x DTAX", "GOV", "DTAX", MOF, "official", "equals income taxes"),
    ("ROW x GOV net current transfers abroad", "ROW", "GOV", SAFE, "official",
     "net secondary income deficit USD 2.4 bn, all assigned to government (estimate)"),
    ("S_I x HH household saving", "S_I", "HH_*", f"{SURVEY}; {DRAFT}", "derived",
     "household saving of the balanced SAM, split by the survey saving rates (rural 17.1 %, "
     "urban 33.5 % of disposable income) times one scale factor"),
    ("S_I x ENT enterprise saving", "S_I", "ENT", DRAFT, "residual", "adjusted by balancing"),
    ("S_I x GOV government saving", "S_I", "GOV", DRAFT, "residual", "adjusted by balancing"),
    ("S_I x ROW foreign saving", "S_I", "ROW", SAFE, "official",
     "minus the current-account surplus (imports + travel + net factor income + net transfers "
     "- exports)"),
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
    """GDP and the derived ratios (shares of GDP, labour share, taxes, the households)."""
    acts = ["A_PRI", "A_SEC", "A_TER"]
    comms = ["C_PRI", "C_SEC", "C_TER"]
    labour = list(LABOUR_TYPES)
    hh = list(HOUSEHOLD_GROUPS)
    commodity_taxes = ["TAR", "IMPTAX", "EXPTAX"]
    va = m.loc[[*labour, "CAP", "PTAX"], acts].to_numpy().sum()
    gdp = va + m.loc[commodity_taxes, comms].to_numpy().sum()
    travel = -m.loc[hh, "ROW"].sum()
    cons = m.loc[comms, hh].to_numpy().sum() + travel
    gov = m.loc[comms, "GOV"].sum()
    inv = m.loc[comms, "S_I"].sum()
    exp_ = m.loc[comms, "ROW"].sum()
    imp = m.loc["ROW", comms].sum() + travel
    receipts = m.loc[hh].drop(columns="ROW").sum(axis=1)
    disposable = receipts - m.loc["GOV", hh] - m.loc["DTAX", hh]
    saving = m.loc["S_I", hh]
    out = {
        "gdp": gdp, "gdp_expenditure": cons + gov + inv + exp_ - imp,
        "household_consumption_share": cons / gdp, "government_consumption_share": gov / gdp,
        "investment_share": inv / gdp, "export_share": exp_ / gdp, "import_share": imp / gdp,
        "labour_share": m.loc[labour, acts].to_numpy().sum() / gdp,
        "rural_labour_share_of_labour": m.loc["LAB_RUR", acts].sum() / m.loc[labour, acts].to_numpy().sum(),
        "net_production_tax_share": (m.loc["PTAX", acts].sum()
                                     + m.loc[commodity_taxes, comms].to_numpy().sum()) / gdp,
        "production_tax_on_activities_share": m.loc["PTAX", acts].sum() / gdp,
        "customs_duties_share": m.loc["TAR", comms].sum() / gdp,
        "import_vat_consumption_tax_share": m.loc["IMPTAX", comms].sum() / gdp,
        "export_rebates_share": m.loc["EXPTAX", comms].sum() / gdp,
        "personal_income_tax_share": m.loc["DTAX", hh].sum() / gdp,
        "corporate_income_tax_share": m.at["DTAX", "ENT"] / gdp,
        "household_property_income_share": m.loc[hh, "ENT"].sum() / gdp,
        "household_disposable_income_share": disposable.sum() / gdp,
        "household_saving_rate": saving.sum() / disposable.sum(),
        "rural_saving_rate": saving["HH_RUR"] / disposable["HH_RUR"],
        "urban_saving_rate": saving["HH_URB"] / disposable["HH_URB"],
        "rural_share_of_disposable_income": disposable["HH_RUR"] / disposable.sum(),
        "rural_share_of_consumption": m.loc[comms, "HH_RUR"].sum() / cons,
        "current_account_surplus_share": -m.at["S_I", "ROW"] / gdp,
    }
    return out


#: Published comparators of the derived ratios: (indicator, published value, source, note).
_GDP = 919281.0
PUBLISHED = [
    ("gdp", _GDP, "NBS revised GDP 2018", "anchor: value added + taxes on imports and exports"),
    ("current_account_surplus_share", 0.004, "SAFE, Balance of Payments Report 2018",
     "current account surplus USD 49.1 bn, 0.4 % of GDP"),
    ("labour_share", 0.52, "NBS flow-of-funds table 2019 (non-financial transactions)",
     "2019: 513,472 / 986,515 = 0.520 (first release), 519,988 / 1,005,872 = 0.517 (revised)"),
    ("household_saving_rate", 1 - 19853 / 28228, "NBS household survey 2018",
     "survey concept (1 - consumption / disposable income per capita), lower than the "
     "national-accounts concept of the SAM"),
    ("rural_saving_rate", 1 - 12124 / 14617, "NBS household survey 2018", "survey concept"),
    ("urban_saving_rate", 1 - 26112 / 39251, "NBS household survey 2018", "survey concept"),
    ("rural_share_of_disposable_income", 14617 * 56401 / (14617 * 56401 + 39251 * 83137),
     "NBS household survey 2018 x year-end population",
     "the SAM's is higher: national accounts count farmers' mixed income in full"),
    ("rural_share_of_consumption", 12124 * 56401 / (12124 * 56401 + 26112 * 83137),
     "NBS household survey 2018 x year-end population", ""),
    ("net_production_tax_share", 93517.5 / 1005872.4, "NBS flow-of-funds table 2019 (revised)",
     "2019 after the April 2019 VAT cut; 2018 should be somewhat higher"),
    ("customs_duties_share", 2847.78 / _GDP, "MOF final accounts 2018 / NBS GDP", ""),
    ("import_vat_consumption_tax_share", 16878.97 / _GDP, "MOF final accounts 2018 / NBS GDP", ""),
    ("export_rebates_share", -15913.93 / _GDP, "MOF final accounts 2018 / NBS GDP", ""),
    ("personal_income_tax_share", 13871.97 / _GDP, "MOF final accounts 2018 / NBS GDP", ""),
    ("corporate_income_tax_share", 35323.71 / _GDP, "MOF final accounts 2018 / NBS GDP", ""),
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
    labour = split_labour(balanced, rural_labour_shares(inp["employment"], inp["wages"]))
    m = split_households(labour, inp)
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
