"""The moderation queue page: who may see it, what it shows, and every decision as a plain form POST."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, select

from photoid.contributions.models import Comment, Identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.factories import (
    make_authority,
    make_collection,
    make_comment,
    make_identification,
    make_institution,
    make_photo,
    make_user,
    make_vote,
)
from tests.web.pages import button_form, labelled, parse as _doc, submit, text as _text

STATIC = Path(__file__).resolve().parents[2] / "photoid" / "static"


# --- reading the page as a person would ----------------------------------------------------------

def item_titles(doc) -> list[str]:  # type: ignore[no-untyped-def]
    """The headings of the queue's items (each item is an article named by its heading)."""
    return [_text(doc.get_element_by_id(a.get("aria-labelledby"))) for a in doc.xpath("//article[@aria-labelledby]")]


def item(doc, title: str):  # type: ignore[no-untyped-def]
    for article in doc.xpath("//article[@aria-labelledby]"):
        if _text(doc.get_element_by_id(article.get("aria-labelledby"))) == title:
            return article
    raise AssertionError(f"no item titled {title!r} in {item_titles(doc)}")


def state(identification: Identification) -> str:
    db.session.expire_all()
    return db.session.get(Identification, identification.id).state


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def library(db_session):  # type: ignore[no-untyped-def]
    """One library with two collections and a pending identification; another library with one too."""
    institution = make_institution(name="Millbrook Public Library")
    streets = make_collection(institution=institution, title="Street scenes")
    people = make_collection(institution=institution, title="Portraits")
    photo = make_photo(collection=streets, title="Parade on Main Street")
    patron = make_user(display_name="Margaret H.")
    claim = make_identification(photo=photo, contributor=patron, text_value="John Smith", evidence="He was my grandfather.",
                                created_at=utcnow() - timedelta(days=3))
    elsewhere = make_identification(photo=make_photo(title="Harbour"), text_value="Harbour master")
    db.session.commit()
    return {"institution": institution, "streets": streets, "people": people, "photo": photo, "patron": patron,
            "claim": claim, "elsewhere": elsewhere}


# --- access --------------------------------------------------------------------------------------

def test_who_may_open_the_queue_and_decide(app, client, login_as, csrf_token, library) -> None:
    assert client.get("/moderation").status_code == 302 and "/login" in client.get("/moderation").headers["Location"]
    token = csrf_token("/login")
    anonymous = client.post(f"/moderation/identifications/{library['claim'].id}/approve", data={"csrf_token": token})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    login_as("patron")
    assert client.get("/moderation").status_code == 403
    assert client.post(f"/moderation/identifications/{library['claim'].id}/approve",
                       data={"csrf_token": csrf_token("/me/contributions")}).status_code == 403
    assert client.get(f"/moderation/identifications/{library['claim'].id}/crop.jpg").status_code == 403

    login_as("archivist", institutions=[library["elsewhere"].photo.institution])
    page = client.get("/moderation")
    assert page.status_code == 200 and item_titles(_doc(page)) == ["Person: Harbour master"]
    refused = client.post(f"/moderation/identifications/{library['claim'].id}/approve",
                          data={"csrf_token": csrf_token("/moderation")})
    assert refused.status_code == 403
    assert client.get(f"/moderation/identifications/{library['claim'].id}/changes").status_code == 403
    assert state(library["claim"]) == "pending"

    login_as("archivist", institutions=[library["institution"]])
    assert item_titles(_doc(client.get("/moderation"))) == ["Person: John Smith"]

    login_as("admin")
    assert set(item_titles(_doc(client.get("/moderation")))) == {"Person: John Smith", "Person: Harbour master"}


def test_every_decision_needs_the_form_token(client, login_as, library) -> None:
    login_as("archivist", institutions=[library["institution"]])
    for path in ("approve", "reject", "spam", "changes"):
        response = client.post(f"/moderation/identifications/{library['claim'].id}/{path}", data={"reason": "No."})
        assert response.status_code == 400 and "form expired" in response.get_data(as_text=True)
    assert client.post("/moderation/bulk", data={"ids": [library["claim"].id], "action": "approve"}).status_code == 400
    assert state(library["claim"]) == "pending"


def test_the_header_shows_staff_the_count_and_age_of_the_oldest_item(client, login_as, library) -> None:
    login_as("archivist", institutions=[library["institution"]])
    links = [_text(a) for a in _doc(client.get("/")).xpath("//nav[@aria-label='Account']//a")]
    assert "Moderation (1, oldest 3 days)" in links
    login_as("patron")
    assert not [a for a in _doc(client.get("/")).xpath("//a") if _text(a).startswith("Moderation")]


# --- what an item shows --------------------------------------------------------------------------

def test_an_item_shows_the_claim_evidence_record_votes_and_competing_claims(client, login_as, library) -> None:
    claim, patron = library["claim"], library["patron"]
    claim.region_x, claim.region_y, claim.region_w, claim.region_h = 0.1, 0.1, 0.2, 0.3
    rival = make_identification(photo=claim.photo, text_value="Jack Smith", region_x=0.12, region_y=0.1, region_w=0.2, region_h=0.3)
    make_identification(photo=make_photo(collection=library["streets"]), contributor=patron, state="approved")
    make_identification(photo=make_photo(collection=library["streets"]), contributor=patron, state="rejected")
    make_vote(identification=claim, voter=make_user(display_name="Tom"), stance="agree", note="Same face as in 1950.")
    make_vote(identification=claim, voter=make_user(display_name="Sue"), stance="disagree", note="That is his brother.")
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    doc = _doc(client.get("/moderation"))
    card = item(doc, "Person: John Smith")
    text = _text(card)
    assert "“He was my grandfather.”" in text
    assert "Margaret H. — 1 approved, 1 rejected before" in text
    assert "1 agree, 1 disagree" in text
    assert "Tom agrees: “Same face as in 1950.”" in text and "Sue disagrees: “That is his brother.”" in text
    competing = card.xpath(".//h4[normalize-space()='Competing suggestions']/following-sibling::ul[1]")[0]
    assert "Jack Smith" in _text(competing)
    assert card.xpath(".//img[@alt='The box the contributor marked, outlined in yellow on the part of the photo around it']/@src") == [
        f"/moderation/identifications/{claim.id}/crop.jpg"]
    assert card.xpath(".//a[starts-with(normalize-space(), 'See the whole photo')]/@href") == [f"/photos/{claim.photo_id}"]
    assert "Person: Jack Smith" in item_titles(doc) and rival.id


def test_filters_narrow_the_queue(client, login_as, library) -> None:
    claim = library["claim"]
    portrait = make_photo(collection=library["people"], title="Portrait")
    date = make_identification(photo=portrait, kind="date", date_edtf="1945~")
    boxed = make_identification(photo=portrait, text_value="Boxed", region_x=0.1, region_y=0.1, region_w=0.3, region_h=0.3)
    make_identification(photo=portrait, text_value="Also boxed", region_x=0.12, region_y=0.1, region_w=0.3, region_h=0.3)
    disputed = make_identification(photo=portrait, kind="place", text_value="Mill Road")
    make_vote(identification=disputed, stance="disagree")
    make_comment(photo=portrait, body="Lovely photo", state="pending")
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])

    def titles(query: str) -> set[str]:
        response = client.get(f"/moderation?{query}")
        assert response.status_code == 200
        return set(item_titles(_doc(response)))

    assert titles("kind=date") == {"Date: about 1945"}
    assert titles("kind=comment") == {"Comment by " + db.session.scalar(select(Comment)).author.display_name + " on “Portrait”"}
    assert titles(f"collection={library['streets'].id}") == {"Person: John Smith"}
    assert titles(f"contributor={claim.contributor_id}") == {"Person: John Smith"}
    assert titles("has_region=y") == {"Person: Boxed", "Person: Also boxed"}
    assert titles("contested=y") == {"Person: Boxed", "Person: Also boxed", "Place: Mill Road"}
    assert date.id and boxed.id

    doc = _doc(client.get("/moderation"))
    form = doc.xpath("//form[@aria-label='Filter the queue']")[0]
    for label in ("Show", "Collection", "Order", "Only items with a box on the photo",
                  "Only contested items (disputed, or a competing suggestion)"):
        assert labelled(form, label) is not None
    bad = client.get("/moderation?kind=cats")
    assert bad.status_code == 400 and "filters were not understood" in bad.get_data(as_text=True)


def test_most_supported_first_counts_agreements_minus_disputes(client, login_as, library) -> None:
    photo = library["photo"]
    liked = make_identification(photo=photo, text_value="Liked", created_at=utcnow() - timedelta(days=1))
    disliked = make_identification(photo=photo, text_value="Disliked", created_at=utcnow() - timedelta(days=5))
    for _ in range(3):
        make_vote(identification=liked, stance="agree")
    make_vote(identification=disliked, stance="disagree")
    make_vote(identification=library["claim"], stance="agree")
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    assert item_titles(_doc(client.get("/moderation"))) == ["Person: Disliked", "Person: John Smith", "Person: Liked"]
    assert item_titles(_doc(client.get("/moderation?sort=support"))) == [
        "Person: Liked", "Person: John Smith", "Person: Disliked"]


def test_the_page_takes_the_same_number_of_queries_for_few_or_many_items(client, login_as, library) -> None:
    archivist = login_as("archivist", institutions=[library["institution"]])

    def add_items(count: int) -> None:
        for n in range(count):
            claim = make_identification(photo=make_photo(collection=library["streets"]), text_value=f"Person {n}",
                                        region_x=0.1, region_y=0.1, region_w=0.2, region_h=0.2)
            make_vote(identification=claim, stance="disagree", note="No")
            make_comment(photo=claim.photo, state="pending")
        db.session.commit()

    def queries_for_page() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/moderation").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    add_items(2)
    few = queries_for_page()
    add_items(10)
    assert queries_for_page() == few
    assert archivist.id


# --- decisions -----------------------------------------------------------------------------------

def test_approve_puts_the_fact_on_the_photo_page_with_provenance(client, login_as, library) -> None:
    login_as("archivist", institutions=[library["institution"]])
    card = item(_doc(client.get("/moderation")), "Person: John Smith")
    response = submit(client, button_form(card, "Approve Person: John Smith"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    status = _doc(page).xpath("//*[@role='status']")[0]
    assert "Approved: Person “John Smith” on “Parade on Main Street”" in _text(status)
    assert item_titles(_doc(page)) == []
    public = _text(_doc(client.get(f"/photos/{library['photo'].id}")))
    assert "John Smith — contributed by Margaret H., verified by Millbrook Public Library on" in public


def test_reject_with_a_listed_or_written_reason_and_never_without(client, login_as, library) -> None:
    photo = library["photo"]
    second = make_identification(photo=photo, text_value="Jane Doe")
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    card = item(_doc(client.get("/moderation")), "Person: John Smith")
    reasons = [_text(o) for o in labelled(card, "Reason").xpath(".//option")]
    assert "We could not verify this identification." in reasons
    form = button_form(card, "Reject Person: John Smith")
    missing = submit(client, form, reason="", reason_text="")
    assert missing.status_code == 400
    assert "Please choose or write a reason" in _text(_doc(missing).xpath("//*[@role='alert']")[0])
    assert state(library["claim"]) == "pending"

    assert submit(client, form, reason="We could not verify this identification.", reason_text="").status_code == 302
    assert state(library["claim"]) == "rejected"
    card = item(_doc(client.get("/moderation")), "Person: Jane Doe")
    submit(client, button_form(card, "Reject Person: Jane Doe"), reason="", reason_text="She moved away in 1930.")
    db.session.expire_all()
    assert db.session.get(Identification, second.id).review_note == "She moved away in 1930."


def test_spam_and_deciding_twice(client, login_as, library) -> None:
    login_as("archivist", institutions=[library["institution"]])
    form = button_form(item(_doc(client.get("/moderation")), "Person: John Smith"), "Mark as spam Person: John Smith")
    assert submit(client, form).status_code == 302
    assert state(library["claim"]) == "spam"
    again = submit(client, form)  # the same form, sent again from a stale page
    assert again.status_code == 409 and "already been decided" in again.get_data(as_text=True)


def test_ones_own_contribution_is_refused_with_a_clear_message(client, login_as, library) -> None:
    archivist = login_as("archivist", institutions=[library["institution"]])
    own = make_identification(photo=library["photo"], contributor=archivist, text_value="Me")
    db.session.commit()
    form = button_form(item(_doc(client.get("/moderation")), "Person: Me"), "Approve Person: Me")
    refused = submit(client, form)
    assert refused.status_code == 403
    assert "You cannot decide on your own identification" in _text(_doc(refused).xpath("//*[@role='alert']")[0])
    assert state(own) == "pending"


def test_bulk_approve_reports_what_was_done_and_what_was_refused(client, login_as, library) -> None:
    archivist = login_as("archivist", institutions=[library["institution"]])
    second = make_identification(photo=library["photo"], text_value="Jane Doe")
    own = make_identification(photo=library["photo"], contributor=archivist, text_value="Me")
    db.session.commit()
    doc = _doc(client.get("/moderation"))
    bulk = button_form(doc, "Approve ticked items")
    ticked = [labelled(item(doc, title), f"Tick {title}").get("value")
              for title in ("Person: John Smith", "Person: Jane Doe", "Person: Me")]
    response = client.post(bulk.get("action"), data={
        "csrf_token": bulk.xpath(".//input[@name='csrf_token']/@value")[0], "ids": ticked, "action": "approve"})
    messages = _text(_doc(client.get(response.headers["Location"])).xpath("//*[@role='status']")[0])
    assert "Approved 2 items." in messages and f"Item {own.id} was not changed: You cannot decide on your own" in messages
    assert (state(library["claim"]), state(second), state(own)) == ("approved", "approved", "pending")

    no_reason = client.post(bulk.get("action"), data={
        "csrf_token": bulk.xpath(".//input[@name='csrf_token']/@value")[0], "ids": [own.id], "action": "reject"})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_data(as_text=True)


def test_approve_with_changes_links_a_known_record(client, login_as, library) -> None:
    smith = make_authority(kind="person", heading="Smith, John, 1890-1962")
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    card = item(_doc(client.get("/moderation")), "Person: John Smith")
    link = [a for a in card.xpath(".//a") if _text(a) == "Approve with changes Person: John Smith"][0]
    form_page = _doc(client.get(link.get("href")))
    form = button_form(form_page, "Approve with these changes")
    choice = labelled(form, "Smith, John, 1890-1962")
    bad = submit(client, form, authority_id=choice.get("value"), region_left="abc", region_top="1",
                 region_width="10", region_height="10")
    assert bad.status_code == 400 and "must be a number between 0 and 100" in bad.get_data(as_text=True)
    assert submit(client, form, authority_id=choice.get("value"), note="Linked to our record.").status_code == 302
    assert state(library["claim"]) == "approved_with_changes"
    public = _text(_doc(client.get(f"/photos/{library['photo'].id}")))
    assert "Smith, John, 1890-1962 — contributed by Margaret H." in public and smith.id


def test_comments_held_for_review_are_published_from_the_queue(client, login_as, library) -> None:
    comment = make_comment(photo=library["photo"], author=library["patron"], body="My uncle is on the left.", state="pending")
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    card = item(_doc(client.get("/moderation")), "Comment by Margaret H. on “Parade on Main Street”")
    assert "My uncle is on the left." in _text(card)
    assert submit(client, button_form(card, "Publish the comment by Margaret H.")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).state == "published"


# --- the crop, and the page's script -------------------------------------------------------------

def _jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def _yellow(pixel) -> bool:  # type: ignore[no-untyped-def]
    red, green, blue = pixel
    return red > 200 and green > 160 and blue < 90


def test_the_crop_outlines_the_marked_box_on_its_surroundings(client, login_as, library) -> None:
    photo = add_photo(collection=library["streets"], image_data=_jpeg((800, 400)), identifier="MPL-9", title="Wide street")
    face = make_identification(photo=photo, text_value="Face in the crowd",
                               region_x=0.45, region_y=0.45, region_w=0.05, region_h=0.1)  # 40 x 40 pixels
    unboxed = make_identification(photo=photo)
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    card = item(_doc(client.get("/moderation")), "Person: Face in the crowd")
    [picture] = card.xpath(".//figure//img")
    assert "outlined" in picture.get("alt")
    response = client.get(picture.get("src"))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "JPEG"
        # Not the 40-pixel box enlarged, but at least 320 pixels of the photo around it, at its own size.
        assert image.width >= 320 and image.height >= 320
        rgb = image.convert("RGB")
        middle = rgb.getpixel((image.width // 2, image.height // 2))
        assert not _yellow(middle) and abs(middle[0] - middle[2]) < 30  # the photo inside the box is untouched
        row = [rgb.getpixel((x, image.height // 2)) for x in range(image.width)]
        assert sum(_yellow(p) for p in row) >= 2  # the box's left and right edges are drawn
        assert not _yellow(row[5]) and not _yellow(row[-5])  # and the surroundings are the photo
    assert client.get(f"/moderation/identifications/{unboxed.id}/crop.jpg").status_code == 404
    assert client.get("/moderation/identifications/999999/crop.jpg").status_code == 404


def test_keyboard_shortcuts_come_from_a_script_file_and_are_listed(client, login_as, library) -> None:
    login_as("archivist", institutions=[library["institution"]])
    doc = _doc(client.get("/moderation"))
    assert any(src.startswith("/static/js/moderation.js?v=") for src in doc.xpath("//script/@src"))
    assert all(s.get("src") for s in doc.xpath("//script"))  # no inline script
    assert not doc.xpath("//*[@style]")
    shortcuts = doc.xpath("//h2[normalize-space()='Keyboard shortcuts']/following-sibling::dl[1]")[0]
    assert "Approve the current item" in _text(shortcuts) and "Next / previous item" in _text(shortcuts)
    script = (STATIC / "js" / "moderation.js").read_text()
    for key in ('"j"', '"k"', '"a"', '"e"', '"r"', '"s"', '"?"'):
        assert f"case {key}" in script


def test_the_age_filter_shows_only_what_has_waited_longer(client, login_as) -> None:
    from datetime import timedelta

    from photoid.db import utcnow
    from tests.factories import make_identification as identification
    from tests.factories import make_photo as photo_of

    archivist = login_as("archivist")
    photo = photo_of()
    archivist.institutions.append(photo.institution)
    identification(photo=photo, text_value="Waited a fortnight", created_at=utcnow() - timedelta(days=14))
    identification(photo=photo, text_value="Sent this morning")
    db.session.commit()
    everything = client.get("/moderation").get_data(as_text=True)
    assert "Waited a fortnight" in everything and "Sent this morning" in everything
    older = client.get("/moderation?age=7").get_data(as_text=True)
    assert "Waited a fortnight" in older and "Sent this morning" not in older
    not_understood = client.get("/moderation?age=banana")
    assert not_understood.status_code == 400 and "not understood" in not_understood.get_data(as_text=True)


# --- what the patron sees after a decision -------------------------------------------------------

def sign_in_as(client, user) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user.login_id, True


def test_a_listed_reason_and_a_written_note_both_reach_the_patron(client, login_as, library) -> None:
    login_as("archivist", institutions=[library["institution"]])
    card = item(_doc(client.get("/moderation")), "Person: John Smith")
    assert labelled(card, "Or write your own reason").get("aria-describedby")
    response = submit(client, button_form(card, "Reject Person: John Smith"),
                      reason="We could not verify this identification.", reason_text="The parade was in 1931, he had moved.")
    assert response.status_code == 302
    sign_in_as(client, library["patron"])
    both = "We could not verify this identification. The parade was in 1931, he had moved."
    assert both in _text(_doc(client.get("/me/contributions")).xpath("//table")[0])
    assert both in _text(_doc(client.get("/me/notifications")).xpath("//ul[@class='notification-list']")[0])


def test_approve_with_changes_stays_one_contribution_of_the_patron(client, login_as, library) -> None:
    make_authority(kind="person", heading="Smith, John, 1890-1962")
    earlier = make_identification(photo=library["photo"], contributor=library["patron"], text_value="Mary Smith",
                                  state="rejected", reviewer=make_user(role="archivist"), reviewed_at=utcnow())
    db.session.commit()
    login_as("archivist", institutions=[library["institution"]])
    form_page = _doc(client.get(f"/moderation/identifications/{library['claim'].id}/changes"))
    form = button_form(form_page, "Approve with these changes")
    choice = labelled(form, "Smith, John, 1890-1962")
    assert submit(client, form, authority_id=choice.get("value")).status_code == 302
    make_identification(photo=library["photo"], contributor=library["patron"], text_value="Tom Smith")
    db.session.commit()
    card = item(_doc(client.get("/moderation")), "Person: Tom Smith")
    assert "1 approved, 1 rejected before" in _text(card)

    sign_in_as(client, library["patron"])
    rows = _doc(client.get("/me/contributions")).xpath("//table[caption[contains(., 'identifications')]]/tbody/tr")
    assert len(rows) == 3 and earlier.id  # the corrected claim, the earlier one and Tom Smith: no second approved item
    claim_row = [_text(r) for r in rows if "John Smith" in _text(r)]
    assert len(claim_row) == 1 and "Approved with changes" in claim_row[0]
    assert "The archivist's version: Smith, John, 1890-1962" in claim_row[0]
    assert not [r for r in rows if _text(r).startswith("Parade on Main Street Person: Smith, John")]
    deletion = _text(_doc(client.get("/account/delete")))
    assert "3 identifications," in deletion


# --- names the library knows under another form --------------------------------------------------

def test_a_free_text_name_like_a_known_variant_is_flagged_with_one_button_to_link_it(client, login_as, library) -> None:
    hale = make_authority(kind="person", heading="Hale, Dorothy, 1928-2015", variants=("Dot Hale", "Dorothy Hale Benson"))
    make_authority(kind="person", heading="Benson, Arthur, 1890-1950")
    make_authority(kind="place", heading="Hale Street (Millbrook)")
    dot = make_identification(photo=library["photo"], text_value="Dot Benson (née Hale)")
    db.session.commit()
    archivist = login_as("archivist", institutions=[library["institution"]])
    doc = _doc(client.get("/moderation"))
    card = item(doc, "Person: Dot Benson (née Hale)")
    assert "Possibly: Hale, Dorothy, 1928-2015 (known as “Dot Hale”)" in _text(card)
    assert "Arthur" not in _text(card) and "Hale Street" not in _text(card)  # one shared word, another kind
    assert "Possibly" not in _text(item(doc, "Person: John Smith"))
    shortcuts = _text(doc.xpath("//h2[normalize-space()='Keyboard shortcuts']/following-sibling::dl[1]")[0])
    assert "Link the current item's name to the record it possibly is" in shortcuts
    assert 'case "l"' in (STATIC / "js" / "moderation.js").read_text()
    changes = _doc(client.get(f"/moderation/identifications/{dot.id}/changes"))  # offered there too
    assert labelled(button_form(changes, "Approve with these changes"), "Hale, Dorothy, 1928-2015").get("value") == str(hale.id)

    form = button_form(card, "Link and approve Person: Dot Benson (née Hale) as Hale, Dorothy, 1928-2015")
    response = submit(client, form, **{field.get("name"): field.get("value") for field in form.xpath(".//input[@type='hidden']")
                                       if field.get("name") != "csrf_token"})
    assert response.status_code == 302
    assert state(dot) == "approved_with_changes"
    linked = db.session.scalar(select(Identification).where(Identification.supersedes_id == dot.id))
    assert linked.authority_id == hale.id and linked.state == "approved" and linked.reviewer_id == archivist.id
    assert "Hale, Dorothy, 1928-2015 — contributed by" in _text(_doc(client.get(f"/photos/{library['photo'].id}")))
