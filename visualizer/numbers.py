"""The one number formatter of the app: how a value is written, as plain text or with math typography.

- :func:`fmt` is plain text (code blocks, captions, tables, cells): ``1`` not ``1.000``, ``-0.25``,
  ``0.333``; a value that rounds to zero is ``0``, never ``-0``.
- :func:`math_fmt` is the same number set as mathematics: the minus sign U+2212 (``−0.25``), and, as an
  operand (the default), in parentheses when negative, so a written sum reads ``0 × (−1) + 1 × 1``.
- :func:`product` writes one term ``a × b`` of a sum.

Pure Python and NumPy: the figures and the UI import it; it imports nothing of theirs.
"""

from __future__ import annotations

import math

MINUS = "\u2212"  # the minus sign of typeset mathematics (as wide as "+"), not the hyphen "-"
TIMES = "\u00d7"  # the multiplication sign
DIGITS = 3  # decimals everywhere a number is written out unless a caller asks for fewer


def fmt(value: float | None, digits: int = DIGITS) -> str:
    """``value`` rounded to at most ``digits`` decimals, as short as it reads.

    Trailing zeros and a bare point are dropped (``1.500`` -> ``1.5``, ``2.000`` -> ``2``); anything that
    rounds to zero is ``0`` (no ``-0``); ``None`` and NaN give ``""`` (a gap in a grid shows nothing);
    infinities are ``inf`` / ``-inf``. ``digits`` must be at least 0.
    """
    if value is None:
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    text = f"{v:.{int(digits)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def math_fmt(value: float | None, digits: int = DIGITS, *, operand: bool = True) -> str:
    """:func:`fmt` with math typography: ``−`` (U+2212) for the sign; with ``operand`` (the default) a
    negative number is parenthesised, ``(−1)``, as it is written inside a sum or product. Use
    ``operand=False`` for a result standing alone (``= −4``)."""
    text = fmt(value, digits)
    if not text.startswith("-"):
        return text
    signed = MINUS + text[1:]
    return f"({signed})" if operand else signed


def product(a: float, b: float, digits: int = DIGITS) -> str:
    """One term of a written-out sum: ``1 × (−0.5)``."""
    return f"{math_fmt(a, digits)} {TIMES} {math_fmt(b, digits)}"
