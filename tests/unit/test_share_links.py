"""The share links' URL encoding is urllib's, written without a call per byte (photoid/sharing/meta.py)."""
from __future__ import annotations

import random
from urllib.parse import quote

import pytest

from photoid.sharing.meta import quote_all


@pytest.mark.parametrize("text", ["", "http://localhost/photos/1", 'The street "quoted" <b> & a/b?c=d#e',
                                  "Ünïcödé ☃ 𝄞", "".join(chr(n) for n in range(1, 400))])
def test_quote_all_is_quote_with_nothing_safe(text: str) -> None:
    assert quote_all(text) == quote(text, safe="")


def test_quote_all_agrees_with_quote_on_random_text() -> None:
    chance = random.Random(22)
    for _ in range(500):
        text = "".join(chr(chance.choice([chance.randrange(1, 128), chance.randrange(128, 0xD800)])) for _ in range(12))
        assert quote_all(text) == quote(text, safe="")
