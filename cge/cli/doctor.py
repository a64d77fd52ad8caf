"""``cge doctor``: is the solver stack here and working?"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check Python, Pyomo, Ipopt and PyNumero's ASL library")
    p.add_argument("--strict", action="store_true",
                   help="exit non-zero unless a test problem solves with cyipopt")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..doctor import check_stack

    report = check_stack(solve=True)
    for key, value in report.items:
        print(f"{key:<24} {value}")
    for fix in report.fixes:
        print(f"fix: {fix}")
    return 0 if (report.ok or not args.strict) else 1
