"""Plain review text: whatever people type, what is stored has no markup and tidy whitespace."""

import pytest
from django.utils.html import strip_tags
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.text import plain_text

pieces = st.sampled_from(["<b>", "</b>", "<script>", "&lt;", "&gt;", "&amp;", "<", ">", " ", "\t", "\n", "\r\n", "a"])
texts = st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=40).map("".join)


@given(texts)
@settings(max_examples=100, deadline=None)
def test_stored_text_has_no_tags_and_tidy_whitespace(value):
    text = plain_text(value)
    assert strip_tags(text) == text
    assert text == text.strip()
    assert "\n\n\n" not in text and "  " not in text and "\t" not in text and "\r" not in text
    assert plain_text(text) == text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<p>Nice</p>\n<p>Clean</p>", "Nice\nClean"),
        ("&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt; claim", "bold claim"),
        ("Five  stars\t\tall\r\n\r\n\r\n\r\nround", "Five stars all\n\nround"),
        ("2 < 3 and 4 > 1", "2 < 3 and 4 > 1"),
    ],
)
def test_examples_of_stored_text(typed, stored):
    assert plain_text(typed) == stored
