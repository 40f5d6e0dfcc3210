"""Money as integer minor units (cents): parsing and formatting without binary floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def parse_cents(text: str) -> int:
    """Parse a decimal amount such as ``"1234.5"`` into cents; raise ValueError if malformed.

    More than two decimal places, negative amounts and non-numbers are rejected.
    """
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a number: {text!r}")
    if amount < 0:
        raise ValueError(f"negative amount: {text!r}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"more than two decimal places: {text!r}")
    return int(cents)


def cents_to_decimal(cents: int) -> Decimal:
    """Cents as an exact Decimal amount in major units."""
    return Decimal(cents) / 100
