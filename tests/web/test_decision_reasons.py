"""Every decision the contributor is told the reason for refuses an empty or blank reason the same way:
a 400, the page again saying what to write and who will read it, and nothing decided."""
from __future__ import annotations

import pytest

from photoid.contributions.models import Comment, Identification
from photoid.extensions import db
from tests.factories import make_comment, make_identification, make_photo
from tests.web.pages import parse, text

ROUTES = {
    "reject": ("/moderation/identifications/{identification}/reject", {"reason": "{blank}", "reason_text": "{blank}"},
               "Please choose or write a reason; the contributor will see it."),
    "reject a comment": ("/moderation/comments/{comment}/reject", {"reason": "{blank}", "reason_text": "{blank}"},
                         "Please choose or write a reason; the author will see it."),
    "reject in bulk": ("/moderation/bulk", {"ids": "{identification}", "action": "reject", "reason": "{blank}",
                                            "reason_text": "{blank}"},
                       "Please choose or write a reason for rejecting them; the contributors will see it."),
    "retract": ("/moderation/identifications/{approved}/retract", {"reason": "{blank}"},
                "Please write why the fact is retracted; the contributor will see it."),
}


@pytest.mark.parametrize("blank", ["", "   \n\t "])
@pytest.mark.parametrize("route", ROUTES)
def test_a_decision_without_a_reason_is_refused_with_what_to_write(client, login_as, csrf_token, route, blank) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo()
    items = {"identification": make_identification(photo=photo, text_value="John Smith").id,
             "approved": make_identification(photo=photo, text_value="Jane Doe", state="approved").id,
             "comment": make_comment(photo=photo, body="That is my uncle.", state="pending").id}
    db.session.commit()
    login_as("archivist", institutions=[photo.institution])
    path, fields, message = ROUTES[route]
    data = {name: value.format(blank=blank, **items) for name, value in fields.items()}

    response = client.post(path.format(**items), data={"csrf_token": csrf_token("/moderation"), **data})

    assert response.status_code == 400
    assert message in text(parse(response))
    db.session.expire_all()
    assert db.session.get(Identification, items["identification"]).state == "pending"
    assert db.session.get(Identification, items["approved"]).state == "approved"
    assert db.session.get(Comment, items["comment"]).state == "pending"
