"""Campaign pages: staff create and edit through the forms, the landing page and its progress, the list,
Help identify restricted to a campaign, and the embed card."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from photoid.campaigns.models import Campaign
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import make_authority, make_campaign, make_collection, make_identification, make_institution, make_photo
from tests.web.pages import parse as page, text

TODAY = utcnow().date()


@pytest.fixture
def mill(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    library = make_institution(name="Millbrook Library")
    streets = make_collection(institution=library, title="Street life")
    photos = [make_photo(collection=streets, title=f"Main Street {n}", identifier=f"A-{n}") for n in range(1, 4)]
    outside = make_photo(collection=streets, title="Harbour view", identifier="B-1")
    person = make_authority(heading="Smith, Anna, 1902-1988")
    make_identification(photo=photos[0], authority=person, state="approved")
    db.session.commit()
    return {"library": library, "streets": streets, "photos": photos, "outside": outside}


def form_data(client, path: str, **values: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    doc = page(client.get(path))
    token = doc.xpath("//main//form[contains(@class,'campaign-form')]//input[@name='csrf_token']/@value")[0]
    data: dict[str, Any] = {"csrf_token": token, "title": "Main Street in the 1950s", "summary": "Who do you know?",
                            "source": "photos", "starts_on": TODAY.isoformat(),
                            "ends_on": (TODAY + timedelta(days=30)).isoformat(), "is_published": "y"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_create_a_campaign_through_the_form(client, login_as, mill) -> None:  # type: ignore[no-untyped-def]
    archivist = login_as("archivist", institutions=[mill["library"]])
    ids = " ".join(str(p.id) for p in mill["photos"])
    new = page(client.get("/campaigns/new"))
    assert new.xpath("//label[@for='title']") and new.xpath("//label[@for='starts_on']")
    response = client.post("/campaigns/new", data=form_data(client, "/campaigns/new", institution=str(mill["library"].id),
                                                          photo_ids=ids))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.created_by_id == archivist.id
    landing = page(client.get(f"/campaigns/{campaign.id}"))
    assert "Created the campaign “Main Street in the 1950s” with 3 photos." in text(landing)
    assert "1 of 3 photos identified (33%)" in text(landing)


def test_form_errors_come_back_with_a_message_and_400(client, login_as, mill) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[mill["library"]])
    data = form_data(client, "/campaigns/new", institution=str(mill["library"].id), photo_ids=str(mill["photos"][0].id),
                     ends_on=(TODAY - timedelta(days=1)).isoformat(), title="Kept title")
    response = client.post("/campaigns/new", data=data)
    assert response.status_code == 400
    doc = page(response)
    assert "The campaign must end on or after the day it starts." in text(doc.xpath("//*[@role='alert']")[0])
    assert doc.xpath("//input[@name='title']/@value") == ["Kept title"]
    other_library = make_institution(name="Elsewhere")
    db.session.commit()
    response = client.post("/campaigns/new", data={**data, "ends_on": TODAY.isoformat(), "institution": str(other_library.id)})
    assert response.status_code == 400 and "Please choose one of the libraries you look after." in response.get_data(as_text=True)
    no_token = {k: v for k, v in data.items() if k != "csrf_token"}
    assert client.post("/campaigns/new", data={**no_token, "ends_on": TODAY.isoformat()}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_patrons_and_other_libraries_cannot_create_or_edit(client, login_as, mill) -> None:  # type: ignore[no-untyped-def]
    campaign = make_campaign(photos=mill["photos"])
    db.session.commit()
    assert client.get("/campaigns/new").status_code == 302  # anonymous: sign in first
    login_as("patron")
    assert client.get("/campaigns/new").status_code == 403
    assert client.post("/campaigns/new", data={"title": "x"}).status_code in (400, 403)
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403
    assert "Start a campaign" not in client.get("/campaigns").get_data(as_text=True)
    login_as("archivist", institutions=[make_institution()])
    db.session.commit()
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403
    assert "Edit this campaign" not in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_staff_edit_publish_and_the_change_is_audited(client, login_as, mill) -> None:  # type: ignore[no-untyped-def]
    campaign = make_campaign(photos=mill["photos"], is_published=False, title="Draft title")
    db.session.commit()
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404  # drafts are hidden from visitors
    archivist = login_as("archivist", institutions=[mill["library"]])
    assert "only staff of Millbrook Library can see it" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    edit = page(client.get(f"/campaigns/{campaign.id}/edit"))
    assert edit.xpath("//textarea[@name='photo_ids']")[0].text_content().strip() == ", ".join(
        str(p.id) for p in mill["photos"])
    data = form_data(client, f"/campaigns/{campaign.id}/edit", title="Who ran the shops?",
                     photo_ids=", ".join(str(p.id) for p in mill["photos"]), cover_photo=str(mill["photos"][2].id))
    response = client.post(f"/campaigns/{campaign.id}/edit", data=data, follow_redirects=True)
    assert response.status_code == 200 and "Saved “Who ran the shops?”." in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.is_published and saved.cover_photo_id == mill["photos"][2].id and saved.updated_by_id == archivist.id
    assert db.session.scalar(select(ModerationEvent.actor_id).where(ModerationEvent.action == "edit_campaign")) == archivist.id
    log = client.get("/moderation/log").get_data(as_text=True)
    assert "Edited a campaign" in log and f"Campaign {campaign.id}: Who ran the shops?" in log
    client.post("/logout", data={"csrf_token": data["csrf_token"]})
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200


def test_landing_page_shows_text_cover_progress_what_was_found_and_leads_to_help(client, mill) -> None:  # type: ignore[no-untyped-def]
    campaign = make_campaign(photos=mill["photos"], title="Main Street <then>", summary="First paragraph.\n\nSecond & last.")
    db.session.commit()
    doc = page(client.get(f"/campaigns/{campaign.id}"))
    assert text(doc.xpath("//h1")[0]) == "Main Street <then>"  # escaped, shown as typed
    assert [text(p) for p in doc.xpath("//div[@class='campaign-text']/p")][:2] == ["First paragraph.", "Second & last."]
    cover = doc.xpath("//img[@class='campaign-cover']")[0]
    assert cover.get("alt") == "Main Street 1" and f"/media/photos/{mill['photos'][0].id}/display.jpg" in cover.get("src")
    bar = doc.xpath("//progress")[0]
    assert (bar.get("value"), bar.get("max")) == ("1", "3")
    assert text(doc.xpath(f"//*[@id='{bar.get('aria-labelledby')}']")[0]) == "1 of 3 photos identified (33%)"
    assert doc.xpath("//a[normalize-space()='Help identify these photos']/@href") == [f"/help?campaign={campaign.id}"]
    assert "Main Street 1: Smith, Anna, 1902-1988" in text(doc.xpath("//ul[@class='campaign-found-list']")[0])
    meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//head/meta[@content]")}
    assert meta["og:title"] == "Main Street <then>" and meta["og:url"].endswith(f"/campaigns/{campaign.id}")
    assert meta["og:image"].endswith(f"/media/photos/{mill['photos'][0].id}/display.jpg")
    assert meta["twitter:card"] == "summary_large_image" and meta["og:description"] == "First paragraph. Second & last."
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1600", "1200")
    assert doc.xpath("//nav[@aria-label='Account']//a[@href='/campaigns']")  # in the site header


def test_help_identify_and_next_photo_stay_within_the_campaign(client, mill) -> None:  # type: ignore[no-untyped-def]
    members = mill["photos"][1:]  # two photos with nothing approved
    campaign = make_campaign(photos=members, title="Two photos")
    db.session.commit()
    doc = page(client.get(f"/help?campaign={campaign.id}"))
    assert text(doc.xpath("//h1")[0]) == "Help identify: Two photos"
    titles = [text(h) for h in doc.xpath("//main//li[contains(@class,'photo-card')]//h2")]
    assert sorted(titles) == ["Main Street 2", "Main Street 3"]  # not the harbour view, not the identified one
    start = doc.xpath("//a[normalize-space()='Start with the first photo']/@href")[0]
    assert start == f"/help/next?campaign={campaign.id}"
    seen = []
    location = client.get(start).headers["Location"]
    while "/photos/" in location:
        assert location.endswith(f"?campaign={campaign.id}")
        photo_page = page(client.get(location))
        seen.append(text(photo_page.xpath("//h1")[0]))
        next_link = photo_page.xpath("//a[normalize-space()='Next photo that needs help']/@href")[0]
        assert f"campaign={campaign.id}" in next_link
        location = client.get(next_link).headers["Location"]
        assert len(seen) <= 2
    assert sorted(seen) == ["Main Street 2", "Main Street 3"]
    assert location.endswith(f"/campaigns/{campaign.id}")
    assert "Every photo of “Two photos” that needed help has been looked at." in client.get(location).get_data(as_text=True)
    assert client.get("/help?campaign=abc").status_code == 400
    assert client.get("/help?campaign=99999").status_code == 404


def test_help_for_a_draft_campaign_is_not_found_for_visitors(client, mill) -> None:  # type: ignore[no-untyped-def]
    draft = make_campaign(photos=mill["photos"], is_published=False)
    later = make_campaign(photos=mill["photos"], starts_on=TODAY + timedelta(days=2), ends_on=TODAY + timedelta(days=9))
    db.session.commit()
    for campaign in (draft, later):
        assert client.get(f"/help?campaign={campaign.id}").status_code == 404
        assert client.get(f"/help/next?campaign={campaign.id}").status_code == 404
        assert client.get(f"/campaigns/{campaign.id}").status_code == 404
        assert client.get(f"/embed/campaigns/{campaign.id}").status_code == 404


def test_the_list_shows_current_first_then_finished_with_what_was_found(client, login_as, mill) -> None:  # type: ignore[no-untyped-def]
    make_campaign(photos=mill["photos"], title="Running campaign")
    make_campaign(photos=mill["photos"][:1], title="Finished campaign", starts_on=TODAY - timedelta(days=60),
                  ends_on=TODAY - timedelta(days=1))
    make_campaign(photos=mill["photos"], title="Future campaign", starts_on=TODAY + timedelta(days=5),
                  ends_on=TODAY + timedelta(days=9))
    make_campaign(photos=mill["photos"], title="Draft campaign", is_published=False)
    db.session.commit()
    doc = page(client.get("/campaigns"))
    headings = [text(h) for h in doc.xpath("//main//h2 | //main//h3")]
    assert headings == ["Running now", "Running campaign", "Finished campaigns", "Finished campaign"]
    finished = doc.xpath("//section[@aria-labelledby='finished-heading']")[0]
    assert "Identified: Smith, Anna, 1902-1988." in text(finished)
    assert "1 of 1 photo identified (100%)" in text(finished)
    login_as("archivist", institutions=[mill["library"]])
    staff = page(client.get("/campaigns"))
    unlisted = text(staff.xpath("//section[@aria-labelledby='unlisted-heading']")[0])
    assert "Future campaign" in unlisted and "Draft campaign" in unlisted and "Not started yet" in unlisted


def test_the_embed_card_stands_alone_needs_no_cookie_and_opens_the_landing_page(client, mill) -> None:  # type: ignore[no-untyped-def]
    campaign = make_campaign(photos=mill["photos"], title="Main Street")
    db.session.commit()
    response = client.get(f"/embed/campaigns/{campaign.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    doc = page(response)
    assert not doc.xpath("//header") and not doc.xpath("//form") and not doc.xpath("//script")
    assert text(doc.xpath("//h1")[0]) == "Main Street"
    assert doc.xpath("//img")[0].get("alt") == "Main Street 1"
    assert "1 of 3 photos identified (33%)" in text(doc)
    link = doc.xpath("//a[contains(normalize-space(), 'Help identify')]")[0]
    assert link.get("target") == "_blank" and "noopener" in link.get("rel")
    assert link.get("href") == f"http://localhost/campaigns/{campaign.id}"
    assert client.get("/embed/campaigns/424242").status_code == 404


def test_the_embed_card_may_be_framed_by_any_site_and_the_landing_page_may_not(client, mill) -> None:  # type: ignore[no-untyped-def]
    campaign = make_campaign(photos=mill["photos"])
    db.session.commit()
    embed = client.get(f"/embed/campaigns/{campaign.id}")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    landing = client.get(f"/campaigns/{campaign.id}")
    assert "frame-ancestors 'self'" in landing.headers["Content-Security-Policy"]
    assert landing.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_staff_refresh_a_collection_campaign_and_a_numbered_one_says_why_not(client, login_as, mill) -> None:  # type: ignore[no-untyped-def]
    by_collection = make_campaign(photos=mill["photos"], source="collection", collection_id=mill["streets"].id)
    by_number = make_campaign(photos=mill["photos"])
    login_as("archivist", institutions=[mill["library"]])
    ids = (by_collection.id, by_number.id)
    db.session.commit()
    edit = page(client.get(f"/campaigns/{ids[0]}/edit"))
    form = edit.xpath("//form[contains(@action, '/refresh')]")[0]
    token = form.xpath(".//input[@name='csrf_token']/@value")[0]
    assert text(form.xpath(".//button")[0]) == "Refresh the photos from the collection"
    response = client.post(f"/campaigns/{ids[0]}/refresh", data={"csrf_token": token}, follow_redirects=True)
    assert "Refreshed the photos: 1 added, 0 no longer found." in text(page(response))  # the harbour view
    response = client.post(f"/campaigns/{ids[1]}/refresh", data={"csrf_token": token})
    assert response.status_code == 400
    assert "chosen by number, so there is nothing to refresh" in text(page(response).xpath("//*[@role='alert']")[0])
    assert client.post(f"/campaigns/{ids[0]}/refresh", data={}).status_code == 400  # no CSRF token
