"""Money as integer minor units (cents): parsing and formatting without binary floats.

Numbers from files are read in plain decimal notation only, so a value is exact or refused:
ASCII digits 0-9, an optional sign, ``.`` as the decimal point, and ``,`` only between groups
of three digits before it (``1,250.00``, ``1,250``). Everything a locale or a programming
language might read differently is refused with the reason: ``12,50`` (a decimal comma or a
misplaced separator?), ``1_000``, ``1 000``, ``1e3``, ``inf``, ``nan`` and digits of other
scripts (``١٠٠٠``).
"""

from __future__ import annotations

import re
from decimal import Decimal

_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[+-]?[0-9.,]*[0-9][eE][+-]?[0-9]+")
_NOT_FINITE = frozenset({"inf", "infinity", "nan", "snan"})


def _why_not_plain(text: str) -> str:
    """Why ``text`` is not in plain decimal notation, naming it."""
    shown = repr(text)
    if any(char.isdigit() and not char.isascii() for char in text):
        return f"digits other than 0-9 in {shown}"
    if text.lstrip("+-").lower() in _NOT_FINITE:
        return f"not a finite number: {shown}"
    if _EXPONENT.fullmatch(text):
        return f"exponent notation in {shown}"
    if separator := next((char for char in text if char == "_" or char.isspace()), None):
        return f"separator {separator!r} in {shown}"
    if "," in text:
        return f"ambiguous ',' in {shown}: ',' may only separate groups of 3 digits before the '.'"
    return f"not a number: {shown}"


def parse_plain_decimal(text: str) -> Decimal:
    """``text`` in plain decimal notation as an exact Decimal; ValueError saying what is wrong."""
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(_why_not_plain(text))
    return Decimal(text.replace(",", ""))


def parse_cents(text: str) -> int:
    """Parse a plain decimal amount such as ``"1,234.5"`` into cents; ValueError if malformed.

    More than two decimal places, negative amounts and other notations are rejected.
    """
    amount = parse_plain_decimal(text.strip())
    if amount < 0:
        raise ValueError(f"negative amount: {text!r}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"more than two decimal places: {text!r}")
    return int(cents)


def cents_to_decimal(cents: int) -> Decimal:
    """Cents as an exact Decimal amount in major units."""
    return Decimal(cents) / 100
