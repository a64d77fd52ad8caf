"""The CGE model: configuration, closures, the assembled Pyomo model, shocks and solutions.

Modules load on first use (``from cge.model.build import CGEModel``), so importing this
package loads neither pandas nor Pyomo.
"""
