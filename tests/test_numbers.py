"""The one number formatter, against plain Python formatting (``format`` and ``decimal``) as references."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.numbers import MINUS, TIMES, fmt, math_fmt, product


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (1.0, 3, "1"),
        (1.5, 3, "1.5"),
        (-0.25, 3, "-0.25"),
        (1 / 3, 3, "0.333"),
        (2 / 3, 2, "0.67"),
        (0.016, 3, "0.016"),
        (-0.0001, 3, "0"),  # never "-0"
        (-0.0, 3, "0"),
        (0.0004, 3, "0"),
        (1234.5, 0, "1234"),  # round half to even, as Python's format does
        (10.0, 3, "10"),  # trailing zeros of the fraction go, not those of the whole part
        (100, 0, "100"),
        (-7, 3, "-7"),
    ],
)
def test_fmt_examples(value, digits, text):
    assert fmt(value, digits) == text


def test_fmt_gaps_and_infinities():
    assert fmt(None) == "" and fmt(float("nan")) == ""
    assert fmt(math.inf) == "inf" and fmt(-math.inf) == "-inf"


def _reference(value: float, digits: int) -> str:
    """Round with ``decimal`` (exact binary value, half to even: what ``format`` does), then trim."""
    exact = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 6))
def test_fmt_equals_decimal_rounding_and_reads_back_within_half_a_unit(value, digits):
    text = fmt(value, digits)
    assert text == _reference(value, digits)
    assert abs(float(text) - value) <= 0.5 * 10.0**-digits * (1 + 1e-9)
    assert not text.endswith(".") and text != "-0"
    if "." in text:
        assert not text.endswith("0")


def test_math_fmt_uses_the_minus_sign_and_parenthesises_negative_operands():
    assert math_fmt(-1) == f"({MINUS}1)"
    assert math_fmt(-1, operand=False) == f"{MINUS}1"
    assert math_fmt(0.25) == "0.25" and math_fmt(-0.0001) == "0"
    assert math_fmt(-2 / 3, 2) == f"({MINUS}0.67)"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), st.integers(0, 4))
def test_math_fmt_is_fmt_with_typography(value, digits):
    plain = fmt(value, digits)
    assert math_fmt(value, digits, operand=False) == plain.replace("-", MINUS)
    assert math_fmt(value, digits) == (f"({MINUS}{plain[1:]})" if plain.startswith("-") else plain)


def test_product_term():
    assert product(0, -1) == f"0 {TIMES} ({MINUS}1)"
    assert product(0.5, 2) == f"0.5 {TIMES} 2"
