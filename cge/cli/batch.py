"""``cge batch`` and ``cge batch-report``: many counterfactuals, then their spread."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="solve a batch of scenarios (grid, Monte Carlo, list) into a result store",
        description="Solve every scenario of BATCH into the store in DIR. Rerunning the same "
                    "command skips scenarios already solved and reruns failed or missing ones.")
    p.add_argument("batch", metavar="BATCH", help="batch file (.yaml, or .xlsx with sheets "
                   "'settings' and 'scenarios')")
    p.add_argument("--store", required=True, metavar="DIR",
                   help="result store directory (SQLite database batch.sqlite inside)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: number of CPUs)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--chunk-size", type=int, metavar="K",
                   help="scenarios per task (default: chosen from the batch size)")
    p.add_argument("--json", metavar="SUMMARY.json", help="also write the summary as JSON")
    p.add_argument("--force", action="store_true",
                   help="let --json overwrite an input file (the batch file)")
    p.add_argument("--append", action="store_true",
                   help="add to a --store holding another base scenario's batch (kept apart "
                        "by base digest) instead of refusing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--runner", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=run_batch_command)

    r = sub.add_parser(
        "batch-report", help="quantiles and sensitivity plots of a batch's results",
        description="Summarise the result store in DIR: quantiles of the key outputs and "
                    "indicators, sensitivity plots (PNG) and an Excel workbook.")
    r.add_argument("store", metavar="DIR", help="result store directory of `cge batch`")
    r.add_argument("--out", metavar="OUT", help="output directory (default: DIR/report)")
    r.add_argument("--base-digest", metavar="DIGEST",
                   help="report on the batch of this base only (a store filled with --append)")
    r.set_defaults(func=run_report_command)


def run_batch_command(args: argparse.Namespace) -> int:
    from ..batch import read_batch, run_batch
    from ..batch.worker import MODEL_RUNNER
    from ..errors import ConfigError
    from ._paths import output_path

    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: give at least one worker")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    json_path = (output_path(args.json, [args.batch], "--json", args.force)
                 if args.json else None)   # refused before anything runs
    batch = read_batch(args.batch)
    summary = run_batch(batch, args.store, workers=args.workers, scheduler=args.scheduler,
                        runner=args.runner or MODEL_RUNNER, chunk_size=args.chunk_size,
                        progress=not args.no_progress, append=args.append)
    data = summary.as_dict()
    print(f"{data['total']} scenarios: {data['solved']} solved, {data['failed']} failed, "
          f"{data['skipped']} skipped (already solved) in {data['seconds']:.1f} s; "
          f"store {Path(args.store) / 'batch.sqlite'}")
    if summary.failures:
        print("first failures (all in the store's scenarios table, column reason):")
        for name, reason in summary.failures:
            print(f"  {name}: {reason}")
    if json_path is not None:
        json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0 if data["failed"] == 0 else 1


def run_report_command(args: argparse.Namespace) -> int:
    from ..batch.report import batch_report

    out = Path(args.out) if args.out else Path(args.store) / "report"
    written = batch_report(args.store, out, args.base_digest)
    for path in written:
        print(path)
    return 0
