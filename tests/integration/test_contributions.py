"""Contribution use cases: identify, vote, withdraw, and the rules around them."""
from __future__ import annotations

import pytest

from photoid.contributions import service
from photoid.contributions.service import ContributionError, Region
from photoid.contributions.workflow import NotAllowed
from photoid.extensions import db
from tests.factories import make_authority, make_identification, make_photo, make_user


def test_a_date_in_words_is_recorded_as_edtf(db_session) -> None:
    identification = service.identify(photo=make_photo(), contributor=make_user(), kind="date", date_text="about 1945",
                                      evidence="My grandmother's album says 1945.")
    assert identification.state == "pending" and identification.date_edtf == "1945~"
    assert identification.evidence == "My grandmother's album says 1945."


def test_a_known_person_is_linked_and_a_merged_one_resolves_to_its_survivor(db_session) -> None:
    survivor = make_authority(kind="person", heading="Smith, John, 1890-1962")
    duplicate = make_authority(kind="person", heading="Smith, J.", merged_into_id=survivor.id)
    identification = service.identify(photo=make_photo(), contributor=make_user(), kind="person", authority_id=duplicate.id,
                                      region=Region(0.1, 0.2, 0.1, 0.15))
    assert identification.authority_id == survivor.id
    assert (identification.region_x, identification.region_w) == (0.1, 0.1)
    with pytest.raises(ContributionError, match="not in our records"):
        service.identify(photo=make_photo(), contributor=make_user(), kind="place", authority_id=survivor.id)


@pytest.mark.parametrize(
    "region",
    [Region(0.9, 0.1, 0.2, 0.1), Region(0.1, 0.1, 0, 0.1), Region(-0.01, 0.1, 0.1, 0.1), Region(0.1, 0.95, 0.1, 0.1),
     Region(float("nan"), 0.1, 0.1, 0.1), Region(0.1, 0.1, float("inf"), 0.1)],
)
def test_regions_outside_the_photo_or_without_size_are_refused(db_session, region) -> None:
    with pytest.raises(ContributionError, match="box"):
        service.identify(photo=make_photo(), contributor=make_user(), kind="person", name="A", region=region)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Please enter a name."),
        ("name", "x" * 301, "at most 300 characters"),
        ("name", "<script>alert(1)</script>", "plain text"),
        ("name", "<b>John</b>", "plain text"),
        ("name", "John\x00Smith", "control or invisible characters"),
        ("name", "John\u202eSmith", "control or invisible characters"),
        ("evidence", "y" * 2001, "at most 2000 characters"),
        ("evidence", "see <img src=x onerror=alert(1)>", "plain text"),
        ("evidence", "javascript:alert(1)", "plain text"),
        ("date_text", "", "Please enter a date."),
        ("date_text", "yesterday", "Try forms like"),
        ("date_text", "<i>1945</i>", "plain text"),
    ],
)
def test_every_field_gets_a_clear_message_for_bad_values(db_session, field, value, message) -> None:
    values = {"name": "John Smith", "evidence": "", "date_text": "1945"}
    values[field] = value
    kind = "date" if field == "date_text" else "person"
    with pytest.raises(ContributionError, match=message):
        service.identify(photo=make_photo(), contributor=make_user(), kind=kind, **values)
    db.session.rollback()


def test_one_vote_per_patron_and_never_on_ones_own(db_session) -> None:
    identification = make_identification()
    neighbour = make_user()
    service.vote(identification=identification, voter=neighbour, stance="agree")
    with pytest.raises(ContributionError, match="already voted"):
        service.vote(identification=identification, voter=neighbour, stance="disagree")
    with pytest.raises(ContributionError, match="your own"):
        service.vote(identification=identification, voter=identification.contributor, stance="agree")
    with pytest.raises(ContributionError, match="no longer open"):
        service.vote(identification=make_identification(state="rejected"), voter=neighbour, stance="agree")


def test_withdrawing_keeps_the_record_and_only_the_author_may(db_session) -> None:
    identification = make_identification()
    with pytest.raises(NotAllowed):
        service.withdraw(identification=identification, actor=make_user())
    service.withdraw(identification=identification, actor=identification.contributor)
    db.session.expire_all()
    assert identification.state == "withdrawn"  # still there, as a state


def test_suggestions_match_variants_ignoring_accents_and_case(db_session) -> None:
    anna = make_authority(kind="person", heading="Müller, Anna, 1902-1988", variants=("Anna Muller",))
    make_authority(kind="place", heading="Mill Street (Millbrook)")
    make_authority(kind="person", heading="Muller, Old", status="proposed")
    assert [r.id for r in service.suggest_authorities("MULLER", kind="person")] == [anna.id]
    assert [r.id for r in service.suggest_authorities("anna mull")] == [anna.id]
    assert service.suggest_authorities("m") == []


def test_suggestions_match_the_words_of_any_variant_in_any_order(db_session) -> None:
    hale = make_authority(kind="person", heading="Hale, Dorothy, 1928-2015", variants=("Dot Hale", "Dorothy Hale Benson"))
    make_authority(kind="person", heading="Benson, Arthur, 1890-1950")
    assert [r.id for r in service.suggest_authorities("hale dot", kind="person")] == [hale.id]
    assert [r.id for r in service.suggest_authorities("Benson Dorothy")] == [hale.id]
    assert [r.id for r in service.suggest_authorities("dorothy hale")] == [hale.id]
