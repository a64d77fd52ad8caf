"""The model's blocks and the order they are built in.

Each build step adds one Pyomo block (or adds equations to a block built before)
and declares the blocks whose variables it reads. :func:`build_blocks` runs the
steps of :data:`BUILD_STEPS` in order, checks that every block a step reads was
built by an earlier one, and hands each step a view of the model on which only
its own block and the blocks it declares can be read: an undeclared read, or a
component added to another block, fails at once with :class:`BuildOrderError`.

Some blocks are built in two steps, because their equations read blocks that
read them: the ``markets`` prices come first and market clearing last; the
government's direct tax is declared with the government and tied to household
and enterprise income after those blocks; the government's share of absorption
needs investment; the enterprises' saving rate reads the households' saving-rate
scaler; the balance of payments needs trade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .institutions import (
    add_balance_of_payments,
    add_direct_taxes,
    add_enterprise_saving_rates,
    add_enterprises,
    add_government,
    add_government_absorption_share,
    add_households,
    add_rest_of_world,
)
from .investment import add_investment
from .markets import add_market_clearing, add_prices
from .production import add_production
from .trade import add_trade


class BuildOrderError(RuntimeError):
    """A block step reads a block that is not declared or not yet built (a defect of
    :data:`BUILD_STEPS` or of a block, never of user input)."""


@dataclass(frozen=True)
class BuildStep:
    """One step of the model build.

    name : what the step adds; block : the Pyomo block it adds to (made by the first
    step naming it); reads : the blocks whose variables it reads; add : the function
    ``add(model, data)``.
    """

    name: str
    block: str
    reads: tuple[str, ...]
    add: Callable


#: The build steps in build order (``docs/model.md`` shows this table).
BUILD_STEPS: tuple[BuildStep, ...] = (
    BuildStep("prices", "markets", (), add_prices),
    BuildStep("production", "production", ("markets",), add_production),
    BuildStep("trade", "trade", ("markets", "production"), add_trade),
    BuildStep("rest_of_world", "rest_of_world", (), add_rest_of_world),
    BuildStep("government", "government",
              ("markets", "production", "trade", "rest_of_world"), add_government),
    BuildStep("enterprises", "enterprises", ("markets", "government"), add_enterprises),
    BuildStep("households", "households",
              ("markets", "government", "enterprises", "rest_of_world"), add_households),
    BuildStep("direct_taxes", "government", ("households", "enterprises"), add_direct_taxes),
    BuildStep("enterprise_saving_rates", "enterprises", ("households", "government"),
              add_enterprise_saving_rates),
    BuildStep("investment", "investment",
              ("markets", "production", "households", "enterprises", "government",
               "rest_of_world"),
              add_investment),
    BuildStep("government_absorption_share", "government",
              ("markets", "households", "investment"), add_government_absorption_share),
    BuildStep("market_clearing", "markets",
              ("production", "trade", "households", "government", "investment"),
              add_market_clearing),
    BuildStep("balance_of_payments", "rest_of_world", ("markets", "trade"),
              add_balance_of_payments),
)


def check_build_order(steps: tuple[BuildStep, ...] = BUILD_STEPS) -> None:
    """Raise :class:`BuildOrderError` unless every block a step reads is built earlier."""
    built: set[str] = set()
    for i, step in enumerate(steps):
        missing = [r for r in step.reads if r not in built]
        if missing:
            later = [s.name for s in steps[i + 1:] if s.block in missing]
            raise BuildOrderError(
                f"build step {step.name!r} reads {', '.join(missing)}, which no earlier step "
                f"builds" + (f" (built later by {', '.join(later)}: move {step.name!r} after "
                             "it)" if later else ""))
        built.add(step.block)


class _StepView:
    """The model as one build step may see it: its own block and those it reads."""

    def __init__(self, model, step: BuildStep):
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_step", step)

    def __getattr__(self, name: str):
        step = self._step
        if name != step.block and name not in step.reads and not name.startswith("_"):
            raise BuildOrderError(f"build step {step.name!r} reads block {name!r} without "
                                  f"declaring it (declared: {', '.join(step.reads) or 'none'})")
        return getattr(self._model, name)

    def __setattr__(self, name: str, value) -> None:
        if name != self._step.block:
            raise BuildOrderError(f"build step {self._step.name!r} adds a component "
                                  f"{name!r} to the model; it may add only {self._step.block!r}")
        setattr(self._model, name, value)


def build_blocks(model, data, steps: tuple[BuildStep, ...] = BUILD_STEPS) -> None:
    """Add every block to the Pyomo ``model`` in the order of ``steps`` (checked first)."""
    check_build_order(steps)
    model._unit_kind = {}   # dotted variable path -> unit kind (see _common.add_var)
    model._index_sets = {}   # keys -> the Pyomo set indexing by them (see _common.index_set)
    for step in steps:
        before = _sizes(model)
        step.add(_StepView(model, step), data)
        grown = [name for name, n in _sizes(model).items()
                 if name != step.block and n != before.get(name, n)]
        if grown:
            raise BuildOrderError(f"build step {step.name!r} adds components to "
                                  f"{', '.join(grown)}; it may add only to {step.block!r}")


def _sizes(model) -> dict[str, int]:
    """Number of components of each block of ``model``."""
    import pyomo.environ as pyo

    # the count Pyomo keeps of each block's components (its name -> position table)
    return {b.local_name: len(b._decl)
            for b in model.component_objects(pyo.Block, descend_into=False)}
