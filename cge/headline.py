"""The headline experiment and the scenario library: run many scenario files cheaply.

:func:`run_scenarios` solves scenario files, building one model per distinct SAM,
specification and elasticities and switching only the closure between runs.
:func:`headline_table` is the compact answer to the internal-circulation question:
secondary export demand 20 % lower, long run against short run. :func:`grid_table` puts the
same shock under four closure families (:data:`GRID`), :func:`reading` says from its numbers
(and :func:`elasticity_band`, the 5-95 % band over the elasticities) which assumption drives
the answer, and :func:`policy_table` reruns the demand policies under the closure families,
per yuan of fiscal cost. The shocked commodity, its activity and the unit come from the
scenario and its SAM (:func:`experiment`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError, Problem
from .examples import examples_folder
from .report import EXPORT_SHOCKS, employment_change

log = logging.getLogger("cge")

#: The bundled scenario library (``sam_data/scenarios``, :mod:`cge.examples`).
LIBRARY = examples_folder() / "scenarios"
#: The headline experiment under its two closures.
HEADLINE = ("china_export_demand_20_long", "china_export_demand_20_short")


def library_files(folder: str | Path = LIBRARY, pattern: str = "china_*.yaml") -> list[Path]:
    """The scenario files of the library that ``cge run`` can solve.

    Batch files, the files of the elasticity study (``china_2018_*``) and dynamic
    scenarios (with ``dynamics:``, the ``china_2035_*`` paths) are left out.
    Raises a ConfigError naming ``folder`` when it holds no such file.
    """
    import yaml

    out = []
    for path in sorted(_folder(folder).glob(pattern)):
        if path.name.startswith("china_2018_"):
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and "sam" in raw and "grid" not in raw \
                and "dynamics" not in raw:
            out.append(path)
    if not out:
        raise ConfigError(f"no scenario files {pattern} in {folder}", [Problem(
            "missing_file", str(folder), f"no scenario files {pattern}",
            "give the folder of the China scenario library (sam_data/scenarios)")])
    return out


def headline_files(folder: str | Path = LIBRARY) -> list[Path]:
    """The two scenario files of the headline experiment (:data:`HEADLINE`) in ``folder``."""
    return _library_paths(folder, HEADLINE)


def _folder(folder: str | Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"scenario folder {folder} not found", [Problem(
            "missing_file", str(folder), "no such folder",
            "give the folder of the China scenario library with --scenarios DIR "
            "(`cge examples DIR` copies it to DIR/scenarios)")])
    return folder


def run_scenarios(paths: Iterable[str | Path], solver: str = "persistent") -> dict:
    """Solve scenario files, one model per (SAM, model, options, elasticities), each run
    under its scenario's closure; ``{name: RunResult}``."""
    from .runs import run_scenario
    from .scenario import Scenario

    models: dict[tuple, object] = {}
    results = {}
    for path in paths:
        scenario = Scenario.from_yaml(path)
        key = (str(Path(scenario.sam).resolve()) if isinstance(scenario.sam, (str, Path))
               else id(scenario.sam), scenario.model,
               repr(sorted((scenario.options or {}).items())),
               repr(sorted(scenario.elasticities.items())))
        model = models.get(key)
        if model is None:
            model = models[key] = scenario.build()
        log.info("solving %s", scenario.name)
        results[scenario.name] = run_scenario(scenario, solver=solver, model=model)
    return results


@dataclass(frozen=True)
class Experiment:
    """What a headline table is about, read from the scenario and its SAM."""

    commodity: str     # the commodity whose exports the scenario's shock hits
    activity: str      # its main producer, by the make matrix (the commodity itself for goods)
    unit: str          # the SAM's unit (:data:`cge.report.DEFAULT_UNIT` when it names none)
    description: str   # the scenario's description
    sam_name: str


def experiment(run, sam=None) -> Experiment:
    """The shocked commodity (of the first shock to one of
    :data:`cge.report.EXPORT_SHOCKS`), its activity and the unit of a run (a :class:`RunResult`).

    Raises a ConfigError naming the scenario when no shock hits a commodity's exports.
    """
    from .report import DEFAULT_UNIT

    scenario = run.scenario
    sam = sam if sam is not None else scenario.load_sam()
    hit = [s.index for s in scenario.shocks if s.parameter in EXPORT_SHOCKS and s.index]
    if not hit:
        raise ConfigError(f"{scenario.where}: no export shock", [Problem(
            "no_export_shock", f"{scenario.where}: shocks",
            "no shock hits the exports of a commodity",
            f"the headline table needs a shock to one of {', '.join(EXPORT_SHOCKS)} "
            "with an index (a commodity)")])
    commodity = hit[0]
    return Experiment(commodity, main_producer(sam, commodity), sam.unit or DEFAULT_UNIT,
                      scenario.description or scenario.name, sam.name)


def main_producer(sam, commodity: str) -> str:
    """The activity that makes most of ``commodity`` (the largest cell of its make column);
    a ``good`` account is its own producer."""
    if sam.role(commodity) == "good":
        return commodity
    make = sam.matrix.loc[sam.accounts_of("activity"), commodity]
    return str(make.idxmax())


@dataclass(frozen=True)
class Row:
    """A row of the headline table: label (``{c}`` the commodity, ``{a}`` its activity,
    ``{unit}`` the SAM's unit), kind of number (:data:`cge.report.KINDS`), definition."""

    label: str
    kind: str
    definition: str


#: The rows of the headline table.
ROWS: dict[str, Row] = {
    "exports": Row("exports {c}, %", "percent", "exports of {c}, percent change "
                   "(base-price volume)"),
    "world_export_price": Row("world export price {c}, %", "percent", "world price of the "
                              "exports of {c} (foreign currency), percent change"),
    "home_sales": Row("home sales {c}, %", "percent", "domestic output of {c} sold at home, "
                      "percent change"),
    "output": Row("output {a}, %", "percent", "output of activity {a}, the main producer of "
                  "{c}, percent change"),
    "absorption_ratio": Row("absorption ratio {c}", "ratio", "change of home sales of {c} over "
                            "minus the change of its exports; 1 is full absorption"),
    "bound": Row("fixed-price bound {c}", "ratio", "the same ratio at fixed prices (SAM "
                 "multipliers) for the same export loss of {c}: the demand-driven end of the "
                 "range"),
    "absorption_ratio_total": Row("absorption ratio, all sectors", "ratio", "change of home "
                                  "sales of all commodities over minus the net change of "
                                  "exports"),
    "bound_total": Row("fixed-price bound, all sectors", "ratio", "change of home sales of all "
                       "commodities at fixed prices over the export loss of {c}"),
    "real_gdp": Row("real GDP, %", "percent", "real GDP (expenditure side, base prices), "
                    "percent change"),
    "household_consumption": Row("household consumption, %", "percent", "real household "
                                 "consumption, all households, percent change"),
    "ev": Row("EV, {unit}", "value", "equivalent variation, all households; positive is a "
              "gain"),
    "employment": Row("employment, %", "percent", "labour employed in all activities, percent "
                      "change (0 under full employment)"),
    "real_wage": Row("real wage, %", "percent", "wage over the CPI, percent change (0 under a "
                     "fixed real wage)"),
    "real_exchange_rate": Row("real exchange rate, %", "percent", "exchange rate over the CPI, "
                              "percent change; a rise is a real depreciation"),
}


def headline_table(results: dict, sam=None, names: Iterable[str] = HEADLINE) -> pd.DataFrame:
    """The headline experiment, one column per closure, with the fixed-price bound.

    Rows: exports, world export price and home sales of the shocked commodity and output of
    its activity (percent; :func:`experiment`), the absorption ratio of the commodity and in
    total, each beside the fixed-price multiplier bound of the same export loss
    (:func:`cge.io_analysis.absorption_bound`), real GDP, household consumption, EV (in the
    SAM's unit), employment, real wage, real exchange rate. ``names``: the runs of
    ``results`` to show (default :data:`HEADLINE`).
    """
    from .indicators import sector_indicators

    runs = [results[n] for n in names if n in results]
    if not runs:
        return pd.DataFrame()
    sam = sam if sam is not None else runs[0].scenario.load_sam()
    exp = experiment(runs[0], sam)
    c, a = exp.commodity, exp.activity
    cols = {}
    for r in runs:
        ind, cmp = r.indicators, r.compare()
        sectors = sector_indicators(r.base, r.counterfactual)
        bound = _bound(sectors, sam, c)
        label = ("long run" if r.closure["labour"] == "full_employment" else "short run")
        values = {
            "exports": _percent(cmp, "exports", c),
            "world_export_price": _percent(cmp, "world_export_price", c),
            "home_sales": _percent(cmp, "domestic_sales", c),
            "output": _percent(cmp, "output", a),
            "absorption_ratio": ind["absorption_ratio"].get(c),
            "bound": bound[c],
            "absorption_ratio_total": ind["absorption_ratio"].get("total"),
            "bound_total": bound["total"],
            "real_gdp": ind["real_gdp"],
            "household_consumption": ind["real_household_consumption"],
            "ev": ind["equivalent_variation"],
            "employment": employment_change(ind),
            "real_wage": ind.get("real_wage"),
            "real_exchange_rate": ind["real_exchange_rate"],
        }
        cols[label if label not in cols else r.scenario.name] = {
            row.label.format(c=c, a=a, unit=exp.unit): values[key] for key, row in ROWS.items()}
    table = pd.DataFrame(cols)
    table.attrs["title"] = f"{exp.description}; SAM {exp.sam_name}, values in {exp.unit}"
    table.attrs["rows"] = {row.label.format(c=c, a=a, unit=exp.unit):
                           (row.kind, row.definition.format(c=c, a=a))
                           for row in ROWS.values()}
    return table


def _percent(compare: pd.DataFrame, variable: str, index: str) -> float:
    """Percent change of ``variable[index]``; NaN where the model has no such variable."""
    key = (variable, index)
    return float(compare.loc[key, "percent"]) if key in compare.index else float("nan")


def _bound(sectors: pd.DataFrame, sam, shocked: str) -> dict[str, float]:
    """Fixed-price absorption ratio (all sectors) of the run's export change of ``shocked``.

    The bound takes the exogenous export loss alone; the CGE's other export changes
    are responses to prices, which the fixed-price model does not have.
    """
    from .io_analysis import absorption_bound

    change = {shocked: float(sectors.at[shocked, "exports_change"])}
    table = absorption_bound(sam, change)
    return {shocked: float(table.at[shocked, "absorption_ratio"]),
            "total": float(table["domestic_sales_change"].sum() / -table["export_change"].sum())}


# -- the grid: one column per closure family ------------------------------------------------
#: The closure families of the grid and the scenario file of each (the headline shock).
GRID: dict[str, str] = {
    "long run": "china_export_demand_20_long",
    "short run": "china_export_demand_20_short",
    "wage curve": "china_export_demand_20_wage_curve",
    "Keynesian": "china_export_demand_20_keynesian",
}

#: The rows of the grid (EV components follow, one row each, from the run's decomposition).
GRID_ROWS: dict[str, Row] = {
    "exports": ROWS["exports"],
    "home_sales": ROWS["home_sales"],
    "output": ROWS["output"],
    "absorption_ratio": Row("absorption ratio {c}, volume", "ratio", "change of home sales "
                            "of {c} over minus the change of its exports, base-price volumes"),
    "absorption_ratio_by_revenue": Row(
        "absorption ratio {c}, revenue", "ratio", "change of home sales of {c} over the loss "
        "of its export revenue (domestic currency)"),
    "multiplier_ratio": Row("multiplier ratio {c}, matching", "ratio", "fixed-price SAM "
                            "multiplier ratio of {c} with the endogenous accounts that match "
                            "the run's closure"),
    "employment": ROWS["employment"],
    "real_gdp": ROWS["real_gdp"],
    "ev": ROWS["ev"],
}
#: Label of an EV-component row.
EV_COMPONENT = "EV: {name}, {unit}"


def grid_files(folder: str | Path = LIBRARY) -> list[Path]:
    """The scenario files of the grid (:data:`GRID`) in ``folder``; a ConfigError names
    every one missing."""
    return _library_paths(folder, GRID.values())


def command_files(folder: str | Path = LIBRARY, policies: bool = True) -> list[Path]:
    """The scenario files ``cge headline`` solves: the headline and grid files, then checks
    that the policy files are there too (``policies``); one ConfigError names every file
    missing."""
    names = list(dict.fromkeys([*HEADLINE, *GRID.values()]))
    paths = _library_paths(folder, [*names, *(POLICIES if policies else ())])
    return paths[:len(names)]


def _library_paths(folder: str | Path, names: Iterable[str]) -> list[Path]:
    paths = [_folder(folder) / f"{n}.yaml" for n in names]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"scenario files missing in {folder}", [Problem(
            "missing_file", str(p), "not found",
            "give the folder of the China scenario library with --scenarios DIR "
            "(`cge examples DIR` copies it to DIR/scenarios)") for p in missing])
    return paths


def grid_table(runs: dict, exp: Experiment, columns: dict[str, str] = GRID) -> pd.DataFrame:
    """The headline shock under each closure family, one column per family.

    Parameters
    ----------
    runs : mapping
        ``{name: cge run JSON}`` (:meth:`RunResult.to_json_dict` or a JSON file); indicators
        an older JSON lacks show as NaN (n/a).
    exp : Experiment
        The shocked commodity, its activity and the unit (:func:`experiment`).
    columns : mapping
        ``{column label: run name}`` (default :data:`GRID`); runs not in ``runs`` are left out.
    """
    c, a, unit = exp.commodity, exp.activity, exp.unit
    cols, components = {}, []
    for label, name in columns.items():
        if name not in runs:
            continue
        data = runs[name]
        ind = data.get("indicators") or {}
        res = data.get("results") or {}
        values = {
            "exports": _json_percent(res, "exports", c),
            "home_sales": _json_percent(res, "domestic_sales", c),
            "output": _json_percent(res, "output", a),
            "absorption_ratio": _num((ind.get("absorption_ratio") or {}).get(c)),
            "absorption_ratio_by_revenue": _num(
                (ind.get("absorption_ratio_by_revenue") or {}).get(c)),
            "multiplier_ratio": _num(
                ((ind.get("multiplier_absorption_ratio") or {}).get(c) or {}).get("matching")),
            "employment": employment_change(ind),
            "real_gdp": _num(ind.get("real_gdp")),
            "ev": _num(ind.get("equivalent_variation")),
        }
        column = {row.label.format(c=c, a=a, unit=unit): values[key]
                  for key, row in GRID_ROWS.items()}
        parts = ind.get("equivalent_variation_decomposition") or {}
        components += [k for k in parts if k not in components]
        column.update({EV_COMPONENT.format(name=k.replace("_", " "), unit=unit): _num(v)
                       for k, v in parts.items()})
        cols[label] = column
    table = pd.DataFrame(cols)
    if not table.empty:
        order = [row.label.format(c=c, a=a, unit=unit) for row in GRID_ROWS.values()]
        order += [EV_COMPONENT.format(name=k.replace("_", " "), unit=unit) for k in components]
        table = table.reindex(order)
    table.attrs["title"] = (f"{exp.description.split(',')[0]}, by closure family; SAM "
                            f"{exp.sam_name}, values in {unit}")
    rows = {row.label.format(c=c, a=a, unit=unit): (row.kind, row.definition.format(c=c, a=a))
            for row in GRID_ROWS.values()}
    rows.update({EV_COMPONENT.format(name=k.replace("_", " "), unit=unit):
                 ("value", f"component '{k}' of the EV decomposition (Huff-Hertel); the "
                           "components sum to EV") for k in components})
    table.attrs["rows"] = rows
    return table


def _json_percent(results: dict, variable: str, index: str) -> float:
    """Percent change of ``variable[index]`` in a run JSON's results; NaN when absent."""
    cell = (results.get(variable) or {}).get(index)
    if not cell or not cell.get("base"):
        return float("nan")
    return 100.0 * (cell["counterfactual"] - cell["base"]) / cell["base"]


def _num(value) -> float:
    return float(value) if value is not None else float("nan")


# -- the reading: which assumption drives the answer -----------------------------------------
#: A spread this many times another is said to drive the answer.
DRIVES = 1.5


def reading(grid: pd.DataFrame, exp: Experiment, band: dict | None = None) -> list[str]:
    """Sentences read off the grid (and the elasticity band): which assumption drives the
    secondary absorption ratio, where the runs stand against the fixed-price multipliers, and
    what the closures do to employment and welfare.

    ``band``: ``{"family", "low", "high", "elasticities"}`` (:func:`elasticity_band`), the
    5-95 % range of the volume ratio over the elasticities under one closure family.
    """
    if grid.empty:
        return []
    c, a, unit = exp.commodity, exp.activity, exp.unit
    row = {k: grid.loc[r.label.format(c=c, a=a, unit=unit)] for k, r in GRID_ROWS.items()}
    ratio = row["absorption_ratio"].dropna()
    out = []
    if len(ratio) > 1:
        lo, hi = ratio.idxmin(), ratio.idxmax()
        spread = ratio[hi] - ratio[lo]
        text = (f"The absorption ratio of {c} by volume runs from {ratio[lo]:+.2f} ({lo}) to "
                f"{ratio[hi]:+.2f} ({hi}) across the closure families, a spread of {spread:.2f}")
        revenue = row["absorption_ratio_by_revenue"].dropna()
        if len(revenue) > 1:
            text += (f"; by revenue from {revenue.min():+.2f} ({revenue.idxmin()}) to "
                     f"{revenue.max():+.2f} ({revenue.idxmax()})")
        out.append(text + ".")
        if band is not None:
            width = band["high"] - band["low"]
            out.append(f"Over the elasticities ({', '.join(band['elasticities'])}) under the "
                       f"{band['family']} closure it lies between {band['low']:+.2f} and "
                       f"{band['high']:+.2f} (5-95 %), a spread of {width:.2f}.")
            if spread >= DRIVES * width:
                out.append(f"The closure drives the answer: the spread across closure "
                           f"families is {spread / max(width, 1e-12):.1f} times the spread "
                           f"across elasticities, and the largest gap is between the {hi} "
                           f"and the {lo} closure.")
            elif width >= DRIVES * spread:
                out.append(f"The elasticities drive the answer: their spread is "
                           f"{width / max(spread, 1e-12):.1f} times the spread across "
                           "closure families.")
            else:
                more, less = (("closure families", "elasticities") if spread >= width
                              else ("elasticities", "closure families"))
                out.append(f"Closures and elasticities matter about equally: the spread "
                           f"across {more} is {max(spread, width) / max(min(spread, width), 1e-12):.2f} "
                           f"times the spread across {less} (below {DRIVES}).")
            outside = [k for k in ratio.index if k != band["family"]
                       and not band["low"] <= ratio[k] <= band["high"]]
            if outside:
                out.append(f"Outside the band ({', '.join(outside)}): no elasticity in the "
                           f"range gives that ratio under the {band['family']} closure, only "
                           "another closure does.")
        else:
            out.append(f"The largest gap is between the {hi} and the {lo} closure; the "
                       "spread across elasticities was not measured.")
    matching = row["multiplier_ratio"]
    above = [k for k in ratio.index if ratio[k] > matching.get(k, float("nan"))]
    below = [k for k in ratio.index if ratio[k] < matching.get(k, float("nan"))]
    if above:
        out.append(f"Above the matching fixed-price multiplier ratio (prices and the exchange "
                   f"rate redirect sales home): {_listed(above, ratio, matching)}.")
    if below:
        out.append(f"Below it (price and income losses the multipliers do not see deepen "
                   f"the fall): {_listed(below, ratio, matching)}.")
    jobs = row["employment"].dropna()
    if len(jobs):
        worst = jobs.idxmin()
        held = [k for k in jobs.index if abs(jobs[k]) < 0.005]
        text = f"Employment falls most under the {worst} closure ({jobs[worst]:+.2f} %)"
        if held:
            text += f" and is held under {', '.join(held)}"
        out.append(text + ".")
    comps = grid.loc[[r for r in grid.index if r.startswith("EV: ")]]
    for col in ratio.index:
        parts = comps[col].dropna() if col in comps else pd.Series(dtype=float)
        if len(parts) and not pd.isna(row["ev"].get(col)):
            big = parts.abs().idxmax()
            name = big[len("EV: "):].rsplit(",", 1)[0]
            out.append(f"{col}: EV {row['ev'][col]:+,.0f} {unit}, its largest component "
                       f"{name} ({parts[big]:+,.0f}).")
    return out


def _listed(columns: list[str], ratio: pd.Series, matching: pd.Series) -> str:
    return "; ".join(f"{k} {ratio[k]:+.2f} against {matching[k]:+.2f}" for k in columns)


# -- the policy library under the demand-driven and wage-curve closures ----------------------
#: The demand policies of the library (each 1 % of GDP where it has a fiscal cost).
POLICIES = ("china_transfers_1pct_deficit", "china_transfers_1pct_enterprise_tax",
            "china_transfers_1pct_gov_consumption", "china_debt_financed_investment_1pct",
            "china_saving_rate_minus_2pts")
#: The closure families the policies are rerun under, as given by the grid's files; the
#: ``short run`` keeps each policy's own closure.
POLICY_FAMILIES = ("short run", "wage curve", "Keynesian")
#: Fiscal instruments whose change is the policy's outlay (model component paths).
OUTLAY = ("government.transfers", "investment.composition")


def policy_scenarios(folder: str | Path = LIBRARY) -> list[tuple[str, str, object]]:
    """``(policy, family, Scenario)`` for every policy of :data:`POLICIES` under every
    family of :data:`POLICY_FAMILIES`.

    A family takes its closure from its grid file (:data:`GRID`), and the options and
    elasticities the policy does not set (the wage curve's);
    a neoclassical family keeps the policy's ``savings_investment`` closure (an investment
    shock needs ``investment_driven``), a Keynesian one replaces it.
    """
    from dataclasses import replace

    from .scenario import Scenario

    families = {f: Scenario.from_yaml(p) for f, p in
                zip(GRID, grid_files(folder), strict=True) if f in POLICY_FAMILIES}
    out = []
    for path in _library_paths(folder, POLICIES):
        policy = Scenario.from_yaml(path)
        for name, family in families.items():
            if name == "short run":
                out.append((policy.name, name, policy))
                continue
            closure = dict(family.closure or {})
            if closure.get("savings_investment") != "keynesian":
                closure["savings_investment"] = (policy.closure or {}).get(
                    "savings_investment", closure.get("savings_investment"))
            out.append((policy.name, name, replace(
                policy, name=f"{policy.name}__{name.replace(' ', '_').lower()}",
                closure=closure, options={**(family.options or {}), **(policy.options or {})},
                elasticities={**family.elasticities, **policy.elasticities})))
    return out


def fiscal_outlay(model, scenario) -> float:
    """The policy's outlay, in SAM units at base prices: the change of real government
    transfers plus the change of real investment that the scenario's shocks make (0 for a
    policy that spends nothing, such as a lower saving rate). The model is left at its
    benchmark."""
    from .model.shocks import SOLVED_SHOCKS
    from .runs import use_model

    def total():
        return sum(float(v.value) for path in OUTLAY
                   for v in model.component(path).values()) * model.scale

    use_model(model, scenario)          # the benchmark, under the scenario's closure
    before = total()
    model.apply_shocks([s for s in scenario.shocks if s.parameter not in SOLVED_SHOCKS])
    after = total()
    model.reset()
    return after - before


#: The columns of the policy table: label, kind, definition.
POLICY_COLUMNS: dict[str, tuple[str, str]] = {
    "policy": ("text", "the policy scenario of the library"),
    "closure": ("text", "the closure family it is solved under"),
    "employment, %": ("percent", "labour employed in all activities, percent change"),
    "employment change": ("value", "labour employed, change at the base wage (wage bill "
                                   "units)"),
    "real GDP, %": ("percent", "real GDP, percent change"),
    "real GDP change": ("value", "real GDP at base prices, change"),
    "fiscal cost": ("value", "the outlay: change of real government transfers plus real "
                             "investment, at base prices (the transfer or investment itself)"),
    "government saving change": ("value", "change of government saving, current prices: "
                                          "the net cost after revenue feedback and financing"),
    "employment per yuan": ("ratio", "employment change over fiscal cost (wage-bill units "
                                     "per unit spent); n/a without an outlay"),
    "GDP per yuan": ("ratio", "real GDP change over fiscal cost (the GDP multiplier); n/a "
                              "without an outlay"),
    "raises employment": ("text", "yes when employment rises by more than 0.005 %"),
}


def policy_table(runs: dict, outlays: dict, families: dict) -> pd.DataFrame:
    """The policy library by closure family.

    Parameters
    ----------
    runs : mapping
        ``{run name: cge run JSON}``.
    outlays : mapping
        ``{run name: fiscal cost}`` (:func:`fiscal_outlay`), SAM units.
    families : mapping
        ``{run name: (policy, family)}``.
    """
    rows = []
    for name, (policy, family) in families.items():
        ind = (runs[name].get("indicators") or {})
        jobs = ind.get("employment") or {}
        base_jobs = sum(x["base"] for x in jobs.values())
        job_pct = employment_change(ind)
        gdp = ind.get("gdp") or {}
        gdp_pct = _num(ind.get("real_gdp"))
        gov = ind.get("government_saving") or {}
        cost = float(outlays[name])
        d_jobs = base_jobs * job_pct / 100.0
        d_gdp = _num(gdp.get("base")) * gdp_pct / 100.0
        rows.append({
            "policy": policy, "closure": family,
            "employment, %": job_pct, "employment change": d_jobs,
            "real GDP, %": gdp_pct, "real GDP change": d_gdp,
            "fiscal cost": cost,
            "government saving change": (_num(gov.get("counterfactual")) - _num(gov.get("base"))
                                         if gov else float("nan")),
            "employment per yuan": d_jobs / cost if abs(cost) > 1e-9 else float("nan"),
            "GDP per yuan": d_gdp / cost if abs(cost) > 1e-9 else float("nan"),
            "raises employment": "yes" if job_pct > 0.005 else "no"})
    table = pd.DataFrame(rows, columns=list(POLICY_COLUMNS))
    table.attrs["title"] = ("Demand policies by closure family; fiscal cost = the transfer or "
                            "investment itself (base prices), per yuan = change over it")
    table.attrs["columns"] = POLICY_COLUMNS
    table.attrs["reading"] = policy_reading(table)
    return table


def policy_reading(table: pd.DataFrame) -> list[str]:
    """One sentence per closure family of :func:`policy_table`: which policies raise
    employment, and the one with most employment per yuan of fiscal cost."""
    out = []
    for family, rows in table.groupby("closure", sort=False):
        up = rows[rows["raises employment"] == "yes"]
        text = f"{family}: "
        text += (f"{len(up)} of {len(rows)} policies raise employment "
                 f"({', '.join(f'{p} {e:+.2f} %' for p, e in zip(up['policy'], up['employment, %'], strict=True))})"
                 if len(up) else f"none of the {len(rows)} policies raises employment")
        paid = rows.dropna(subset=["employment per yuan"])
        if len(paid):
            best = paid.loc[paid["employment per yuan"].idxmax()]
            text += (f"; most per yuan: {best['policy']}, {best['employment per yuan']:+.3f} "
                     f"of employment (base wage bill) and {best['GDP per yuan']:+.3f} of real "
                     "GDP per yuan spent")
        out.append(text + ".")
    return out


def run_policies(folder: str | Path = LIBRARY, solver: str = "persistent"
                 ) -> tuple[dict, dict, dict]:
    """Solve :func:`policy_scenarios`: ``({run name: RunResult}, {run name: fiscal cost},
    {run name: (policy, family)})``, one model per SAM, options and elasticities."""
    from .runs import run_scenario

    models: dict[tuple, object] = {}
    results, outlays, families = {}, {}, {}
    for policy, family, scenario in policy_scenarios(folder):
        key = (repr(sorted((scenario.options or {}).items())),
               repr(sorted(scenario.elasticities.items())))
        model = models.get(key)
        if model is None:
            model = models[key] = scenario.build()
        outlays[scenario.name] = fiscal_outlay(model, scenario)
        log.info("solving %s", scenario.name)
        results[scenario.name] = run_scenario(scenario, solver=solver, model=model)
        families[scenario.name] = (policy, family)
    return results, outlays, families


# -- the band of the secondary ratio over the elasticities ---------------------------------
#: Elasticities of the band, each uniform on its central value times (1 - h, 1 + h): the
#: library's trade elasticities, and a CES value added centred below Cobb-Douglas (most
#: estimates of capital-labour substitution are below 1, Chirinko 2008), whose range 0.4-1.2
#: covers Cobb-Douglas (the quadrature points never hit 1 exactly, which would need
#: another model).
BAND_ELASTICITIES: dict[str, float] = {"armington": 2.0, "cet": 2.0, "export_demand": 4.0,
                                       "value_added": 0.8}
#: Half-width ``h`` of each elasticity's range, a share of its central value.
BAND_HALF_WIDTH = 0.5
#: The standard normal 95 % quantile: the band is mean -/+ this many standard deviations.
Z95 = 1.6448536269514722


def stroud_points(n: int) -> np.ndarray:
    """Stroud's degree-3 rule for ``n`` independent variables uniform on [-1, 1]: ``2 n``
    equally weighted points (rows) that give the mean and variance of a quadratic exactly.
    GEMPACK's systematic sensitivity analysis uses it (Arndt 1996)."""
    points = np.empty((2 * n, n))
    for k in range(1, 2 * n + 1):
        for r in range(1, n // 2 + 1):
            angle = (2 * r - 1) * k * np.pi / n
            points[k - 1, 2 * r - 2] = np.sqrt(2.0 / 3.0) * np.cos(angle)
            points[k - 1, 2 * r - 1] = np.sqrt(2.0 / 3.0) * np.sin(angle)
        if n % 2:
            points[k - 1, n - 1] = (-1) ** k / np.sqrt(3.0)
    return points


def band_batch(store: str | Path, family: str = "short run", folder: str | Path = LIBRARY
               ) -> dict:
    """The batch (a batch-file mapping, :func:`cge.batch.expand_batch`) of the elasticity
    band: the grid file of ``family`` at the Stroud points of :data:`BAND_ELASTICITIES`.

    Its base, the family's scenario at the centre of the elasticities (CES value added), is
    written into ``store`` as ``band_base.yaml``.
    """
    import yaml

    from .scenario import load_yaml

    path = _library_paths(folder, [GRID[family]])[0]
    raw = dict(load_yaml(path))
    raw["sam"] = str((path.parent / str(raw["sam"])).resolve())
    raw["elasticities"] = {**(raw.get("elasticities") or {}), **BAND_ELASTICITIES}
    raw["name"] = f"{raw['name']}_band_base"
    base = Path(store) / "band_base.yaml"
    base.parent.mkdir(parents=True, exist_ok=True)
    base.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    names = list(BAND_ELASTICITIES)
    scenarios = [{"name": f"stroud_{k}", "elasticities": [
        {"elasticity": e, "value": float(BAND_ELASTICITIES[e] * (1 + BAND_HALF_WIDTH * x))}
        for e, x in zip(names, row, strict=True)]}
        for k, row in enumerate(stroud_points(len(names)))]
    return {"name": f"band_{GRID[family]}", "base": str(base), "scenarios": scenarios}


def band_from_values(values: Iterable[float]) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the 5-95 % band (normal approximation) of a result at
    the equally weighted Stroud points."""
    v = np.asarray(list(values), dtype=float)
    mean, sd = float(v.mean()), float(v.std())
    return mean, sd, mean - Z95 * sd, mean + Z95 * sd


def elasticity_band(store: str | Path, exp: Experiment, family: str = "short run",
                    folder: str | Path = LIBRARY, workers: int = 1) -> dict:
    """The 5-95 % band of the volume absorption ratio of the shocked commodity over the
    elasticities, solved through the batch engine into ``store``; the dict :func:`reading`
    takes (``family``, ``low``, ``high``, ``mean``, ``sd``, ``elasticities``, ``values``)."""
    from .batch import expand_batch, load_results, run_batch

    batch = expand_batch(band_batch(store, family, folder), source="elasticity band")
    summary = run_batch(batch, store, workers=workers, progress=False, append=True)
    if summary.failed:
        from .errors import SolveError

        raise SolveError(f"the elasticity band: {summary.failed} of {summary.total} solves "
                         f"failed, e.g. {summary.failures[0][0]}: {summary.failures[0][1]}")
    wide = load_results(store, batch.base_digest)["indicators"]
    ids = [s["id"] for s in batch.scenarios]
    values = wide.loc[ids, f"absorption_ratio[{exp.commodity}]"].astype(float)
    mean, sd, low, high = band_from_values(values)
    return {"family": family, "low": low, "high": high, "mean": mean, "sd": sd,
            "elasticities": [e.replace("_", " ") for e in BAND_ELASTICITIES],
            "values": values.tolist(), "points": len(ids)}
