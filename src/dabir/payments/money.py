"""Amounts for people: Persian digits with the Persian thousands separator."""

from dabir.core.text import to_persian_digits


def fa_amount(value: int) -> str:
    return to_persian_digits(f"{int(value):,}").replace(",", "٬")


def rials_and_tomans(rials: int) -> dict:
    tomans = rials / 10
    return {
        "rials": fa_amount(rials),
        "tomans": fa_amount(tomans) if tomans == int(tomans) else to_persian_digits(f"{tomans:,.1f}").replace(",", "٬").replace(".", "٫"),
    }
