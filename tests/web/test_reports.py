"""Reports, retraction and spam accounts as patrons and archivists meet them in the pages."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.contributions.models import Comment, Identification
from photoid.extensions import db
from photoid.moderation.models import Report
from tests.conftest import make_test_app
from tests.factories import make_collection, make_comment, make_identification, make_institution, make_photo, make_user
from tests.web.pages import button_form, labelled, link, parse as _doc, submit, text as _text


def _name(element) -> str:  # type: ignore[no-untyped-def]
    return element.get("aria-label") or _text(element)


def links_named(doc, start: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [_name(a) for a in doc.xpath("//a") if _name(a).startswith(start)]


def flashed(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(_text(e) for e in _doc(response).xpath("//*[@role='status' or @role='alert']"))


@pytest.fixture
def scene(app):  # type: ignore[no-untyped-def]
    institution = make_institution(name="Millbrook Public Library")
    photo = make_photo(collection=make_collection(institution=institution), title="Main Street looking north")
    author = make_user(display_name="Careless Carl")
    fact = make_identification(photo=photo, contributor=author, state="approved", text_value="Harold Whitcomb")
    comment = make_comment(photo=photo, author=author, body="Buy cheap watches at spam.example")
    archivist = make_user(role="archivist", institutions=[institution], email="ann@example.org")
    db.session.commit()
    return {"photo": photo, "author": author, "fact": fact, "comment": comment, "archivist": archivist}


def _sign_in(client, user: User) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["_user_id"] = user.login_id


def test_signed_in_patrons_see_report_links_on_others_items_only(client, login_as, scene) -> None:  # type: ignore[no-untyped-def]
    path = f"/photos/{scene['photo'].id}"
    assert links_named(_doc(client.get(path)), "Report") == []  # not signed in
    login_as("patron")
    assert links_named(_doc(client.get(path)), "Report") == [
        "Report: Person Harold Whitcomb", f"Report the comment by Careless Carl of {scene['comment'].created_at.strftime('%-d %B %Y')}",
    ]
    _sign_in(client, scene["author"])
    assert links_named(_doc(client.get(path)), "Report") == []  # never on one's own


def test_a_patron_reports_a_fact_and_the_archivist_resolves_it_by_retracting(client, login_as, scene) -> None:  # type: ignore[no-untyped-def]
    reporter = login_as("patron", display_name="Watchful Wendy")
    page = _doc(client.get(f"/photos/{scene['photo'].id}"))
    form_page = _doc(client.get(link(page, "Report: Person Harold Whitcomb").get("href")))
    form = button_form(form_page, "Send the report")
    assert labelled(form, "This is wrong", prefix=True).get("type") == "radio"
    response = submit(client, form, reason="This is wrong", details="That is my uncle Bert.")
    assert response.status_code == 302
    assert "Thank you for your report" in flashed(client.get(response.location))

    _sign_in(client, scene["archivist"])
    queue = _doc(client.get("/moderation"))
    assert "Reports from patrons: 1" in [_text(h) for h in queue.xpath("//h2")]
    article = [a for a in queue.xpath("//article") if _text(a).startswith("Reported: Person: Harold Whitcomb")][0]
    assert "Watchful Wendy: “This is wrong: That is my uncle Bert.”" in _text(article)
    resolve = button_form(article, "Resolve the report on Person: Harold Whitcomb")
    assert [o.text for o in labelled(resolve, "What to do", prefix=True).xpath("option")] == [
        "Leave it as it is", "Retract the fact from the photo's record"]
    response = submit(client, resolve, action="retract", reason="The donor says it is Bert.")
    assert response.status_code == 302
    after = client.get(response.location)
    assert "Report resolved" in flashed(after)
    assert "Reports from patrons: 0" in [_text(h) for h in _doc(after).xpath("//h2")]
    known = _doc(client.get(f"/photos/{scene['photo'].id}")).get_element_by_id("known-heading").getparent()
    assert "Harold Whitcomb" not in _text(known)

    _sign_in(client, reporter)
    notes = _text(_doc(client.get("/me/notifications")).xpath("//main")[0])
    assert "Thank you for reporting the identification of Harold Whitcomb" in notes and "acted on it" in notes


def test_a_report_without_a_reason_is_refused_with_a_message(client, login_as, csrf_token, scene) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    path = f"/comments/{scene['comment'].id}/report"
    response = client.post(path, data={"csrf_token": csrf_token(path), "details": "hmm"})
    assert response.status_code == 400
    assert "Please choose what the problem is." in flashed(response)
    assert db.session.scalar(select(Report.id)) is None


def test_anonymous_visitors_are_asked_to_sign_in_and_unknown_items_are_404(client, login_as, scene) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/identifications/{scene['fact'].id}/report")
    assert response.status_code == 302 and "/login" in response.location
    login_as("patron")
    assert client.get("/identifications/999999/report").status_code == 404


def test_more_than_ten_reports_an_hour_are_held_back(tmp_path, database_url, _schema) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        photo = make_photo()
        comments = [make_comment(photo=photo).id for _ in range(11)]
        patron = make_user().login_id
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = patron
    statuses = [client.post(f"/comments/{c}/report", data={"reason": "This is spam"}).status_code for c in comments]
    assert statuses == [302] * 10 + [429]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Report.id))) == 10
        # Give the session's connection back before disposing: a connection still checked out
        # when the pool is disposed is later garbage-collected open (psycopg's ResourceWarning).
        db.session.remove()
        db.engine.dispose()


def test_staff_retract_a_fact_from_the_photo_page_and_the_patron_sees_it_retracted(client, scene) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, scene["archivist"])
    page = _doc(client.get(f"/photos/{scene['photo'].id}"))
    summary = [s for s in page.xpath("//details/summary") if _text(s).startswith("Retract")][0]
    form = summary.getparent().xpath(".//form")[0]
    assert labelled(form, "Why it is retracted", prefix=True).tag == "textarea"

    refused = submit(client, form, reason="")
    assert refused.status_code == 400 and "Please write why the fact is retracted" in flashed(refused)

    response = submit(client, form, reason="The donor corrected the caption.")
    assert response.status_code == 302
    after = client.get(response.location)
    assert "Retracted: Person: Harold Whitcomb" in flashed(after)
    assert "Nothing has been identified in this photo yet" in _text(_doc(after).xpath("//main")[0])

    _sign_in(client, scene["author"])
    row = [tr for tr in _doc(client.get("/me/contributions")).xpath("//tr") if "Harold Whitcomb" in _text(tr)][0]
    assert "Retracted" in _text(row) and "Archivist's note: The donor corrected the caption." in _text(row)


def test_patrons_see_no_retract_control_and_cannot_post_one(client, login_as, csrf_token, scene) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    page = _doc(client.get(f"/photos/{scene['photo'].id}"))
    assert not [s for s in page.xpath("//summary") if _text(s).startswith("Retract")]
    token = csrf_token(f"/photos/{scene['photo'].id}")
    response = client.post(f"/moderation/identifications/{scene['fact'].id}/retract", data={"csrf_token": token, "reason": "x"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Identification, scene["fact"].id).state == "approved"


def test_spam_and_hide_everything_else_from_the_queue(client, scene) -> None:  # type: ignore[no-untyped-def]
    pending = [make_identification(photo=scene["photo"], contributor=scene["author"], text_value=f"Buy {n}") for n in range(3)]
    db.session.commit()
    _sign_in(client, scene["archivist"])
    queue = _doc(client.get("/moderation"))
    form = button_form(queue, "Spam, and hide everything else this account sent (Careless Carl)")
    response = submit(client, form)
    assert response.status_code == 302
    after = client.get(response.location)
    assert "Marked as spam: 4 items sent by Careless Carl, and the account is suspended." in flashed(after)
    assert "Identifications waiting: 0" in [_text(h) for h in _doc(after).xpath("//h2")]
    db.session.expire_all()
    assert {db.session.get(Identification, i.id).state for i in pending} == {"spam"}
    assert db.session.get(Comment, scene["comment"].id).state == "spam"
    assert db.session.get(User, scene["author"].id).suspended_at is not None


def test_spam_account_is_refused_for_a_colleague_with_a_message(client, scene) -> None:  # type: ignore[no-untyped-def]
    colleague = make_user(role="archivist", institutions=[scene["photo"].institution], display_name="Colleague Cora")
    item = make_identification(photo=scene["photo"], contributor=colleague)
    db.session.commit()
    _sign_in(client, scene["archivist"])
    queue = _doc(client.get("/moderation"))
    assert not [b for b in queue.xpath("//button") if "Colleague Cora" in _text(b) and "Spam, and hide" in _text(b)]
    token = queue.xpath("//input[@name='csrf_token']/@value")[0]
    response = client.post(f"/moderation/identifications/{item.id}/spam-account", data={"csrf_token": token})
    assert response.status_code == 403
    assert "A staff account cannot be marked as spam" in flashed(response)
