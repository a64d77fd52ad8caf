"""``cge run``: solve a scenario file (benchmark and counterfactual) and report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._paths import output_path

#: Results shown in the printed summary (percent change by account). Under sector-specific
#: capital the economy-wide factor price of capital is a pinned index, so the rents by
#: activity (``factor_rent``) take its place.
_SUMMARY = ("output", "exports", "imports", "composite_supply", "price_composite",
            "factor_price", "exchange_rate", "utility")


def _summary_names(closure) -> tuple[str, ...]:
    if closure.get("capital") != "sector_specific":
        return _SUMMARY
    return tuple("factor_rent" if n == "factor_price" else n for n in _SUMMARY)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="solve a scenario: benchmark, shocks, counterfactual",
        description="Solve the benchmark (which must replicate the SAM) and the counterfactual "
                    "of a scenario file, print the closure and the main changes, and optionally "
                    "write every result as JSON.")
    p.add_argument("scenario", metavar="SCENARIO.yaml", help="scenario file")
    p.add_argument("--json", metavar="OUT.json", help="write results to this JSON file")
    p.add_argument("--solver", choices=("cyipopt", "persistent"), default="persistent",
                   help="cyipopt: Pyomo's SolverFactory; persistent: one PyNumero problem "
                        "reused for both solves (default)")
    p.add_argument("--quiet", action="store_true", help="print only the status line")
    p.add_argument("--subtotals", nargs="?", type=int, const=8, metavar="STEPS",
                   help="split every change into one contribution per shock, solving along "
                        "the path in STEPS steps (default 8); JSON key 'subtotals'")
    p.add_argument("--force", action="store_true",
                   help="allow OUT.json to be an input file (it is overwritten)")
    p.set_defaults(func=run, imports=IMPORTS)


#: What a run loads before it starts (see :func:`cge.cli.load_imports`): the model, the
#: solver stack (Pyomo, PyNumero's NLP, cyipopt), scenario files and results.
IMPORTS = ("cge.solve", "cge.model.build", "cge.runs", "cge.scenario", "cge.indicators",
           "pyomo.contrib.pynumero.interfaces.pyomo_nlp", "yaml")


def run(args: argparse.Namespace) -> int:
    from ..runs import run_scenario
    from ..scenario import Scenario

    scenario = Scenario.from_yaml(args.scenario)
    inputs = [args.scenario] + ([scenario.sam] if isinstance(scenario.sam, (str, Path)) else [])
    out = output_path(args.json, inputs, "--json", args.force) if args.json else None
    result = run_scenario(scenario, solver=args.solver, subtotal_steps=args.subtotals)
    data = result.to_json_dict()
    if out is not None:
        out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if scenario.dynamics is not None:
        return _print_path(scenario, data, args)
    base, cf = result.base.stats, result.counterfactual.stats
    print(f"scenario {scenario.name} ({scenario.model}): {cf.status}")
    if args.quiet:
        return 0
    print("closure: " + ", ".join(f"{k}={v}" for k, v in data["closure"].items()))
    replication = data["checks"]["replication"]["deviation"]
    print(f"benchmark: {base.iterations} iterations, max residual {base.max_residual:.1e}, "
          f"replicates the SAM to {replication:.1e} of the largest cell; "
          f"counterfactual: {cf.iterations} iterations, max residual {cf.max_residual:.1e}, "
          f"Walras residual {cf.walras_residual:.1e}")
    table = result.compare()
    names = [n for n in _summary_names(data["closure"]) if n in table.index.get_level_values(0)]
    shown = table.loc[names, ["base", "counterfactual", "percent"]]
    print(shown.to_string(float_format=lambda x: f"{x:,.4f}"))
    print(f"equivalent variation: {data['equivalent_variation']:,.6g}")
    _print_indicators(data["indicators"])
    if result.subtotals is not None:
        print(f"subtotals ({result.subtotals.steps} steps), by shock:")
        print(result.subtotals.indicators.to_string(float_format=lambda x: f"{x:,.1f}"))
    if args.json:
        print(f"wrote {args.json}")
    return 0


def _print_path(scenario, data: dict, args: argparse.Namespace) -> int:
    """The summary of a dynamic run: status, checks, EV by period and discounted."""
    print(f"scenario {scenario.name} ({scenario.model}, {len(data['periods'])} periods): "
          f"{data['status']}")
    if args.quiet:
        return 0
    print("closure: " + ", ".join(f"{k}={v}" for k, v in data["closure"].items()))
    iterations = [s["iterations"] for s in data["solver"]["counterfactual"]]
    print(f"counterfactual: {sum(iterations)} IPOPT iterations over the periods "
          f"(at most {max(iterations)} in one)")
    for name, check in data["checks"].items():
        print(f"check {name}: {'passed' if check['passed'] else 'FAILED'} in every period "
              f"(worst {check['deviation']:.1e}, {check['where']})" if check["passed"] else
              f"check {name}: FAILED ({check['detail']}, {check['where']})")
    ev = data["equivalent_variation_by_period"]
    for label, value in zip(data["periods"], ev, strict=True):
        print(f"  period {label}: equivalent variation {value:,.6g}")
    print(f"equivalent variation, discounted at "
          f"{data['dynamics']['interest_rate']}: {data['equivalent_variation']:,.6g}")
    if args.json:
        print(f"wrote {args.json}")
    return 0


def _print_indicators(ind: dict) -> None:
    """The indicators section in a few lines: macro changes, then one row per sector."""
    if not ind:
        return
    macro = [("real GDP", "real_gdp", "%"), ("real household consumption",
                                               "real_household_consumption", "%"),
             ("real wage", "real_wage", "%"), ("real exchange rate", "real_exchange_rate", "%")]
    parts = [f"{label} {ind[key]:+.3f}{unit}" for label, key, unit in macro
             if ind.get(key) is not None]
    print("indicators: " + ", ".join(parts))
    for key, label in (("trade_balance", "trade balance"),
                       ("government_saving", "government saving"),
                       ("unemployment", "unemployment")):
        if key in ind:
            x = ind[key]
            print(f"  {label}: {x['base']:,.6g} -> {x['counterfactual']:,.6g}")
    rates = ind.get("unemployment_rate_by_labour_type", {})
    for f, change in ind.get("real_wage_by_labour_type", {}).items():
        force = ind["labour_force_by_labour_type"][f]
        rate = (f", unemployment rate {rates[f]['base']:.3f}% -> "
                f"{rates[f]['counterfactual']:.3f}%" if f in rates else "")
        print(f"  {f}: real wage {change:+.3f}%, labour force {force['base']:,.6g} -> "
              f"{force['counterfactual']:,.6g}{rate}")

    def ratios(values: dict) -> str:
        return ", ".join(f"{c} {'n/a' if r is None else f'{r:.3f}'}" for c, r in values.items())

    print("  absorption ratio (domestic sales change / -export change): "
          + ratios(ind.get("absorption_ratio", {})))
    if "absorption_ratio_by_revenue" in ind:
        print("  absorption ratio by revenue (home-sales revenue / -export revenue, CPI-deflated): "
              + ratios(ind["absorption_ratio_by_revenue"]))
    matching = {c: r.get("matching") for c, r in ind.get("multiplier_absorption_ratio", {}).items()}
    if matching:
        print("  fixed-price multiplier ratio (set matching the closure): " + ratios(matching))
    if "labour_demand_elasticity" in ind:
        print("  labour-demand elasticity (calibration and closure): "
              + ratios(ind["labour_demand_elasticity"]))
    parts = ind.get("equivalent_variation_decomposition", {})
    if parts:
        print("  EV decomposition: " + ", ".join(f"{k.replace('_', ' ')} {v:,.1f}"
                                                 for k, v in parts.items() if v is not None))
    gap = ind.get("structural_gap", {})
    imb = ind.get("sectoral_imbalance", {})
    print("  imbalance (E-M)/X and structural gap, base -> counterfactual: " + "; ".join(
        f"{c} {imb[c]['base']:+.3f}->{imb[c]['counterfactual']:+.3f}, "
        f"{gap[c]['base']:+.3f}->{gap[c]['counterfactual']:+.3f}" for c in gap))
