"""``cge io``: input-output and SAM-multiplier analysis of a SAM file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import Problem, SAMError
from ._paths import output_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "io", help="input-output multipliers, linkages, value added in exports of a SAM",
        description="Input-output and fixed-price SAM-multiplier analysis: output, value-added "
                    "and employment multipliers, backward and forward linkages, domestic value "
                    "added in exports and the fixed-price absorption bound of export losses.")
    p.add_argument("file", metavar="FILE", help="SAM workbook (.xlsx) or CSV file")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help="write every table to this workbook")
    p.add_argument("--employment", metavar="EMP.csv",
                   help="CSV with columns account, employment (one row per activity or good); "
                        "default: labour compensation as the employment proxy")
    p.add_argument("--labour", action="append", metavar="ACCOUNT",
                   help="labour factor account for the proxy (repeatable; default: factors "
                        "named like labour or wages)")
    p.add_argument("--rows", type=int, default=30, metavar="N",
                   help="print at most N sectors per table (default 30)")
    p.add_argument("--force", action="store_true",
                   help="allow OUT.xlsx to be an input file (it is overwritten)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..indicators import labour_demand_elasticity
    from ..io_analysis import analyse, labour_shares, multiplier_absorption_ratios
    from ..sam.io import read_sam

    inputs = [args.file] + ([args.employment] if args.employment else [])
    xlsx = output_path(args.xlsx, inputs, "--xlsx", args.force) if args.xlsx else None
    sam = read_sam(args.file)
    employment = read_employment(args.employment) if args.employment else None
    result = analyse(sam, employment=employment, labour=args.labour)
    n = len(result.leontief)
    unit = f" ({sam.unit})" if sam.unit else ""
    print(f"{sam.name}: {n} sectors{unit}; industry-technology assumption, exports sold by "
          f"producers")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        _section("Multipliers per unit of final demand, linkages (Rasmussen backward, Ghosh "
                 "forward)", result.summary(), args.rows)
        if result.employment_source:
            print(f"employment: {result.employment_source}")
        exports = result.exports_va["exports"].sum()
        print(f"\nDomestic value added in exports: {result.exports_va['domestic_va'].sum():,.6g} "
              f"of {exports:,.6g} exported ({100 * result.export_va_share:.1f} %)")
        if result.absorption is None:
            print("\nNo SAM multipliers: the endogenous accounts form a closed system")
        else:
            _section("Fixed-price (demand-driven) absorption bound: change in domestic sales per "
                     "unit of export loss, SAM multipliers", result.absorption, args.rows)
            _section("Fixed-price absorption ratio by endogenous set (production; plus "
                     "households and enterprises; plus government; plus saving-investment)",
                     multiplier_absorption_ratios(sam), args.rows)
        shares = labour_shares(sam, args.labour)
        if len(shares):
            _section("Labour-demand elasticity of Cobb-Douglas value added (absolute value): "
                     "capital fixed 1/(1-s_L), capital variable at constant output 1-s_L",
                     pd.DataFrame({"labour_share": shares,
                                   "capital_fixed": labour_demand_elasticity(shares, 1.0),
                                   "constant_output": labour_demand_elasticity(
                                       shares, 1.0, fixed_capital=False)}), args.rows)
    if xlsx is not None:
        path = result.to_excel(xlsx)
        print(f"\nwrote {len(result.tables())} tables to {path}")
    return 0


def read_employment(path: str | Path):
    """Employment by sector from a CSV file with columns account, employment."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise SAMError(f"{path}: no such file", [Problem("missing_file", str(path),
                                                         "cannot be read", "check the path")])
    frame = pd.read_csv(path, dtype=str)
    if frame.shape[1] < 2:
        raise SAMError(f"{path.name}: needs two columns", [Problem(
            "employment", path.name, f"found columns {list(frame.columns)}",
            "write a header 'account,employment' and one row per sector")])
    values = pd.to_numeric(frame.iloc[:, 1].str.strip(), errors="coerce")
    bad = [Problem("non_numeric", f"{path.name} line {i + 2}",
                   f"employment {frame.iloc[i, 1]!r} of {frame.iloc[i, 0]!r} is not a number",
                   "enter a number") for i in range(len(frame)) if pd.isna(values.iloc[i])]
    if bad:
        raise SAMError(f"{path.name}: cannot read employment", bad)
    return pd.Series(values.to_numpy(), index=frame.iloc[:, 0].str.strip(), name="employment")


def _section(title: str, table, rows: int) -> None:
    shown = table.head(rows).copy()
    for column in shown.columns:
        if shown[column].dtype == bool:
            shown[column] = shown[column].map({True: "yes", False: ""})
    print(f"\n{title}")
    print(shown.to_string(float_format=lambda v: f"{v:,.3f}"))
    if len(table) > rows:
        print(f"... and {len(table) - rows} more (every row with --xlsx)")
