"""The headline and the China scenario library on two SAMs, side by side (markdown).

Run from the repository root::

    .venv/bin/python benchmarks/compare_sams.py OLD_SAM NEW_SAM [--out FILE]

Each SAM (``.csv`` or ``.xlsx``) is copied with the bundled scenario library into a temporary
folder, as ``china_2018_3sector.csv`` beside ``scenarios/``, so every scenario file runs on it
unchanged. The tables: the headline grid (secondary export demand -20 % under the four closure
families), every library scenario (real GDP, household consumption, employment, EV), the
demand policies under the headline's closure families (employment and GDP per yuan), the
rural and urban households under the export shocks (new SAM), and taxes by type as a share of
GDP on each SAM. ``docs/china_sam.md`` holds the output for the bundled SAM against its
predecessor.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from cge.headline import (
    LIBRARY,
    experiment,
    grid_files,
    grid_table,
    library_files,
    policy_table,
    run_policies,
    run_scenarios,
)
from cge.report import employment_change
from cge.sam.io import read_sam, write_sam

#: Tax accounts by role, reported as a share of GDP.
TAX_ROLES = ("production_tax", "import_tariff", "import_tax", "export_tax", "direct_tax")


def library_copy(sam_path: Path, folder: Path) -> Path:
    """The scenario library in ``folder/scenarios`` with ``sam_path`` as its China SAM."""
    shutil.copytree(LIBRARY, folder / "scenarios", ignore=shutil.ignore_patterns("README.md"))
    write_sam(read_sam(sam_path), folder / "china_2018_3sector.csv")
    return folder / "scenarios"


def solve(sam_path: Path) -> dict:
    """Library runs (JSON dicts), the headline grid and the policy table on one SAM."""
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = library_copy(sam_path, Path(tmp))
        runs = run_scenarios(library_files(scenarios))
        grid_runs = {p.stem: runs[p.stem] for p in grid_files(scenarios)}
        exp = experiment(next(iter(grid_runs.values())))
        grid = grid_table({k: r.to_json_dict() for k, r in grid_runs.items()}, exp)
        policies = policy_table(*_policies(scenarios))
        return {"runs": {k: r.to_json_dict() for k, r in runs.items()}, "grid": grid,
                "policies": policies, "sam": read_sam(sam_path)}


def _policies(scenarios: Path) -> tuple[dict, dict, dict]:
    runs, outlays, families = run_policies(scenarios)
    return {k: r.to_json_dict() for k, r in runs.items()}, outlays, families


def library_frame(runs: dict) -> pd.DataFrame:
    """Real GDP, household consumption and employment (%) and EV of every run."""
    rows = {}
    for name, data in runs.items():
        ind = data["indicators"]
        rows[name] = {"GDP": ind["real_gdp"], "cons.": ind["real_household_consumption"],
                      "empl.": employment_change(ind), "EV": ind["equivalent_variation"]}
    return pd.DataFrame(rows).T


def households_frame(runs: dict) -> pd.DataFrame:
    """Household income and real consumption (% change) by household, export-shock runs."""
    rows = {}
    for name, data in runs.items():
        if "export_demand" not in name and "world_price" not in name:
            continue
        income = data["results"]["household_income"]
        cons = data["indicators"]["real_household_consumption_by_household"]
        rows[name] = {f"{k} {h}": v for h in sorted(income) for k, v in (
            ("income", 100 * (income[h]["counterfactual"] / income[h]["base"] - 1)),
            ("real cons.", cons[h]))}
    return pd.DataFrame(rows).T


def library_table(runs: dict, folder: Path = LIBRARY) -> str:
    """The table of ``sam_data/scenarios/README.md``: file, what, mechanism, closure (from
    each file's comments and description) and the run's GDP, consumption, employment, EV."""
    import yaml

    lines = ["| file | what | mechanism | closure | GDP | cons. | empl. | EV |",
             "|---|---|---|---|---:|---:|---:|---:|"]
    results = library_frame(runs)
    for name in sorted(runs):
        text = (folder / f"{name}.yaml").read_text(encoding="utf-8")
        notes = {k: line.split(":", 1)[1].strip() for line in text.splitlines()
                 for k in ("Mechanism", "Closure") if line.startswith(f"# {k}:")}
        what = yaml.safe_load(text)["description"]
        r = results.loc[name]
        lines.append(f"| `{name}` | {what} | {notes.get('Mechanism', '')} | "
                     f"{notes.get('Closure', '')} | {r['GDP']:+.2f} | {r['cons.']:+.2f} | "
                     f"{r['empl.']:+.2f} | {r['EV']:+.0f} |")
    return "\n".join(lines)


def tax_frame(sam) -> pd.Series:
    """Tax revenue by tax account as a share of GDP (%): GDP = value added + taxes on trade."""
    m = sam.matrix
    acts, comms = sam.accounts_of("activity"), sam.accounts_of("commodity")
    factors = sam.accounts_of("factor")
    trade = [a for r in ("import_tariff", "import_tax", "export_tax") for a in sam.accounts_of(r)]
    production = sam.accounts_of("production_tax")
    gdp = (m.loc[[*factors, *production], acts].to_numpy().sum()
           + m.loc[trade, comms].to_numpy().sum())
    out = {f"{a} ({r})": 100 * m.loc[a].sum() / gdp for r in TAX_ROLES
           for a in sam.accounts_of(r)}
    out["GDP (100 million yuan)"] = gdp
    return pd.Series(out)


def side_by_side(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Columns ``X old``, ``X new`` for every column X."""
    cols = {}
    for c in old.columns.union(new.columns, sort=False):
        cols[f"{c} old"] = old.get(c)
        cols[f"{c} new"] = new.get(c)
    return pd.DataFrame(cols)


def markdown(frame: pd.DataFrame, digits: int = 2) -> str:
    def fmt(v):
        if isinstance(v, str):
            return v
        if v is None or pd.isna(v):
            return "n/a"
        return f"{v:+,.{digits}f}" if abs(v) < 1e4 else f"{v:+,.0f}"
    header = "| | " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|---|" + "---:|" * len(frame.columns)
    body = ["| " + str(i) + " | " + " | ".join(fmt(v) for v in row) + " |"
            for i, row in zip(frame.index, frame.to_numpy().tolist(), strict=True)]
    return "\n".join([header, rule, *body])


def report(old: dict, new: dict) -> str:
    parts = ["## Headline grid (secondary export demand -20 %)", "",
             markdown(side_by_side(old["grid"], new["grid"])), "",
             "## The scenario library", "",
             "Real GDP, household consumption and employment in % change; EV in 100 million "
             "yuan.", "",
             markdown(side_by_side(library_frame(old["runs"]), library_frame(new["runs"]))), "",
             "## Demand policies by closure family", ""]
    keys = ["policy", "closure"]
    cols = ["employment, %", "real GDP, %", "employment per yuan", "GDP per yuan"]
    a = old["policies"].set_index(keys)[cols]
    b = new["policies"].set_index(keys)[cols]
    a.index = b.index = [f"{p}, {c}" for p, c in b.index]
    parts += [markdown(side_by_side(a, b), 3), "",
              "## Rural and urban households under the export shocks (new SAM)", "",
              markdown(households_frame(new["runs"])), "",
              "## Taxes by type, % of GDP", "",
              markdown(pd.DataFrame({"old": tax_frame(old["sam"]),
                                     "new": tax_frame(new["sam"])}).fillna(0.0)), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--out", type=Path, help="markdown file (default: print)")
    parser.add_argument("--library-table", type=Path,
                        help="also write the scenario library's table on the new SAM (the "
                             "format of sam_data/scenarios/README.md) to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    old, new = solve(args.old), solve(args.new)
    text = report(old, new)
    if args.library_table:
        args.library_table.write_text(library_table(new["runs"]) + "\n", encoding="utf-8")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
