"""Pyomo blocks of the CGE model, one module per agent or market.

Imported by :mod:`cge.model.build`; importing this package loads nothing else.
"""
