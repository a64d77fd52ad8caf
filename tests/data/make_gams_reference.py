"""Regenerate ``gams_stdcge_reference.json``: stdcge solved by GAMS (CONOPT4) through gamspy.

This script is NOT part of the package or its tests, and nothing in ``cge`` imports it.
It needs gamspy, which ships GAMS and a size-limited demo licence big enough for stdcge.
Run it in a scratch environment outside the repository::

    python3 -m venv /tmp/gamsenv
    /tmp/gamsenv/bin/pip install gamspy pandas
    /tmp/gamsenv/bin/python tests/data/make_gams_reference.py

The model is the GAMS model library's ``stdcge`` (Hosoe, Gasawa and Hashimoto, chapter 6),
equation for equation: the same calibration, bounds, numeraire (``pf('LAB') = 1``) and solve
(NLP maximising the fictitious utility ``UU``). The SAM is read from ``sam_data/stdcge.csv``,
so the references belong to the bundled SAM. See ``tests/data/README.md`` for the equations.
"""

from __future__ import annotations

import json
import math
from importlib.metadata import version
from pathlib import Path

import pandas as pd
from gamspy import (
    Alias,
    Container,
    Equation,
    Model,
    Options,
    Parameter,
    Problem,
    Product,
    Sense,
    Set,
    Sum,
    Variable,
)

HERE = Path(__file__).resolve().parent
SAM_CSV = HERE.parents[1] / "sam_data" / "stdcge.csv"
OUTPUT = HERE / "gams_stdcge_reference.json"

GOODS = ["BRD", "MLK"]
FACTORS = ["CAP", "LAB"]
SIGMA = 2.0  # Armington elasticity of substitution
PSI = 2.0    # CET elasticity of transformation
LOWER = 1e-5  # the GAMS model's lower bound on (almost) every variable

SOLVER = "CONOPT4"
#: Tighter than CONOPT4's defaults (Tol_Feas_Min 4e-10, Tol_Optimality 1e-7).
SOLVER_OPTIONS = {"Tol_Feas_Min": 3e-13, "Tol_Feas_Max": 1e-10, "Tol_Optimality": 1e-12}

#: Published results of the textbook experiment (tariff abolition), from the GAMS model
#: library listing: utility base and counterfactual, EV, and percentage changes.
PUBLISHED = {
    "UU_base": 25.5084900125158,
    "UU_counterfactual": 26.0926343812887,
    "EV": 1.14499989706615,
    "percent_change": {
        "E": {"BRD": 17.93, "MLK": 12.46},
        "M": {"BRD": -1.08, "MLK": 18.85},
        "Z": {"BRD": 2.17, "MLK": -1.38},
        "epsilon": {"_": 6.28},
    },
}

#: Map from the scenario parameter names of ``cge`` to the GAMS parameters of stdcge.
SCENARIO_TO_GAMS = {
    "import_tariff_rate": "taum",
    "production_tax_rate": "tauz",
    "world_export_price": "pWe",
    "world_import_price": "pWm",
    "foreign_savings": "Sf",
    "household_saving_rate": "ssp",
    "government_saving_rate": "ssg",
    "direct_tax_rate": "taud",
    "factor_endowment": "FF",
}

EXPERIMENTS = {
    "tariff_abolition": [{"parameter": "import_tariff_rate", "multiply": 0.0}],
    "tariff_halved_brd": [{"parameter": "import_tariff_rate", "index": "BRD", "multiply": 0.5}],
    "production_tax_up": [{"parameter": "production_tax_rate", "multiply": 1.5}],
    "foreign_savings_down": [{"parameter": "foreign_savings", "multiply": 0.5}],
    "world_export_price_mlk_up": [{"parameter": "world_export_price", "index": "MLK",
                                   "multiply": 1.1}],
    "endowment_cap_up": [{"parameter": "factor_endowment", "index": "CAP", "multiply": 1.1}],
}

VARIABLES = ["Y", "F", "X", "Z", "Xp", "Xg", "Xv", "E", "M", "Q", "D", "pf", "py", "pz", "pq",
             "pe", "pm", "pd", "epsilon", "Sp", "Sg", "Td", "Tz", "Tm", "UU"]


def calibrate(sam: pd.DataFrame) -> dict:
    """Base values and parameters of stdcge, following the GAMS assignments one by one."""
    g, f = GOODS, FACTORS
    c = {}
    c["Td0"] = sam.at["GOV", "HOH"]
    c["Tz0"] = {j: sam.at["IDT", j] for j in g}
    c["Tm0"] = {j: sam.at["TRF", j] for j in g}
    c["F0"] = {(h, j): sam.at[h, j] for h in f for j in g}
    c["Y0"] = {j: sum(c["F0"][h, j] for h in f) for j in g}
    c["X0"] = {(i, j): sam.at[i, j] for i in g for j in g}
    c["Z0"] = {j: c["Y0"][j] + sum(c["X0"][i, j] for i in g) for j in g}
    c["M0"] = {i: sam.at["EXT", i] for i in g}
    c["tauz"] = {j: c["Tz0"][j] / c["Z0"][j] for j in g}
    c["taum"] = {j: c["Tm0"][j] / c["M0"][j] for j in g}
    c["Xp0"] = {i: sam.at[i, "HOH"] for i in g}
    c["FF"] = {h: sam.at["HOH", h] for h in f}
    c["Xg0"] = {i: sam.at[i, "GOV"] for i in g}
    c["Xv0"] = {i: sam.at[i, "INV"] for i in g}
    c["E0"] = {i: sam.at[i, "EXT"] for i in g}
    c["Q0"] = {i: c["Xp0"][i] + c["Xg0"][i] + c["Xv0"][i] + sum(c["X0"][i, j] for j in g)
               for i in g}
    c["D0"] = {i: (1 + c["tauz"][i]) * c["Z0"][i] - c["E0"][i] for i in g}
    c["Sp0"] = sam.at["INV", "HOH"]
    c["Sg0"] = sam.at["INV", "GOV"]
    c["Sf"] = sam.at["INV", "EXT"]
    c["pWe"] = {i: 1.0 for i in g}
    c["pWm"] = {i: 1.0 for i in g}

    eta = (SIGMA - 1) / SIGMA
    phi = (PSI + 1) / PSI
    c["sigma"], c["psi"], c["eta"], c["phi"] = SIGMA, PSI, eta, phi
    c["alpha"] = {i: c["Xp0"][i] / sum(c["Xp0"].values()) for i in g}
    c["beta"] = {(h, j): c["F0"][h, j] / c["Y0"][j] for h in f for j in g}
    c["b"] = {j: c["Y0"][j] / math.prod(c["F0"][h, j] ** c["beta"][h, j] for h in f) for j in g}
    c["ax"] = {(i, j): c["X0"][i, j] / c["Z0"][j] for i in g for j in g}
    c["ay"] = {j: c["Y0"][j] / c["Z0"][j] for j in g}
    c["mu"] = {i: c["Xg0"][i] / sum(c["Xg0"].values()) for i in g}
    c["lambda"] = {i: c["Xv0"][i] / (c["Sp0"] + c["Sg0"] + c["Sf"]) for i in g}
    c["deltam"], c["deltad"], c["gamma"], c["xie"], c["xid"], c["theta"] = {}, {}, {}, {}, {}, {}
    for i in g:
        m_term = (1 + c["taum"][i]) * c["M0"][i] ** (1 - eta)
        d_term = c["D0"][i] ** (1 - eta)
        c["deltam"][i] = m_term / (m_term + d_term)
        c["deltad"][i] = d_term / (m_term + d_term)
        c["gamma"][i] = c["Q0"][i] / (c["deltam"][i] * c["M0"][i] ** eta
                                      + c["deltad"][i] * c["D0"][i] ** eta) ** (1 / eta)
        e_term = c["E0"][i] ** (1 - phi)
        dd_term = c["D0"][i] ** (1 - phi)
        c["xie"][i] = e_term / (e_term + dd_term)
        c["xid"][i] = dd_term / (e_term + dd_term)
        c["theta"][i] = c["Z0"][i] / (c["xie"][i] * c["E0"][i] ** phi
                                      + c["xid"][i] * c["D0"][i] ** phi) ** (1 / phi)
    income = sum(c["FF"].values())
    c["ssp"] = c["Sp0"] / income
    c["ssg"] = c["Sg0"] / (c["Td0"] + sum(c["Tz0"].values()) + sum(c["Tm0"].values()))
    c["taud"] = c["Td0"] / income
    return c


def _records(values):
    """gamspy records from a scalar or a dict keyed by label or label tuple."""
    if not isinstance(values, dict):
        return float(values)
    return [(*(k if isinstance(k, tuple) else (k,)), float(v)) for k, v in values.items()]


class StdCGE:
    """The stdcge model in gamspy, written after the GAMS source statement by statement."""

    SHOCKABLE = ("taum", "tauz", "pWe", "pWm", "Sf", "ssp", "ssg", "taud", "FF")

    def __init__(self, c: dict):
        self.c = c
        m = self.m = Container()
        i = Set(m, "i", records=GOODS, description="goods")
        h = Set(m, "h", records=FACTORS, description="factors")
        j = Alias(m, "j", i)
        self.sets = (i, h, j)

        def par(name, domain, values):
            return Parameter(m, name, domain=domain, records=_records(values))

        p = self.p = {}
        for name in ("alpha", "b", "ay", "mu", "lambda", "deltam", "deltad", "gamma",
                     "xie", "xid", "theta", "taum", "tauz", "pWe", "pWm"):
            p[name] = par(name, [i], c[name])
        p["FF"] = par("FF", [h], c["FF"])
        p["beta"] = par("beta", [h, i], c["beta"])
        p["ax"] = par("ax", [i, j], c["ax"])
        for name in ("Sf", "ssp", "ssg", "taud", "eta", "phi"):
            p[name] = par(name, [], c[name])

        v = self.v = {}
        domains = {"Y": [j], "F": [h, j], "X": [i, j], "Z": [j], "Xp": [i], "Xg": [i],
                   "Xv": [i], "E": [i], "M": [i], "Q": [i], "D": [i], "pf": [h], "py": [j],
                   "pz": [j], "pq": [i], "pe": [i], "pm": [i], "pd": [i], "epsilon": [],
                   "Sp": [], "Sg": [], "Td": [], "Tz": [j], "Tm": [i], "UU": []}
        for name in VARIABLES:
            v[name] = Variable(m, name, domain=domains[name])
        self._equations(i, h, j)
        self.model = Model(m, "stdcge", equations=m.getEquations(), problem=Problem.NLP,
                           sense=Sense.MAX, objective=v["UU"])
        for name in VARIABLES:
            if name not in ("Tz", "Tm", "UU"):
                v[name].lo[...] = LOWER
        v["Tz"].lo[...] = 0.0
        v["Tm"].lo[...] = 0.0
        v["pf"].fx["LAB"] = 1.0  # numeraire
        self.reset_levels()

    def _equations(self, i, h, j):
        m, p, v = self.m, self.p, self.v
        Y, F, X, Z, Xp, Xg, Xv = (v[n] for n in ("Y", "F", "X", "Z", "Xp", "Xg", "Xv"))
        E, M, Q, D = v["E"], v["M"], v["Q"], v["D"]
        pf, py, pz, pq, pe, pm, pd = (v[n] for n in ("pf", "py", "pz", "pq", "pe", "pm", "pd"))
        eps, Sp, Sg, Td, Tz, Tm, UU = (v[n] for n in
                                       ("epsilon", "Sp", "Sg", "Td", "Tz", "Tm", "UU"))
        eta, phi = p["eta"], p["phi"]
        income = Sum(h, pf[h] * p["FF"][h])
        revenue = Td + Sum(j, Tz[j]) + Sum(j, Tm[j])

        def eq(name, domain, definition):
            e = Equation(m, name, domain=domain)
            e[...] = definition

        # domestic production
        eq("eqpy", [j], Y[j] == p["b"][j] * Product(h, F[h, j] ** p["beta"][h, j]))
        eq("eqF", [h, j], F[h, j] == p["beta"][h, j] * py[j] * Y[j] / pf[h])
        eq("eqX", [i, j], X[i, j] == p["ax"][i, j] * Z[j])
        eq("eqY", [j], Y[j] == p["ay"][j] * Z[j])
        eq("eqpzs", [j], pz[j] == p["ay"][j] * py[j] + Sum(i, p["ax"][i, j] * pq[i]))
        # government
        eq("eqTd", [], Td == p["taud"] * income)
        eq("eqTz", [j], Tz[j] == p["tauz"][j] * pz[j] * Z[j])
        eq("eqTm", [i], Tm[i] == p["taum"][i] * pm[i] * M[i])
        eq("eqXg", [i], Xg[i] == p["mu"][i] * (revenue - Sg) / pq[i])
        # investment and savings
        eq("eqXv", [i], Xv[i] == p["lambda"][i] * (Sp + Sg + eps * p["Sf"]) / pq[i])
        eq("eqSp", [], Sp == p["ssp"] * income)
        eq("eqSg", [], Sg == p["ssg"] * revenue)
        # household
        eq("eqXp", [i], Xp[i] == p["alpha"][i] * (income - Sp - Td) / pq[i])
        # international trade
        eq("eqpe", [i], pe[i] == eps * p["pWe"][i])
        eq("eqpm", [i], pm[i] == eps * p["pWm"][i])
        eq("eqepsilon", [], Sum(i, p["pWe"][i] * E[i]) + p["Sf"] == Sum(i, p["pWm"][i] * M[i]))
        # Armington
        eq("eqpqs", [i], Q[i] == p["gamma"][i] * (p["deltam"][i] * M[i] ** eta
                                                  + p["deltad"][i] * D[i] ** eta) ** (1 / eta))
        eq("eqM", [i], M[i] == (p["gamma"][i] ** eta * p["deltam"][i] * pq[i]
                                / ((1 + p["taum"][i]) * pm[i])) ** (1 / (1 - eta)) * Q[i])
        eq("eqD", [i], D[i] == (p["gamma"][i] ** eta * p["deltad"][i] * pq[i] / pd[i])
           ** (1 / (1 - eta)) * Q[i])
        # CET transformation
        eq("eqpzd", [i], Z[i] == p["theta"][i] * (p["xie"][i] * E[i] ** phi
                                                  + p["xid"][i] * D[i] ** phi) ** (1 / phi))
        eq("eqE", [i], E[i] == (p["theta"][i] ** phi * p["xie"][i] * (1 + p["tauz"][i]) * pz[i]
                                / pe[i]) ** (1 / (1 - phi)) * Z[i])
        eq("eqDs", [i], D[i] == (p["theta"][i] ** phi * p["xid"][i] * (1 + p["tauz"][i]) * pz[i]
                                 / pd[i]) ** (1 / (1 - phi)) * Z[i])
        # market clearing
        eq("eqpqd", [i], Q[i] == Xp[i] + Xg[i] + Xv[i] + Sum(j, X[i, j]))
        eq("eqpf", [h], Sum(j, F[h, j]) == p["FF"][h])
        # fictitious objective
        eq("obj", [], UU == Product(i, Xp[i] ** p["alpha"][i]))

    # -- data handling -----------------------------------------------------------------
    def reset_levels(self):
        """Start values of the GAMS model: base quantities, all prices 1, ``UU`` 0."""
        c, v = self.c, self.v
        for name in ("Y", "F", "X", "Z", "Xp", "Xg", "Xv", "E", "M", "Q", "D", "Tz", "Tm",
                     "Sp", "Sg", "Td"):
            _set_levels(v[name], c[f"{name}0"])
        for name in ("pf", "py", "pz", "pq", "pe", "pm", "pd"):
            labels = FACTORS if name == "pf" else GOODS
            _set_levels(v[name], {k: 1.0 for k in labels})
        _set_levels(v["epsilon"], 1.0)
        _set_levels(v["UU"], 0.0)

    def set_parameters(self, values: dict):
        """Overwrite the shockable parameters with ``values`` (GAMS name -> value(s))."""
        for name in self.SHOCKABLE:
            self.p[name].setRecords(_records(values[name]))

    def solve(self) -> dict:
        """Solve and return the levels, ``{variable: {index: level}}``."""
        self.model.solve(solver=SOLVER, solver_options=SOLVER_OPTIONS,
                         options=Options(basis_detection_threshold=1))
        status = str(self.model.status)
        if "Optimal" not in status and "Feasible" not in status:
            raise RuntimeError(f"GAMS solve failed: {status} / {self.model.solve_status}")
        return {name: self.levels(name) for name in VARIABLES}

    def levels(self, name) -> dict:
        var = self.v[name]
        rec = var.records
        if not var.domain:
            return {"_": float(rec["level"].iloc[0])}
        labels = rec.columns[: len(var.domain)]
        return {",".join(str(r[c]) for c in labels): float(r["level"])
                for _, r in rec.iterrows()}

    def max_infeasibility(self) -> float:
        """Largest absolute equation infeasibility reported by GAMS after the solve."""
        worst = 0.0
        for e in self.m.getEquations():
            rec = e.records
            if rec is None:
                continue
            worst = max(worst, float((rec["level"] - rec["lower"]).abs().max()))
        return worst


def _set_levels(var, values) -> None:
    """Set the levels of ``var`` and keep its bounds."""
    if var.records is None:
        var.l[...] = 0.0
    rec = var.records.copy()
    if not var.domain:
        rec["level"] = float(values)
    else:
        labels = rec.columns[: len(var.domain)]
        keys = [tuple(str(r[c]) for c in labels) for _, r in rec.iterrows()]
        rec["level"] = [float(values[k if len(k) > 1 else k[0]]) for k in keys]
    var.setRecords(rec)


def shocked_parameters(base: dict, shocks: list[dict]) -> dict:
    """Apply scenario shocks (``multiply``) to the shockable parameters."""
    values = {name: (dict(base[name]) if isinstance(base[name], dict) else base[name])
              for name in StdCGE.SHOCKABLE}
    for shock in shocks:
        gname = SCENARIO_TO_GAMS[shock["parameter"]]
        factor = shock["multiply"]
        if isinstance(values[gname], dict):
            keys = [shock["index"]] if "index" in shock else list(values[gname])
            for key in keys:
                values[gname][key] *= factor
        else:
            values[gname] *= factor
    return values


def residuals(lv: dict, c: dict, par: dict) -> dict:
    """Relative residuals of every stdcge equation at the levels ``lv``, in plain Python.

    An independent check of the GAMS solution and of the index layout written to the JSON;
    each residual is ``(lhs - rhs) / max(1, |lhs|)``.
    """
    g, f = GOODS, FACTORS
    eta, phi = c["eta"], c["phi"]

    def x(name, *key):
        return lv[name][",".join(key) if key else "_"]

    income = sum(x("pf", h) * par["FF"][h] for h in f)
    revenue = x("Td") + sum(x("Tz", j) + x("Tm", j) for j in g)
    pairs = {}
    for j in g:
        pairs[f"eqpy[{j}]"] = (x("Y", j), c["b"][j] * math.prod(
            x("F", h, j) ** c["beta"][h, j] for h in f))
        for h in f:
            pairs[f"eqF[{h},{j}]"] = (x("F", h, j),
                                     c["beta"][h, j] * x("py", j) * x("Y", j) / x("pf", h))
        for i in g:
            pairs[f"eqX[{i},{j}]"] = (x("X", i, j), c["ax"][i, j] * x("Z", j))
        pairs[f"eqY[{j}]"] = (x("Y", j), c["ay"][j] * x("Z", j))
        pairs[f"eqpzs[{j}]"] = (x("pz", j), c["ay"][j] * x("py", j)
                                + sum(c["ax"][i, j] * x("pq", i) for i in g))
        pairs[f"eqTz[{j}]"] = (x("Tz", j), par["tauz"][j] * x("pz", j) * x("Z", j))
    pairs["eqTd"] = (x("Td"), par["taud"] * income)
    pairs["eqSp"] = (x("Sp"), par["ssp"] * income)
    pairs["eqSg"] = (x("Sg"), par["ssg"] * revenue)
    pairs["eqepsilon"] = (sum(par["pWe"][i] * x("E", i) for i in g) + par["Sf"],
                          sum(par["pWm"][i] * x("M", i) for i in g))
    pairs["obj"] = (x("UU"), math.prod(x("Xp", i) ** c["alpha"][i] for i in g))
    for i in g:
        tm, tz = par["taum"][i], par["tauz"][i]
        pairs[f"eqTm[{i}]"] = (x("Tm", i), tm * x("pm", i) * x("M", i))
        pairs[f"eqXg[{i}]"] = (x("Xg", i), c["mu"][i] * (revenue - x("Sg")) / x("pq", i))
        pairs[f"eqXv[{i}]"] = (x("Xv", i), c["lambda"][i] * (
            x("Sp") + x("Sg") + x("epsilon") * par["Sf"]) / x("pq", i))
        pairs[f"eqXp[{i}]"] = (x("Xp", i),
                               c["alpha"][i] * (income - x("Sp") - x("Td")) / x("pq", i))
        pairs[f"eqpe[{i}]"] = (x("pe", i), x("epsilon") * par["pWe"][i])
        pairs[f"eqpm[{i}]"] = (x("pm", i), x("epsilon") * par["pWm"][i])
        pairs[f"eqpqs[{i}]"] = (x("Q", i), c["gamma"][i] * (
            c["deltam"][i] * x("M", i) ** eta + c["deltad"][i] * x("D", i) ** eta) ** (1 / eta))
        pairs[f"eqM[{i}]"] = (x("M", i), (c["gamma"][i] ** eta * c["deltam"][i] * x("pq", i)
                                          / ((1 + tm) * x("pm", i))) ** (1 / (1 - eta)) * x("Q", i))
        pairs[f"eqD[{i}]"] = (x("D", i), (c["gamma"][i] ** eta * c["deltad"][i] * x("pq", i)
                                          / x("pd", i)) ** (1 / (1 - eta)) * x("Q", i))
        pairs[f"eqpzd[{i}]"] = (x("Z", i), c["theta"][i] * (
            c["xie"][i] * x("E", i) ** phi + c["xid"][i] * x("D", i) ** phi) ** (1 / phi))
        pairs[f"eqE[{i}]"] = (x("E", i), (c["theta"][i] ** phi * c["xie"][i] * (1 + tz)
                                          * x("pz", i) / x("pe", i)) ** (1 / (1 - phi)) * x("Z", i))
        pairs[f"eqDs[{i}]"] = (x("D", i), (c["theta"][i] ** phi * c["xid"][i] * (1 + tz)
                                           * x("pz", i) / x("pd", i)) ** (1 / (1 - phi)) * x("Z", i))
        pairs[f"eqpqd[{i}]"] = (x("Q", i), x("Xp", i) + x("Xg", i) + x("Xv", i)
                                + sum(x("X", i, j) for j in g))
    for h in f:
        pairs[f"eqpf[{h}]"] = (sum(x("F", h, j) for j in g), par["FF"][h])
    return {k: (lhs - rhs) / max(1.0, abs(lhs)) for k, (lhs, rhs) in pairs.items()}


def worst_residual(lv: dict, c: dict, par: dict) -> float:
    res = residuals(lv, c, par)
    if len(res) != 49:
        raise RuntimeError(f"expected 49 equations, checked {len(res)}")
    return max(abs(r) for r in res.values())


def add_ev(levels: dict, c: dict) -> None:
    """Hicksian equivalent variation at base prices, as in the GAMS model."""
    scale = math.prod(c["alpha"][i] ** c["alpha"][i] for i in GOODS)
    uu0 = math.prod(c["Xp0"][i] ** c["alpha"][i] for i in GOODS)
    levels["EV"] = {"_": levels["UU"]["_"] / scale - uu0 / scale}


def calibration_for_json(c: dict) -> dict:
    out = {}
    for key, value in c.items():
        if isinstance(value, dict):
            out[key] = {",".join(k) if isinstance(k, tuple) else k: float(v)
                        for k, v in value.items()}
        else:
            out[key] = {"_": float(value)}
    return out


def check_published(result: dict) -> dict:
    """Differences between this run and the published textbook numbers."""
    base, cf = result["base"], result["counterfactual"]
    diffs = {
        "UU_base": base["UU"]["_"] - PUBLISHED["UU_base"],
        "UU_counterfactual": cf["UU"]["_"] - PUBLISHED["UU_counterfactual"],
        "EV": cf["EV"]["_"] - PUBLISHED["EV"],
    }
    pct = {}
    for var, entries in PUBLISHED["percent_change"].items():
        for key, published in entries.items():
            ours = (cf[var][key] / base[var][key] - 1) * 100
            pct[f"{var}[{key}]"] = {"ours": ours, "published": published,
                                    "difference": ours - published}
    return {"level_differences": diffs, "percent_changes": pct}


def main() -> None:
    sam = pd.read_csv(SAM_CSV, index_col=0)
    c = calibrate(sam)
    model = StdCGE(c)
    base_values = {name: c[name] for name in StdCGE.SHOCKABLE}

    base = model.solve()
    add_ev(base, c)
    base_infeasibility = model.max_infeasibility()

    experiments = {}
    worst = base_infeasibility
    residual = 0.0
    for name, shocks in EXPERIMENTS.items():
        model.set_parameters(base_values)
        model.reset_levels()
        again = model.solve()  # the base run, as in the GAMS model, then the shock from there
        add_ev(again, c)
        model.set_parameters(shocked_parameters(base_values, shocks))
        cf = model.solve()
        add_ev(cf, c)
        worst = max(worst, model.max_infeasibility())
        shocked = shocked_parameters(base_values, shocks)
        residual = max(residual, worst_residual(base, c, base_values),
                       worst_residual(cf, c, shocked))
        experiments[name] = {"shocks": shocks, "base": base, "counterfactual": cf}

    published = check_published(experiments["tariff_abolition"])
    out = {
        "model": "stdcge",
        "source": ("GAMS model library stdcge (SEQ=276): Hosoe, Gasawa and Hashimoto, Textbook of "
                   "Computable General Equilibrium Modelling, ch. 6. SAM from sam_data/stdcge.csv; "
                   "equations, calibration, bounds and numeraire pf('LAB')=1 as in the GAMS "
                   "source; solved as NLP maximising UU."),
        "solver": (f"GAMS {version('gamspy_base')} via gamspy {version('gamspy')}, "
                   f"{SOLVER} with options {SOLVER_OPTIONS}, demo licence"),
        "generated_by": "tests/data/make_gams_reference.py",
        "index_conventions": {
            "scalar": "_",
            "F": "factor,sector (F[h,j])",
            "X": "input good,using sector (X[i,j])",
        },
        "max_equation_infeasibility": worst,
        "max_relative_residual_recomputed": residual,
        "published_check": {"published": PUBLISHED, **published},
        "calibration": calibration_for_json(c),
        "experiments": experiments,
    }
    OUTPUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUTPUT}; max equation infeasibility {worst:.3g} (GAMS), "
          f"max relative residual {residual:.3g} (recomputed)")
    print(json.dumps(published, indent=1))


if __name__ == "__main__":
    main()
