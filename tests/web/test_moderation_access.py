"""Staff actions on an item that does not exist: a visitor is sent to sign in (so nobody learns which
numbers exist), anyone signed in gets 404; on an item that does exist, another institution's archivist
gets 403 (the role matrix in test_role_matrix.py covers the rest)."""
from __future__ import annotations

import pytest

from photoid.extensions import db
from tests.factories import make_comment, make_identification, make_institution, make_photo

MISSING = 999999
#: One address each way the moderation pages look an item up: an identification, a comment, a report,
#: and the retraction and spam-account actions.
ACTIONS = [
    ("GET", "/moderation/identifications/{id}/crop.jpg"),
    ("POST", "/moderation/identifications/{id}/approve"),
    ("POST", "/moderation/comments/{id}/approve"),
    ("POST", "/moderation/reports/{id}/dismiss"),
    ("POST", "/moderation/identifications/{id}/retract"),
    ("POST", "/moderation/comments/{id}/spam-account"),
]


def _send(client, method: str, path: str, token: str):  # type: ignore[no-untyped-def]
    return client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})


@pytest.mark.parametrize(("method", "path"), ACTIONS)
def test_a_missing_item_sends_visitors_to_sign_in_and_is_not_found_for_everyone_else(
    client, login_as, csrf_token, method, path,
) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token("/login")
    address = path.format(id=MISSING)
    visitor = _send(client, method, address, token)
    assert visitor.status_code in (302, 401) and "/login" in visitor.headers.get("Location", "/login")

    login_as("patron")
    assert _send(client, method, address, token).status_code == 404
    login_as("archivist", institutions=[make_institution()])
    assert _send(client, method, address, token).status_code == 404
    login_as("admin")
    assert _send(client, method, address, token).status_code == 404


@pytest.mark.parametrize(("method", "path"), [a for a in ACTIONS if "/reports/" not in a[1]])
def test_another_institutions_archivist_is_refused_an_item_that_exists(
    client, login_as, csrf_token, method, path,
) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo()
    item = make_comment(photo=photo, state="pending") if "/comments/" in path else make_identification(photo=photo)
    db.session.commit()
    token = csrf_token("/login")
    login_as("archivist", institutions=[make_institution()])
    assert _send(client, method, path.format(id=item.id), token).status_code == 403
