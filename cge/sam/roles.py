"""Account roles of a SAM: a table, not a chain of ``if`` statements."""

from __future__ import annotations

import re

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
    "import_tax": "taxes on imports other than duties (import VAT, consumption tax on imports), "
                  "levied on the duty-inclusive value and paid on commodities",
    "export_tax": "taxes on exports",
    "sales_tax": "taxes on products (sales, VAT) paid on commodities",
    "direct_tax": "income taxes paid by households and enterprises",
    "savings_investment": "the savings-investment account",
    "rest_of_world": "the rest of the world",
}

#: Roles of tax accounts.
TAX_ROLES = ("production_tax", "import_tariff", "import_tax", "export_tax", "sales_tax",
             "direct_tax")

#: Words that mark a factor account as labour, in its label or its description.
_LABOUR_WORDS = re.compile(r"^lab|_lab|labou?r|wage|salar|employ|\bwork", re.IGNORECASE)


def is_labour(label: str, description: str = "") -> bool:
    """Whether a factor account stands for labour.

    True when the label starts with ``LAB`` (or has ``_LAB``), or the label or the
    description speaks of labour (labor), wages, salaries, employment or work:
    ``LAB``, ``F_LAB``, ``L`` described as "Labour compensation", ``WAGES``. Capital,
    land and other factors are not labour.
    """
    return any(_LABOUR_WORDS.search(str(text)) for text in (label, description or ""))


def allowed_roles_text() -> str:
    """The allowed roles as one line, for error messages."""
    return ", ".join(ROLES)
