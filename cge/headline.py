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

from .errors import ConfigError, Problem
from .examples import examples_folder
from .report import employment_change

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
            "employment, %": employment_change(ind),
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
