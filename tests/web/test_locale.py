"""Numbers as a Dutch or English reader writes them, for every float an answer can hold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keuzewijs.web.locale import format_number


@pytest.mark.parametrize(
    ("value", "nl", "en"),
    [
        (1234.5, "1.234,5", "1,234.5"),
        (13478, "13.478", "13,478"),
        (0.32, "0,32", "0.32"),
        (80.0, "80", "80"),
        (1e-05, "0,00001", "0.00001"),  # repr '1e-05': no '.' (hypothesis found it)
        (1.5e-07, "0,00000015", "0.00000015"),
        (1e16, "10.000.000.000.000.000", "10,000,000,000,000,000"),
    ],
)
def test_numbers_in_each_language(value, nl, en):
    assert format_number(value, "nl") == nl
    assert format_number(value, "en") == en


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_reads_back_as_itself(value):
    text = format_number(value, "en").replace(",", "")
    assert float(text) == value
