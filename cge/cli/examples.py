"""``cge examples``: copy the bundled SAMs and scenario files into a folder."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "examples", help="copy the bundled SAMs and scenario files into a folder",
        description="Copy the bundled SAMs (workbooks, CSV and their accounts files) and the "
                    "scenario files into DIR, keeping their layout, so that the scenarios run "
                    "from there as they are: cge run DIR/scenarios/NAME.yaml. Existing files "
                    "are not overwritten unless --force.")
    p.add_argument("dir", metavar="DIR", help="target folder (created when missing)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist in DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..examples import copy_examples

    written = copy_examples(args.dir, force=args.force)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} files in {args.dir}; try: cge run "
          f"{args.dir}/scenarios/stdcge_tariff_abolition.yaml")
    return 0
