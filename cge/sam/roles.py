"""Account roles of a SAM: a table, not a chain of ``if`` statements."""

from __future__ import annotations

import pandas as pd

#: Every role an account may have, with its meaning.
ROLES: dict[str, str] = {
    "good": "activity and commodity in one account (textbook SAMs such as stdcge)",
    "activity": "a producing industry: buys inputs and factors, sells output to commodities",
    "commodity": "a market for a product: supplied by activities and imports, bought by users",
    "factor": "a primary factor of production (labour, capital)",
    "household": "a household group",
    "enterprise": "enterprises (corporations)",
    "government": "the government",
    "production_tax": "taxes on production paid by activities",
    "import_tariff": "customs duties on imports",
    "export_tax": "taxes on exports",
    "sales_tax": "taxes on products (sales, VAT) paid on commodities",
    "direct_tax": "income taxes paid by households and enterprises",
    "savings_investment": "the savings-investment account",
    "rest_of_world": "the rest of the world",
}

#: Roles that can stand for producing sectors (activities).
PRODUCING_ROLES = ("good", "activity")
#: Roles that can stand for markets of products (commodities).
MARKET_ROLES = ("good", "commodity")
#: Roles of tax accounts.
TAX_ROLES = ("production_tax", "import_tariff", "export_tax", "sales_tax", "direct_tax")


def roles_table() -> pd.DataFrame:
    """The allowed roles and their meanings, as a table."""
    return pd.DataFrame({"role": list(ROLES), "meaning": list(ROLES.values())}).set_index("role")


def allowed_roles_text() -> str:
    """The allowed roles as one line, for error messages."""
    return ", ".join(ROLES)
