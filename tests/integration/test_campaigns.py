"""Campaigns: created from chosen photos, a collection or a saved search; progress; dates; validation."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from photoid.campaigns import queries, service
from photoid.campaigns.models import Campaign
from photoid.campaigns.service import CampaignError, CampaignInput
from photoid.contributions.help import next_photo_id
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.search import queue
from tests.factories import (
    make_authority,
    make_campaign,
    make_collection,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)

TODAY = utcnow().date()


@pytest.fixture
def mill(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Millbrook: two collections of photos and its archivist; Harbor: a photo of another library."""
    library = make_institution(name="Millbrook Library")
    streets = make_collection(institution=library, title="Street life")
    school = make_collection(institution=library, title="School days")
    photos = {
        "parade": make_photo(collection=streets, title="Parade on Main Street", identifier="A-1"),
        "shop": make_photo(collection=streets, title="Shop on Main Street", identifier="A-2"),
        "class": make_photo(collection=school, title="Class of 1923", identifier="B-1"),
        "hidden": make_photo(collection=streets, title="Main Street at night", identifier="A-3", is_published=False),
    }
    other = make_photo(title="Main Street in Harbor")
    archivist = make_user(role="archivist", institutions=[library], display_name="Mill Archivist")
    db.session.commit()
    return {"library": library, "streets": streets, "school": school, "photos": photos, "other": other,
            "archivist": archivist}


def data(**kw: Any) -> CampaignInput:
    values: dict[str, Any] = {"title": "Main Street in the 1950s", "summary": "Who do you know?", "source": "photos",
                              "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=30)).isoformat(),
                              "is_published": True}
    values.update(kw)
    return CampaignInput(**values)


def campaign_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Campaign)) or 0


def test_create_from_chosen_photos_keeps_their_order_and_is_audited(mill) -> None:  # type: ignore[no-untyped-def]
    p = mill["photos"]
    text = f"{p['class'].id}, /photos/{p['parade'].id}  #{p['shop'].id}; {p['class'].id}"
    campaign = service.create_campaign(mill["library"], data(photo_ids=text), editor=mill["archivist"])
    assert service.member_ids(campaign) == [p["class"].id, p["parade"].id, p["shop"].id]
    assert campaign.cover_photo_id == p["class"].id
    assert campaign.created_by_id == mill["archivist"].id and campaign.created_at is not None
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "create_campaign"))
    assert event is not None and event.target_type == "campaign" and event.target_id == campaign.id
    assert event.actor_id == mill["archivist"].id and event.institution_id == mill["library"].id
    assert event.after["title"] == "Main Street in the 1950s" and event.after["photos"] == 3


def test_create_from_a_collection_takes_its_published_photos(mill) -> None:  # type: ignore[no-untyped-def]
    campaign = service.create_campaign(mill["library"], data(source="collection", collection_id=str(mill["streets"].id)),
                                       editor=mill["archivist"])
    assert service.member_ids(campaign) == [mill["photos"]["parade"].id, mill["photos"]["shop"].id]
    assert campaign.collection_id == mill["streets"].id


def test_a_saved_search_is_resolved_to_photos_when_saved_and_again_on_refresh(app, mill) -> None:  # type: ignore[no-untyped-def]
    queue.reindex(app, procs=1)
    campaign = service.create_campaign(mill["library"], data(source="search", search_query="/search?q=main+street&sort=date"),
                                       editor=mill["archivist"])
    # Only this library's published photos: not Harbor's, not the unpublished one.
    assert sorted(service.member_ids(campaign)) == sorted([mill["photos"]["parade"].id, mill["photos"]["shop"].id])
    assert campaign.search_query == "q=main+street"
    late = make_photo(collection=mill["school"], title="Main Street school bus")
    db.session.commit()  # indexed after commit
    assert late.id not in service.member_ids(campaign)  # stored photos, not a live search
    added, removed = service.refresh_photos(campaign, editor=mill["archivist"])
    assert (added, removed) == (1, 0)
    assert late.id in service.member_ids(campaign)
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "refresh_campaign"))
    assert event is not None and event.before["photos"] == 2 and event.after["photos"] == 3
    assert service.refresh_photos(campaign, editor=mill["archivist"]) == (0, 0)


def test_a_saved_search_with_filters_and_without_an_index_falls_back_or_says_why(mill) -> None:  # type: ignore[no-untyped-def]
    campaign = service.create_campaign(mill["library"], data(source="search", search_query="class of 1923"),
                                       editor=mill["archivist"])
    assert service.member_ids(campaign) == [mill["photos"]["class"].id]
    with pytest.raises(CampaignError, match="index is not built"):
        service.create_campaign(mill["library"], data(source="search", search_query=f"q=main&collection={mill['streets'].id}"),
                                editor=mill["archivist"])


def test_progress_matches_a_hand_counted_fixture(mill) -> None:  # type: ignore[no-untyped-def]
    streets = mill["streets"]
    two_facts = make_photo(collection=streets)        # identified (two approved facts count once)
    pending_only = make_photo(collection=streets)     # not identified
    rejected_only = make_photo(collection=streets)    # not identified
    withdrawn = make_photo(collection=streets, is_published=False)  # counts for neither number
    nothing = make_photo(collection=streets)          # not identified
    one_fact = make_photo(collection=streets)         # identified
    outside = make_photo(collection=streets)          # not in the campaign
    for photo, state in [(two_facts, "approved"), (two_facts, "approved"), (pending_only, "pending"),
                         (rejected_only, "rejected"), (withdrawn, "approved"), (one_fact, "approved"),
                         (one_fact, "pending"), (outside, "approved")]:
        make_identification(photo=photo, state=state)
    campaign = make_campaign(photos=[two_facts, pending_only, rejected_only, withdrawn, nothing, one_fact])
    empty = make_campaign(photos=[], institution=mill["library"])
    db.session.commit()
    found = queries.progress([campaign.id, empty.id])
    assert found[campaign.id] == queries.Progress(identified=2, total=5)
    assert found[campaign.id].percent == 40
    assert found[empty.id] == queries.Progress(0, 0) and found[empty.id].percent == 0


@pytest.mark.parametrize(("starts", "ends", "published", "status", "public"), [
    (0, 0, True, "current", True),        # starts and ends today
    (-10, 0, True, "current", True),      # last day
    (-10, -1, True, "finished", True),    # ended yesterday
    (1, 10, True, "upcoming", False),     # starts tomorrow
    (-10, 10, False, "draft", False),     # not published
])
def test_dates_decide_current_finished_and_upcoming(mill, starts, ends, published, status, public) -> None:  # type: ignore[no-untyped-def]
    campaign = make_campaign(photos=[mill["photos"]["parade"]], starts_on=TODAY + timedelta(days=starts),
                             ends_on=TODAY + timedelta(days=ends), is_published=published)
    db.session.commit()
    assert campaign.status_on(TODAY) == status
    assert campaign.is_public_on(TODAY) is public
    assert (queries.viewable(campaign.id, None) is not None) is public
    assert queries.viewable(campaign.id, mill["archivist"]) is campaign  # staff always see their own
    listed = {"current": queries.current_campaigns(TODAY),
              "finished": queries.finished_campaigns(TODAY, page=1, per_page=10).items}
    assert [c.id for c in listed.get(status, [])] == ([campaign.id] if status in listed else [])
    assert (campaign in queries.staff_campaigns(mill["archivist"], TODAY)) is (status in ("draft", "upcoming"))


def _bad(mill: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    p = mill["photos"]
    return [
        ({"title": "  "}, "Please enter a title"),
        ({"title": "<b>Bold</b>"}, "plain text"),
        ({"summary": "x" * 2001}, "at most 2000 characters"),
        ({"starts_on": ""}, "Please give the start date"),
        ({"ends_on": "31/12/2026"}, "year-month-day"),
        ({"starts_on": TODAY.isoformat(), "ends_on": (TODAY - timedelta(days=1)).isoformat()}, "end on or after"),
        ({"photo_ids": ""}, "numbers of the photos"),
        ({"photo_ids": "twelve"}, "is not a photo number"),
        ({"photo_ids": f"{p['parade'].id}, 999999"}, "999999"),
        ({"photo_ids": str(mill["other"].id)}, "not published photos of Millbrook Library"),
        ({"photo_ids": str(p["hidden"].id)}, "not published photos"),
        ({"photo_ids": str(p["parade"].id), "cover_photo_id": str(p["shop"].id)}, "cover must be one of"),
        ({"source": "everything"}, "where the campaign's photos come from"),
        ({"source": "collection", "collection_id": str(mill["other"].collection_id)}, "choose one of the collections"),
        ({"source": "collection", "collection_id": "abc"}, "choose one of the collections"),
        ({"source": "search", "search_query": ""}, "Please give the search"),
        ({"source": "search", "search_query": "/search?q=x&colour=red"}, "do not understand"),
        ({"source": "search", "search_query": "/search?decade=nineteen"}, "filters is not one we know"),
        ({"source": "search", "search_query": "/search?sort=date"}, "would find every photo"),
        ({"source": "search", "search_query": "zeppelin"}, "would be empty"),
    ]


def test_validation_errors_say_what_to_fix_and_save_nothing(mill) -> None:  # type: ignore[no-untyped-def]
    for values, message in _bad(mill):
        values.setdefault("photo_ids", str(mill["photos"]["parade"].id))
        with pytest.raises(CampaignError, match=message):
            service.create_campaign(mill["library"], data(**values), editor=mill["archivist"])
        db.session.rollback()
    assert campaign_count() == 0
    assert db.session.scalar(select(func.count()).select_from(ModerationEvent)) == 0


def test_too_many_photos_and_other_libraries_staff_are_refused(mill, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(service, "MAX_PHOTOS", 1)
    with pytest.raises(CampaignError, match="at most 1 photos"):
        service.create_campaign(mill["library"], data(photo_ids=f"{mill['photos']['parade'].id} {mill['photos']['shop'].id}"),
                                editor=mill["archivist"])
    with pytest.raises(CampaignError, match="more than 1 published photos"):
        service.create_campaign(mill["library"], data(source="collection", collection_id=mill["streets"].id),
                                editor=mill["archivist"])
    stranger = make_user(role="archivist", institutions=[make_institution()])
    with pytest.raises(CampaignError, match="Only the staff of Millbrook Library"):
        service.create_campaign(mill["library"], data(photo_ids=str(mill["photos"]["parade"].id)), editor=stranger)
    assert campaign_count() == 0


def test_a_consortium_campaign_may_hold_its_members_photos(app) -> None:  # type: ignore[no-untyped-def]
    consortium = make_institution(name="County Libraries", is_consortium=True)
    member = make_institution(name="Branch", parent=consortium)
    photo = make_photo(collection=make_collection(institution=member))
    admin = make_user(role="admin")
    db.session.commit()
    campaign = service.create_campaign(consortium, data(photo_ids=str(photo.id)), editor=admin)
    assert service.member_ids(campaign) == [photo.id]


def test_edit_changes_are_attributed_and_unchanged_saves_write_nothing(mill) -> None:  # type: ignore[no-untyped-def]
    p = mill["photos"]
    campaign = service.create_campaign(mill["library"], data(photo_ids=f"{p['parade'].id} {p['shop'].id}"),
                                       editor=mill["archivist"])
    colleague = make_user(role="archivist", institutions=[mill["library"]], display_name="Colleague")
    db.session.commit()
    same = data(photo_ids=f"{p['parade'].id} {p['shop'].id}", cover_photo_id=str(p["parade"].id))
    assert service.update_campaign(campaign, same, editor=colleague) is False
    assert campaign.updated_by_id is None
    changed = data(title="Who ran the shops?", photo_ids=f"{p['shop'].id} {p['class'].id}",
                   cover_photo_id=str(p["class"].id), is_published=False)
    assert service.update_campaign(campaign, changed, editor=colleague) is True
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.title == "Who ran the shops?" and not campaign.is_published
    assert service.member_ids(campaign) == [p["shop"].id, p["class"].id] and campaign.cover_photo_id == p["class"].id
    assert campaign.updated_by_id == colleague.id and campaign.updated_at is not None
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "edit_campaign"))
    assert event.actor_id == colleague.id
    assert event.before["title"] == "Main Street in the 1950s" and event.after["title"] == "Who ran the shops?"
    assert event.before["is_published"] is True and event.after["is_published"] is False
    with pytest.raises(CampaignError, match="chosen by number"):
        service.refresh_photos(campaign, editor=colleague)


def test_what_was_found_lists_approved_identifications_of_published_photos(mill) -> None:  # type: ignore[no-untyped-def]
    p = mill["photos"]
    person = make_authority(heading="Smith, Anna, 1902-1988")
    make_identification(photo=p["parade"], authority=person, state="approved")
    make_identification(photo=p["parade"], text_value="Pending Pete")
    make_identification(photo=p["shop"], kind="keyword", text_value="bakery", state="approved")
    campaign = make_campaign(photos=[p["shop"], p["parade"], p["class"]])
    db.session.commit()
    found = queries.found(campaign)
    assert [(photo.photo_title, [f.label for f in facts]) for photo, facts in found] == [
        ("Shop on Main Street", ["bakery"]), ("Parade on Main Street", ["Smith, Anna, 1902-1988"]),
    ]
    assert queries.found_labels([campaign.id]) == {campaign.id: (["bakery", "Smith, Anna, 1902-1988"], False)}
    assert queries.found_labels([campaign.id], per_campaign=1) == {campaign.id: (["bakery"], True)}


def test_help_identify_stays_within_the_campaign(mill) -> None:  # type: ignore[no-untyped-def]
    p = mill["photos"]
    campaign = make_campaign(photos=[p["shop"], p["class"]])
    db.session.commit()
    order = []
    current = next_photo_id(None, campaign.id)
    while current is not None and current not in order:
        order.append(current)
        current = next_photo_id(current, campaign.id)
    assert sorted(order) == sorted([p["shop"].id, p["class"].id])
    assert next_photo_id(p["parade"].id, campaign.id) in (p["shop"].id, p["class"].id)  # not in the campaign: start over
