"""``cge report`` (workbook and figures from run results) and ``cge headline``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._paths import output_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="workbook and figures from cge run results",
        description="Read cge run JSON results (files or folders) and write a workbook with a "
                    "summary sheet, an indicators sheet, one sheet per block of variables and "
                    "native Excel charts; optionally PNG figures (absorption by sector, output "
                    "and prices, welfare).")
    p.add_argument("results", nargs="+", metavar="RESULTS",
                   help="cge run JSON files or folders of them")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help="write the workbook here")
    p.add_argument("--figures", metavar="DIR", help="write PNG figures into this folder")
    p.add_argument("--force", action="store_true",
                   help="allow OUT.xlsx to be one of the RESULTS files (it is overwritten)")
    p.add_argument("--unit", metavar="TEXT", default=None,
                   help="unit of the values, e.g. '100 million yuan' (default: the unit the "
                        "JSON names, else 'SAM units')")
    p.set_defaults(func=report)

    h = sub.add_parser(
        "headline", help="the headline experiment on the China SAM, by closure family",
        description="Solve secondary export demand -20 %% on the China 2018 SAM under four "
                    "closure families (long run; short run with a fixed real wage; wage "
                    "curve; Keynesian with excess capacity), print the grid that answers the "
                    "internal-circulation question with a reading generated from it, rerun "
                    "the demand policies of the library under the short-run, wage-curve and "
                    "Keynesian closures (employment and GDP per yuan of fiscal cost) and "
                    "write the JSON results, the workbook and the figures to an output "
                    "folder. With --library, every scenario of the China library is solved "
                    "and summarised as well.")
    h.add_argument("--out", metavar="DIR", default="output",
                   help="output folder (default: output)")
    h.add_argument("--library", action="store_true",
                   help="also solve every china_*.yaml scenario of the library")
    h.add_argument("--no-policies", action="store_true",
                   help="skip the policy library under the short-run, wage-curve and "
                        "Keynesian closures (solved by default)")
    h.add_argument("--no-band", action="store_true",
                   help="skip the 5-95 %% band of the absorption ratio over the elasticities "
                        "(8 solves through the batch engine, into DIR/band)")
    h.add_argument("--scenarios", metavar="DIR", default=None,
                   help="folder of the China scenario library (default: the bundled one, "
                        "sam_data/scenarios; `cge examples DIR` copies it)")
    h.set_defaults(func=headline)


def report(args: argparse.Namespace) -> int:
    from ..path_report import check_path_runs, path_summary
    from ..report import load_runs, summary_frame, write_figures, write_workbook

    xlsx = (output_path(args.xlsx, _result_files(args.results), "--xlsx", args.force)
            if args.xlsx else None)
    runs = load_runs(args.results)
    summary = path_summary(runs) if check_path_runs(runs) else summary_frame(runs)
    print(summary.to_string(float_format=lambda x: f"{x:,.3f}"))
    if xlsx is not None:
        print(f"wrote {write_workbook(runs, xlsx, unit=args.unit)}")
    if args.figures:
        for path in write_figures(runs, args.figures, unit=args.unit):
            print(f"wrote {path}")
    return 0


def _result_files(paths: list[str]) -> list[Path]:
    """The files named, and the JSON files of the folders named."""
    files = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return files


def headline(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..headline import (
        HEADLINE,
        LIBRARY,
        command_files,
        elasticity_band,
        experiment,
        grid_table,
        headline_table,
        library_files,
        policy_table,
        reading,
        run_policies,
        run_scenarios,
    )
    from ..report import summary_frame, write_figures, write_workbook

    folder = Path(args.scenarios) if args.scenarios else LIBRARY
    library = library_files(folder) if args.library else []
    paths = command_files(folder, policies=not args.no_policies)
    paths += [p for p in library if p not in paths]
    out = Path(args.out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    results = run_scenarios(paths)
    sam = results[HEADLINE[0]].scenario.load_sam()
    exp = experiment(results[HEADLINE[0]], sam)
    runs = {}
    for name, r in results.items():
        data = r.to_json_dict()
        (out / "runs" / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n",
                                                   encoding="utf-8")
        runs[name] = data
    number = {"float_format": lambda x: f"{x:,.3f}", "na_rep": "n/a"}
    grid = grid_table(runs, exp)
    band = None if args.no_band else elasticity_band(out / "band", exp, folder=folder)
    grid.attrs["reading"] = reading(grid, exp, band)
    print(f"{grid.attrs['title']}:")
    print(grid.to_string(**number))
    print()
    print("\n".join(grid.attrs["reading"]))
    table = headline_table(results, sam)
    tables = {"grid": grid}
    if not args.no_policies:
        policy_runs, outlays, families = run_policies(folder)
        policy_json = {n: r.to_json_dict() for n, r in policy_runs.items()}
        policies = policy_table(policy_json, outlays, families)
        tables["policies"] = policies
        print(f"\n{policies.attrs['title']}:")
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            print(policies.to_string(index=False, **number))
        print("\n".join(policies.attrs["reading"]))
    headline_runs = {n: runs[n] for n in HEADLINE}
    bounds = {exp.commodity: table.loc[f"fixed-price bound {exp.commodity}"].iloc[0],
              "total": table.loc["fixed-price bound, all sectors"].iloc[0]}   # closure-free
    xlsx = write_workbook(runs, out / "report.xlsx", headline=table, bounds=bounds,
                          tables=tables)
    print(f"wrote {xlsx}")
    for path in write_figures(headline_runs, out / "figures", bounds):
        print(f"wrote {path}")
    if args.library:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(summary_frame(runs).drop(columns=["status"]).to_string(
                float_format=lambda x: f"{x:,.3f}"))
    print(f"results in {out}/runs, workbook {out}/report.xlsx, figures {out}/figures")
    return 0
