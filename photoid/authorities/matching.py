"""Finding authority records by the words of a name, as people type and write them.

Two ways, both ignoring accents, case, punctuation and word order:

* :func:`words_match` (type-ahead, the staff lists, linking while approving): every typed word is
  in the heading or in one variant, so "hale dot" finds the record with the variant "Dot Hale".
* :func:`resembling` (the moderation queue): a free-text name that shares enough words with a
  heading or a variant, so "Dot Benson (née Hale)" is flagged as possibly "Hale, Dorothy, 1928-2015",
  known as "Dot Hale" and "Dorothy Hale Benson".
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from photoid.authorities.models import AuthorityRecord, AuthorityVariant, fold
from photoid.contributions.workflow import AuthorityStatus
from photoid.extensions import db

#: Words that say how a name is given, not whose it is ("née Hale", "Mrs. Benson").
NOT_NAMES = frozenset({"nee", "born", "called", "aka", "known", "as", "mrs", "mr", "miss", "ms", "dr", "rev", "the"})
MAX_WORDS = 8
#: How many records a free-text name is flagged with at most.
MAX_RESEMBLING = 3
_WORD = re.compile(r"[^\W\d_]+")


def name_words(text: str) -> set[str]:
    """The words of a name, folded, without dates, punctuation or words like "née" and "Mrs"."""
    return {word for word in _WORD.findall(fold(text)) if len(word) > 1 and word not in NOT_NAMES}


def words_match(text: str) -> ColumnElement[bool] | None:
    """A condition on AuthorityRecord: every word of ``text`` in the heading or in one variant, in any
    order; None when ``text`` has no words."""
    words = [word.strip(",.;:()") for word in fold(text).split()]
    words = [word for word in words if word][:MAX_WORDS]
    if not words:
        return None
    variant_match = select(AuthorityVariant.authority_id).where(
        and_(*(AuthorityVariant.name_folded.like(f"%{word}%") for word in words))
    )
    return or_(and_(*(AuthorityRecord.heading_folded.like(f"%{word}%") for word in words)),
               AuthorityRecord.id.in_(variant_match))


@dataclass(frozen=True)
class Resemblance:
    """A record a free-text name possibly stands for, and the form of the record it resembles most."""

    record: AuthorityRecord
    form: str


def _resembles(text_words: set[str], form_words: set[str]) -> float:
    """How much a name resembles one form of a record (0 when not at all): two shared words, or one
    name inside the other, count; the share of all their words decides between records."""
    shared = text_words & form_words
    if not shared or (len(shared) < 2 and shared != form_words and shared != text_words):
        return 0.0
    return len(shared) / len(text_words | form_words)


def resembling(names: dict[int, tuple[str, str]]) -> dict[int, list[Resemblance]]:
    """For each ``{key: (kind, free text)}``, the accepted records of that kind it resembles, best first.

    Two queries whatever the number of names (the records sharing a word, and their variants).
    """
    wanted = {key: (kind, name_words(text)) for key, (kind, text) in names.items()}
    words = sorted({word for _, found in wanted.values() for word in found if len(word) > 2})[:40]
    if not words:
        return {}
    shares_a_word = or_(*(AuthorityRecord.heading_folded.like(f"%{word}%") for word in words),
                        AuthorityRecord.id.in_(select(AuthorityVariant.authority_id).where(
                            or_(*(AuthorityVariant.name_folded.like(f"%{word}%") for word in words)))))
    records = list(db.session.scalars(
        select(AuthorityRecord)
        .where(AuthorityRecord.kind.in_({kind for kind, _ in wanted.values()}), AuthorityRecord.status == AuthorityStatus.ACCEPTED,
               AuthorityRecord.merged_into_id.is_(None), shares_a_word)
        .options(selectinload(AuthorityRecord.variants))
    ))
    found: dict[int, list[Resemblance]] = {}
    for key, (kind, text_words) in wanted.items():
        scored = []
        for record in (r for r in records if r.kind == kind):
            score, form = max(_forms(record, text_words))
            if score:
                scored.append((-score, record.heading_folded, Resemblance(record, form)))
        if scored:
            found[key] = [resemblance for *_, resemblance in sorted(scored, key=lambda item: item[:2])][:MAX_RESEMBLING]
    return found


def _forms(record: AuthorityRecord, text_words: set[str]) -> Iterable[tuple[float, str]]:
    yield _resembles(text_words, name_words(record.heading)), record.heading
    for variant in record.variants:
        yield _resembles(text_words, name_words(variant.name)), variant.name
