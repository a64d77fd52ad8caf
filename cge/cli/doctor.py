"""``cge doctor``: is the solver stack here and working, and is the package complete?"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check Python, Pyomo, Ipopt, PyNumero's ASL library and "
                                      "the installed package")
    p.add_argument("--strict", action="store_true",
                   help="exit non-zero unless a test problem solves with cyipopt, every module "
                        "of cge imports and the bundled examples are there")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..doctor import check_examples, check_modules, check_stack

    report = check_examples(check_modules(check_stack(solve=True)))
    for key, value in report.items:
        print(f"{key:<24} {value}")
    for fix in dict.fromkeys(report.fixes):   # each fix once
        print(f"fix: {fix}")
    return 0 if (report.ok or not args.strict) else 1
