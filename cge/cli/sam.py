"""``cge sam``: check, balance, aggregate and build SAM workbooks.

``cge sam check`` is meant to be run after every edit of a workbook, so this module
and everything it imports stay light: no Pyomo, no solver.
"""

from __future__ import annotations

import argparse
import textwrap

from ..errors import Problem, SAMError
from ._paths import output_path

_WIDTH = 100
#: ``cge sam check`` lists this many accounts out of balance (largest first), then counts.
_MAX_IMBALANCES_SHOWN = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sam", help="check, balance and aggregate SAMs (.xlsx or .csv)",
                       description="Check, balance and aggregate social accounting matrices.")
    cmds = p.add_subparsers(dest="sam_command", metavar="SUBCOMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])

    check = cmds.add_parser(
        "check", help="validate a SAM and summarise it; exit 2 listing every problem",
        description="Validate a SAM file: every cell, label and role, and the balance of every "
                    "account. Exits 0 for a valid, balanced SAM and 2 otherwise.")
    check.add_argument("file", metavar="FILE", help="SAM workbook (.xlsx) or CSV file")
    check.add_argument("--tol", type=float, default=None, metavar="RTOL",
                       help="relative tolerance of |row total - column total| (default 1e-9)")
    check.set_defaults(func=run_check, imports=("cge.sam.io",))

    bal = cmds.add_parser(
        "balance", help="balance a SAM by RAS or cross-entropy and write it to a new file",
        description="Balance a SAM (receipts = payments for every account) and write the result "
                    "with a sheet 'changes' listing every changed cell. The input is never "
                    "overwritten.")
    bal.add_argument("file", metavar="FILE", help="SAM workbook (.xlsx) or CSV file")
    bal.add_argument("--method", choices=("ras", "cross-entropy", "cross_entropy"), default="ras",
                     help="ras: scale to target totals (fixed or the row/column average); "
                          "cross-entropy: let unfixed totals find their level (default ras)")
    bal.add_argument("--out", required=True, metavar="OUT", help="output file (.xlsx or .csv)")
    bal.add_argument("--fix-cell", action="append", default=[], metavar="RECEIVER,PAYER",
                     help="keep this cell (row account, column account) as it is; repeatable")
    bal.add_argument("--fix-total", action="append", default=[], metavar="ACCOUNT[=VALUE]",
                     help="fix the account's total to VALUE, or to its current row total; "
                          "repeatable")
    bal.add_argument("--tol", type=float, default=1e-12, metavar="RTOL",
                     help="relative balance tolerance (default 1e-12)")
    bal.add_argument("--top", type=int, default=15, metavar="N",
                     help="show the N largest changes (default 15)")
    bal.add_argument("--force", action="store_true", help="allow OUT to be the input file")
    bal.set_defaults(func=run_balance)

    agg = cmds.add_parser(
        "aggregate", help="merge accounts into groups given by a mapping CSV",
        description="Aggregate a SAM: accounts of one group become one account (flows add up).")
    agg.add_argument("file", metavar="FILE", help="SAM workbook (.xlsx) or CSV file")
    agg.add_argument("--map", required=True, metavar="MAP.csv", dest="mapping",
                     help="CSV with columns account, group and optionally role")
    agg.add_argument("--out", required=True, metavar="OUT", help="output file (.xlsx or .csv)")
    agg.add_argument("--force", action="store_true", help="allow OUT to be the input file")
    agg.set_defaults(func=run_aggregate)

    build = cmds.add_parser(
        "build", help="build a balanced SAM from an input-output table and published figures",
        description="Build a balanced SAM workbook (sheets SAM, accounts, sources, checks) and "
                    "its CSV copy from a YAML config naming an input-output table in the NBS "
                    "layout, tables of published figures, a household survey and the steps "
                    "that place them (docs/sam_build.md). Published cells are held fixed while "
                    "balancing; the same inputs give the same files byte for byte.")
    build.add_argument("config", metavar="CONFIG.yaml", help="the build config")
    build.add_argument("--out", default=None, metavar="PATH",
                       help="output workbook (.xlsx, with a CSV copy beside it) or .csv "
                            "(default: the config's output)")
    build.set_defaults(func=run_build, imports=("cge.sam.build", "cge.sam.io"))


# -- check --------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    from ..sam.core import BALANCE_RTOL
    from ..sam.io import check_sam

    rtol = BALANCE_RTOL if args.tol is None else args.tol
    report = check_sam(args.file, rtol=rtol)
    if report.sam is not None:
        print(describe(report.sam, rtol))
    if report.problems:
        what = ("is out of balance" if not report.errors
                else "is not a valid SAM")
        shown = report.errors + report.imbalances[:_MAX_IMBALANCES_SHOWN]
        hidden = len(report.imbalances) - _MAX_IMBALANCES_SHOWN
        if hidden > 0:
            shown.append(Problem("imbalance", "", f"... and {hidden} more accounts out of "
                                 "balance, by smaller amounts"))
        raise SAMError(f"{args.file} {what}: {len(report.problems)} problem(s)", shown)
    print("OK: valid and balanced")
    return 0


def describe(sam, rtol: float) -> str:
    """Summary of a SAM: name, unit, accounts by role, grand total, largest imbalance."""
    unit = f" {sam.unit}" if sam.unit else ""
    lines = [f"SAM {sam.name!r}  unit: {sam.unit or '(not given)'}  accounts: {len(sam.labels)}"]
    roles = sam.roles
    width = max(len(r) for r in roles)
    for role in dict.fromkeys(roles):
        members = [a for a, r in roles.items() if r == role]
        head = f"  {role:<{width}} {len(members):>4}  "
        lines.append(textwrap.fill(", ".join(members), width=_WIDTH, initial_indent=head,
                                   subsequent_indent=" " * len(head)))
    lines.append(f"grand total: {sam.total:,.6g}{unit}")
    diff = (sam.row_totals() - sam.column_totals()).abs()
    if len(diff) and diff.max() == 0:
        lines.append("largest imbalance: 0 (every account's receipts equal its payments)")
    elif len(diff):
        worst = diff.idxmax()
        verdict = "out of balance" if not sam.is_balanced(rtol) else f"within rtol {rtol:g}"
        lines.append(f"largest imbalance: {diff[worst]:.3g}{unit} (account {worst}), {verdict}")
    return "\n".join(lines)


# -- balance and aggregate -------------------------------------------------------------------
def _fixed_cells(specs: list[str]) -> list[tuple[str, str]]:
    cells, problems = [], []
    for spec in specs:
        parts = [s.strip() for s in spec.split(",")]
        if len(parts) != 2 or not all(parts):
            problems.append(Problem("bad_fixed_cell", f"--fix-cell {spec}",
                                    "is not RECEIVER,PAYER",
                                    "give the row account and the column account, e.g. C1,HH"))
        else:
            cells.append((parts[0], parts[1]))
    if problems:
        raise SAMError("cannot read the fixed cells", problems)
    return cells


def _fixed_totals(specs: list[str]) -> dict[str, float | None]:
    totals: dict[str, float | None] = {}
    problems = []
    for spec in specs:
        account, sep, value = spec.partition("=")
        account = account.strip()
        try:
            totals[account] = float(value) if sep else None
        except ValueError:
            problems.append(Problem("bad_fixed_total", f"--fix-total {spec}",
                                    f"{value!r} is not a number",
                                    "write ACCOUNT=VALUE, or ACCOUNT to keep its current total"))
        if not account:
            problems.append(Problem("bad_fixed_total", f"--fix-total {spec}", "no account",
                                    "write ACCOUNT=VALUE"))
    if problems:
        raise SAMError("cannot read the fixed totals", problems)
    return totals


def run_balance(args: argparse.Namespace) -> int:
    from ..sam.balance import balance
    from ..sam.io import read_sam, write_sam

    out = output_path(args.out, [args.file], "--out", args.force)
    cells, totals = _fixed_cells(args.fix_cell), _fixed_totals(args.fix_total)
    sam = read_sam(args.file)
    result = balance(sam, args.method.replace("-", "_"), fixed_cells=cells,
                     fixed_totals=totals or None, rtol=args.tol)
    extra = {"changes": result.changes} if out.suffix.lower() != ".csv" else None
    write_sam(result.sam, out, extra_sheets=extra)
    print(result.summary(top=args.top))
    if cells or totals:
        print(f"kept: {len(cells)} fixed cell(s), {len(totals)} fixed total(s)")
    where = " (sheet 'changes' lists every changed cell)" if extra else ""
    print(f"wrote {out}{where}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    from ..sam.build import build_sam

    built = build_sam(args.config)
    out = output_path(args.out or built.output, built.inputs, "--out")
    written = built.write(out)
    sam, checks = built.sam, built.checks
    worst = checks.loc[checks["check"] == "balance", "difference"].abs().max()
    held = checks.loc[checks["check"] != "balance", "difference"].abs().max()
    print(f"{sam.name}: {len(sam.labels)} accounts, {len(built.fixed)} fixed cell(s), "
          f"{len(built.sources)} source block(s)")
    print(f"largest row-column difference {worst:.3g}; largest fixed-cell deviation "
          f"{0.0 if held != held else held:.3g}")
    for path in written:
        print(f"wrote {path}")
    return 0


def run_aggregate(args: argparse.Namespace) -> int:
    from ..sam.aggregate import aggregate, read_mapping
    from ..sam.io import read_sam, write_sam

    out = output_path(args.out, [args.file, args.mapping], "--out", args.force)
    sam = read_sam(args.file)
    mapping = read_mapping(args.mapping)
    new = aggregate(sam, mapping)
    group_of = dict(zip(mapping["account"].astype(str), mapping["group"].astype(str), strict=True))
    write_sam(new, out)
    print(f"{len(sam.labels)} accounts -> {len(new.labels)} accounts")
    width = max(len(a) for a in new.labels)
    role_width = max(len(r) for r in new.roles)
    for acc, role in new.roles.items():
        members = [a for a in sam.labels if group_of.get(a, a) == acc]
        head = f"  {acc:<{width}}  {role:<{role_width}}  "
        lines = textwrap.fill("<- " + ", ".join(members), width=_WIDTH, initial_indent=head,
                              subsequent_indent=" " * (len(head) + 3))
        print(lines)
    print(f"wrote {out}")
    return 0
