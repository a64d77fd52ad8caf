"""The headline experiment and the scenario library: run many scenario files cheaply.

:func:`run_scenarios` solves scenario files, building one model per distinct SAM,
specification and elasticities and switching only the closure between runs.
:func:`headline_table` is the compact answer to the internal-circulation question:
secondary export demand 20 % lower, long run against short run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

log = logging.getLogger("cge")

#: The folder of the bundled scenario library.
LIBRARY = Path(__file__).resolve().parents[1] / "sam_data" / "scenarios"
#: The headline experiment under its two closures.
HEADLINE = ("china_export_demand_20_long", "china_export_demand_20_short")


def library_files(folder: str | Path = LIBRARY, pattern: str = "china_*.yaml") -> list[Path]:
    """The scenario files of the library that ``cge run`` can solve.

    Batch files and the files of the elasticity study (``china_2018_*``) are left out.
    """
    import yaml

    out = []
    for path in sorted(Path(folder).glob(pattern)):
        if path.name.startswith("china_2018_"):
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and "sam" in raw and "grid" not in raw:
            out.append(path)
    return out


def run_scenarios(paths: Iterable[str | Path], solver: str = "persistent") -> dict:
    """Solve scenario files, one model per (SAM, model, elasticities); ``{name: RunResult}``."""
    from .runs import run_scenario
    from .scenario import Scenario

    models: dict[tuple, object] = {}
    results = {}
    for path in paths:
        scenario = Scenario.from_yaml(path)
        key = (str(Path(scenario.sam).resolve()) if isinstance(scenario.sam, (str, Path))
               else id(scenario.sam), scenario.model, repr(sorted(scenario.elasticities.items())))
        model = models.get(key)
        if model is None:
            model = models[key] = scenario.build()
        else:
            model.reset()
            model.apply_closure(scenario.closure or {})
        log.info("solving %s", scenario.name)
        results[scenario.name] = run_scenario(scenario, solver=solver, model=model)
    return results


def summary_table(results: dict) -> pd.DataFrame:
    """One row per run: the macro indicators and the aggregate absorption ratio."""
    rows = {}
    for name, r in results.items():
        ind = r.indicators or {}
        ar = ind.get("absorption_ratio", {})
        unemployment = ind.get("unemployment_rate", {})
        rows[name] = {
            "closure": f"{r.closure['labour']}/{r.closure['capital']}",
            "real_gdp_pct": ind.get("real_gdp"),
            "household_consumption_pct": ind.get("real_household_consumption"),
            "equivalent_variation": ind.get("equivalent_variation"),
            "employment_pct": _employment_change(ind),
            "unemployment_rate": unemployment.get("counterfactual"),
            "real_wage_pct": ind.get("real_wage"),
            "real_exchange_rate_pct": ind.get("real_exchange_rate"),
            "trade_balance_change": _change(ind.get("trade_balance")),
            "government_saving_change": _change(ind.get("government_saving")),
            "absorption_ratio_C_SEC": ar.get("C_SEC"),
            "absorption_ratio_total": ar.get("total"),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out


def _change(entry) -> float | None:
    return None if not entry else entry["counterfactual"] - entry["base"]


def _employment_change(ind) -> float:
    jobs = ind.get("employment")
    if not jobs:
        return 0.0
    b = sum(x["base"] for x in jobs.values())
    c = sum(x["counterfactual"] for x in jobs.values())
    return 100.0 * (c - b) / b


def run_headline(folder: str | Path = LIBRARY, solver: str = "persistent") -> dict:
    """Solve the two headline scenarios of ``folder``; ``{name: RunResult}``."""
    return run_scenarios([Path(folder) / f"{n}.yaml" for n in HEADLINE], solver=solver)


def headline_table(results: dict, sam=None) -> pd.DataFrame:
    """The headline experiment, one column per closure, with the fixed-price bound.

    Rows: secondary exports, home sales and output (percent), the absorption ratio of
    C_SEC and in total, each beside the fixed-price multiplier bound of the same export loss
    (:func:`cge.io_analysis.absorption_bound`), real GDP, household consumption,
    EV, employment, real wage, real exchange rate.
    """
    from .indicators import sector_indicators

    cols = {}
    for name in HEADLINE:
        if name not in results:
            continue
        r = results[name]
        ind, cmp = r.indicators, r.compare()
        sectors = sector_indicators(r.base, r.counterfactual)
        bound = _bound(r, sectors, sam)
        label = ("long run" if r.closure["labour"] == "full_employment" else "short run")
        cols[label] = {
            "secondary exports, %": cmp.loc[("exports", "C_SEC"), "percent"],
            "secondary world export price, %": cmp.loc[("world_export_price", "C_SEC"),
                                                       "percent"],
            "secondary home sales, %": cmp.loc[("domestic_sales", "C_SEC"), "percent"],
            "secondary output, %": cmp.loc[("output", "A_SEC"), "percent"],
            "absorption ratio C_SEC": ind["absorption_ratio"].get("C_SEC"),
            "fixed-price bound C_SEC": bound["C_SEC"],
            "absorption ratio, all sectors": ind["absorption_ratio"].get("total"),
            "fixed-price bound, all sectors": bound["total"],
            "real GDP, %": ind["real_gdp"],
            "household consumption, %": ind["real_household_consumption"],
            "EV, 100 million yuan": ind["equivalent_variation"],
            "employment, %": _employment_change(ind),
            "real wage, %": ind.get("real_wage"),
            "real exchange rate, %": ind["real_exchange_rate"],
        }
    return pd.DataFrame(cols)


def _bound(run, sectors: pd.DataFrame, sam, shocked: str = "C_SEC") -> dict[str, float]:
    """Fixed-price absorption ratio (all sectors) of the run's export change of ``shocked``.

    The bound takes the exogenous export loss alone; the CGE's other export changes
    are responses to prices, which the fixed-price model does not have.
    """
    from .io_analysis import absorption_bound

    sam = sam if sam is not None else run.scenario.load_sam()
    change = {shocked: float(sectors.at[shocked, "exports_change"])}
    table = absorption_bound(sam, change)
    return {shocked: float(table.at[shocked, "absorption_ratio"]),
            "total": float(table["domestic_sales_change"].sum() / -table["export_change"].sum())}
