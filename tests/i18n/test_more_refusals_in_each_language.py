"""Refusals that were still f-strings (the tax report's month, a reason's length, a statement's month) carry
their values as params and read in the asker's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import DomainError
from payments.tax_report import parse_month


def test_the_tax_reports_month_is_refused_in_the_askers_language():
    with translation.override("de"), pytest.raises(DomainError) as german:
        parse_month("11/2026")
    assert german.value.message == "Geben Sie den Monat als JJJJ-MM an, z. B. 2026-11 (nicht \u201e11/2026\u201c)."
    with translation.override("fr"), pytest.raises(DomainError) as empty:
        parse_month("")
    assert empty.value.message.endswith("(et non \u00ab rien \u00bb).")
