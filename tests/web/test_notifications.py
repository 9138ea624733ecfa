"""The notifications page, marking notifications read, and the unread count in the header."""
from __future__ import annotations

from datetime import timedelta

import lxml.html
from sqlalchemy import event

from photoid.db import utcnow
from photoid.extensions import db
from photoid.notifications.models import Notification
from tests.factories import make_photo, make_user
from tests.web.pages import parse as _page


def _name(element: lxml.html.HtmlElement) -> str:
    """The accessible name: aria-label, else the text (without aria-hidden parts)."""
    if element.get("aria-label"):
        return element.get("aria-label")
    hidden = "".join(e.text_content() for e in element.xpath(".//*[@aria-hidden='true']"))
    return " ".join(element.text_content().replace(hidden, "", 1).split())


def _links(doc: lxml.html.HtmlElement) -> dict[str, str]:
    return {_name(a): a.get("href") for a in doc.xpath("//a")}


def _buttons(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return doc.xpath("//button")


def _notify(user, *, message: str, photo=None, minutes_ago: int = 0, read: bool = False) -> Notification:  # type: ignore[no-untyped-def]
    photo = photo or make_photo()
    created = utcnow() - timedelta(minutes=minutes_ago)
    notification = Notification(
        user_id=user.id, message=message, link=f"/photos/{photo.id}", created_at=created, read_at=created if read else None
    )
    db.session.add(notification)
    db.session.flush()
    return notification


def test_visitors_are_asked_to_sign_in(client) -> None:
    response = client.get("/me/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Notifications" not in " ".join(_links(_page(client.get("/"))))


def test_the_header_shows_how_many_are_unread(client, login_as) -> None:
    patron = login_as("patron")
    header = _links(_page(client.get("/")))
    assert "Notifications" in header  # none yet: no count

    _notify(patron, message="One")
    _notify(patron, message="Two")
    _notify(patron, message="Old news", read=True)
    _notify(make_user(), message="Someone else's")
    db.session.commit()
    header = _links(_page(client.get("/")))
    assert header["Notifications (2 unread)"] == "/me/notifications"


def test_the_list_is_newest_first_with_unread_ones_marked(client, login_as) -> None:
    patron = login_as("patron")
    _notify(patron, message="Your identification of Ann in 'Picnic' was approved.", minutes_ago=5, read=True)
    _notify(patron, message="Your comment on 'Harbour' was not accepted.", minutes_ago=1)
    db.session.commit()
    doc = _page(client.get("/me/notifications"))
    items = [" ".join(li.text_content().split()) for li in doc.xpath("//ul[contains(@class, 'notification-list')]/li")]
    assert len(items) == 2
    assert items[0].startswith("New Your comment on 'Harbour'")
    assert items[1].startswith("Your identification of Ann") and "New" not in items[1]


def test_viewing_the_list_marks_the_shown_ones_read(client, login_as) -> None:
    patron = login_as("patron")
    photo = make_photo(title="Harbour")
    notification = _notify(patron, message="Your comment on 'Harbour' was not accepted.", photo=photo)
    db.session.commit()
    assert "Notifications (1 unread)" in _links(_page(client.get("/")))
    doc = _page(client.get("/me/notifications"))
    assert "Notifications" in _links(doc)  # the header counts nothing unread once the list is seen
    assert [" ".join(li.text_content().split())[:4] for li in doc.xpath("//ul[contains(@class, 'notification-list')]/li")] == ["New "]
    see = [name for name in _links(doc) if name.startswith("See the photo")]
    assert see == ["See the photo: Your comment on 'Harbour' was not accepted."]
    assert _links(doc)[see[0]] == f"/photos/{photo.id}"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    again = _page(client.get("/me/notifications"))
    assert "New" not in again.xpath("//ul[contains(@class, 'notification-list')]")[0].text_content()


def test_opening_one_by_its_own_address_marks_it_read_and_goes_to_the_photo(client, login_as, csrf_token) -> None:
    patron = login_as("patron")
    photo = make_photo(title="Harbour")
    notification = _notify(patron, message="Your comment on 'Harbour' was not accepted.", photo=photo)
    db.session.commit()
    response = client.post(f"/me/notifications/{notification.id}/read", data={"csrf_token": csrf_token("/")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/photos/{photo.id}")
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    assert "Notifications" in _links(_page(client.get("/")))  # the count is gone


def test_mark_all_read(client, login_as, csrf_token) -> None:
    patron = login_as("patron")
    for n in range(3):
        _notify(patron, message=f"Message {n}")
    db.session.commit()
    response = client.post("/me/notifications/read", data={"csrf_token": csrf_token("/me/notifications")}, follow_redirects=True)
    doc = _page(response)
    assert "All your notifications are marked as read." in doc.text_content()
    assert "Notifications" in _links(doc) and not [b for b in _buttons(doc) if _name(b) == "Mark all as read"]


def test_forms_need_their_token_and_nobody_reads_anothers(client, login_as, csrf_token) -> None:
    patron = login_as("patron")
    mine = _notify(patron, message="Mine")
    theirs = _notify(make_user(), message="Theirs")
    db.session.commit()
    assert client.post("/me/notifications/read").status_code == 400
    token = csrf_token("/")  # not the list: seeing it marks its notifications read
    missing = client.post(f"/me/notifications/{theirs.id}/read", data={"csrf_token": token})
    assert missing.status_code == 404 and "could not find" in missing.get_data(as_text=True)
    assert client.post("/me/notifications/999999/read", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert db.session.get(Notification, mine.id).read_at is None


def test_my_contributions_links_to_notifications(client, login_as) -> None:
    login_as("patron")
    assert _links(_page(client.get("/me/contributions")))["your notifications"] == "/me/notifications"


def test_anonymous_pages_never_count_notifications(app, client) -> None:
    make_photo()
    db.session.commit()
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "notification" in s]
