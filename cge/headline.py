"""The headline experiment and the scenario library: run many scenario files cheaply.

:func:`run_scenarios` solves scenario files, building one model per distinct SAM,
specification and elasticities and switching only the closure between runs.
:func:`headline_table` is the compact answer to the internal-circulation question:
secondary export demand 20 % lower, long run against short run. The shocked commodity, its
activity and the unit come from the scenario and its SAM (:func:`experiment`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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

    Batch files and the files of the elasticity study (``china_2018_*``) are left out.
    Raises a ConfigError naming ``folder`` when it holds no such file.
    """
    import yaml

    out = []
    for path in sorted(_folder(folder).glob(pattern)):
        if path.name.startswith("china_2018_"):
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and "sam" in raw and "grid" not in raw:
            out.append(path)
    if not out:
        raise ConfigError(f"no scenario files {pattern} in {folder}", [Problem(
            "missing_file", str(folder), f"no scenario files {pattern}",
            "give the folder of the China scenario library (sam_data/scenarios)")])
    return out


def headline_files(folder: str | Path = LIBRARY) -> list[Path]:
    """The two scenario files of the headline experiment (:data:`HEADLINE`) in ``folder``."""
    paths = [_folder(folder) / f"{n}.yaml" for n in HEADLINE]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"the headline scenarios are not in {folder}", [Problem(
            "missing_file", str(p), "not found",
            "give the folder of the China scenario library with --scenarios DIR "
            "(`cge examples DIR` copies it to DIR/scenarios)") for p in missing])
    return paths


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
