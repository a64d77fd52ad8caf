"""The ``cge`` command line.

Each concern registers its own sub-commands from a module of this package
(``sam``, ``run``, ``io``, ``batch``, ``report``, ``examples``, ``doctor``). Modules
import the heavy stack (Pyomo, cyipopt, openpyxl) only inside their handlers, or name it
in ``set_defaults(imports=...)`` to have :func:`main` load it first (see
:func:`load_imports`), so ``cge sam check`` does not pay for the solver.

Errors meant for the user (:class:`cge.errors.CGEError`) are printed without a
traceback and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable

from ..errors import CGEError

#: Modules of this package that register sub-commands, in help order.
COMMAND_MODULES = ("sam", "run", "io", "batch", "report", "examples", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cge",
        description="Computable general equilibrium and input-output models on SAMs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # command not (yet) part of this build
            raise
        module.register(sub)
    return parser


#: True when the command line runs as a program of its own (see :func:`console`).
STANDALONE = False


def console() -> int:
    """Entry point of the ``cge`` program: :func:`main` in a process of its own."""
    global STANDALONE
    STANDALONE = True
    return main()


def load_imports(modules: Iterable[str]) -> None:
    """Import a command's heavy modules (``set_defaults(imports=...)``) before it runs.

    A command runs once and exits, and the objects its imports create (Pyomo,
    pandas, scipy: hundreds of thousands) are no garbage and live until the end.
    In a program of its own the cyclic garbage collector is therefore paused while
    they load (which took ``cge run`` of stdcge from 1.31 to 1.10 times the time of
    importing the solver stack alone), and they are then frozen, so that no later
    collection, nor the one at exit, traverses them again; the collector runs as
    usual for the command itself. A caller of :func:`main` keeps its collector.
    """
    if not STANDALONE:
        for name in modules:
            importlib.import_module(name)
        return
    import gc

    gc.disable()
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        load_imports(getattr(args, "imports", ()))
        return int(args.func(args) or 0)
    except CGEError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
