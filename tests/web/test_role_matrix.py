"""Every route, walked as every kind of visitor: who may open it, and who may not change anything.

The matrix below classifies EVERY rule in ``app.url_map``. A new route fails
``test_every_route_is_classified`` until it is added here with who may use it.

Visitors: anonymous, a patron, a suspended patron (whose old session is still in the browser),
an archivist of another institution, the archivist of the photo's institution, and an admin.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from photoid.admin.invitations import token_hash
from photoid.admin.models import Invitation
from photoid.db import utcnow
from photoid.extensions import db
from photoid.faces.models import Face
from photoid.moderation.models import Report
from photoid.notifications.models import Notification
from tests.factories import (
    make_authority,
    make_campaign,
    make_collection,
    make_comment,
    make_event,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)

ROLES = ("anonymous", "patron", "suspended", "other_archivist", "archivist", "admin")

# What each kind of route allows, for GET, in the order of ROLES.
# ok: the page (or a redirect elsewhere); login: sent to sign in (or 401); 403: refused; 404: not found.
PUBLIC = ("ok",) * 6
SIGNED_IN = ("login", "ok", "login", "ok", "ok", "ok")
STAFF = ("login", "403", "login", "ok", "ok", "ok")           # any archivist with an institution, or an admin
MODERATOR = ("login", "403", "login", "403", "ok", "ok")      # the archivist of the photo's institution, or an admin
ADMIN = ("login", "403", "login", "403", "403", "ok")
#: Files that the fixture photo does not have: the same "not found" for everyone.
MISSING_FILE = ("404",) * 6
#: Staff may open it, but the fixture photo has no image to crop.
MODERATOR_MISSING_FILE = ("login", "403", "login", "403", "404", "404")
#: Opened by a feed token, never by the session: without the token it is "not found" for everyone.
FEED_TOKEN = ("404",) * 6
#: Staff may ask, but the fixture has no export file (a run number nobody has): "not found".
STAFF_MISSING_FILE = ("login", "403", "login", "404", "404", "404")
#: A contributor page the fixture contributor never made public: "not found" for everyone, like an unknown id.
PRIVATE_PROFILE = ("404",) * 6
#: The fixture comment is held for review, so only its author may see it: "not found" for everyone else.
AUTHOR_ONLY = ("login", "404", "login", "404", "404", "404")
#: An emailed link (password reset, email proof) with a token that was never issued: "this link no longer works".
LINK_GONE = ("410",) * 6

# rule -> {method: expectation}. POST/DELETE expectations name who may do it; the matrix checks the
# others are refused and that nothing in the database changed.
MATRIX: dict[str, dict[str, Any]] = {
    "/": {"GET": PUBLIC},
    "/account": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "/account/data.json": {"GET": SIGNED_IN},
    "/account/delete": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "/account/email": {"POST": SIGNED_IN},
    "/account/email-notifications": {"POST": SIGNED_IN},
    "/account/name": {"POST": SIGNED_IN},
    "/account/profile": {"POST": SIGNED_IN},
    "/account/verify": {"POST": SIGNED_IN},
    "/admin/exports": {"GET": STAFF, "POST": STAFF},
    "/admin/exports/<int:run_id>/file": {"GET": STAFF_MISSING_FILE},
    "/admin/impact": {"GET": STAFF},
    "/admin/impact.csv": {"GET": STAFF},
    "/admin/institutions": {"GET": ADMIN},
    "/admin/institutions/<slug>": {"GET": ADMIN, "POST": ADMIN},
    "/admin/institutions/<slug>/faces": {"POST": ADMIN},
    "/admin/institutions/<slug>/profile": {"POST": ADMIN},
    "/admin/institutions/new": {"GET": ADMIN, "POST": ADMIN},
    "/admin/invitations": {"GET": STAFF, "POST": STAFF},
    "/admin/invitations/<int:invitation_id>/revoke": {"POST": MODERATOR},
    "/admin/jobs": {"GET": ADMIN, "POST": ADMIN},
    "/admin/users": {"GET": ADMIN},
    "/admin/users/<int:user_id>": {"GET": ADMIN},
    "/admin/users/<int:user_id>/password-reset": {"POST": ADMIN},
    "/admin/users/<int:user_id>/role": {"POST": ADMIN},
    "/admin/users/<int:user_id>/suspend": {"POST": ADMIN},
    "/admin/users/<int:user_id>/trust": {"POST": ADMIN},
    "/admin/users/<int:user_id>/unsuspend": {"POST": ADMIN},
    "/achievements": {"GET": PUBLIC},
    "/api/annotations/<int:identification_id>": {"GET": PUBLIC, "DELETE": SIGNED_IN},
    "/api/authorities": {"GET": PUBLIC},
    "/api/edtf": {"GET": PUBLIC},
    "/api/photos/<int:photo_id>/annotations": {"GET": PUBLIC, "POST": SIGNED_IN},
    "/authorities": {"GET": STAFF},
    "/authorities/<int:record_id>/accept": {"POST": STAFF},
    "/authorities/<int:record_id>/do-not-match": {"POST": STAFF},
    "/authorities/<int:record_id>/edit": {"GET": STAFF, "POST": STAFF},
    "/authorities/<int:record_id>/merge": {"GET": STAFF, "POST": STAFF},
    "/authorities/merges/<int:event_id>/undo": {"POST": STAFF},
    "/browse": {"GET": PUBLIC},
    "/campaigns": {"GET": PUBLIC},
    "/campaigns/<int:campaign_id>": {"GET": PUBLIC},
    "/campaigns/<int:campaign_id>/edit": {"GET": MODERATOR, "POST": MODERATOR},
    "/campaigns/<int:campaign_id>/refresh": {"POST": MODERATOR},
    "/campaigns/new": {"GET": STAFF, "POST": STAFF},
    "/browse/decades": {"GET": PUBLIC},
    "/browse/decades/<decade>": {"GET": PUBLIC},
    "/browse/discussed": {"GET": PUBLIC},
    "/browse/recent": {"GET": PUBLIC},
    "/collections/<slug>": {"GET": PUBLIC},
    "/collections/<slug>/delete": {"GET": MODERATOR, "POST": MODERATOR},
    "/collections/<slug>/edit": {"GET": MODERATOR, "POST": MODERATOR},
    "/collections/<slug>/import-iiif": {"GET": MODERATOR, "POST": MODERATOR},
    "/collections/<slug>/publish": {"POST": MODERATOR},
    "/collections/<slug>/unpublish": {"POST": MODERATOR},
    "/collections/<slug>/upload": {"GET": MODERATOR, "POST": MODERATOR},
    "/collections/new": {"GET": STAFF, "POST": STAFF},
    "/comments/<int:comment_id>/report": {"GET": AUTHOR_ONLY, "POST": SIGNED_IN},
    "/comments/<int:comment_id>/withdraw": {"POST": SIGNED_IN},
    "/contributors": {"GET": PUBLIC},
    "/contributors/<int:user_id>": {"GET": PRIVATE_PROFILE},
    "/embed/campaigns/<int:campaign_id>": {"GET": PUBLIC},
    "/embed/card.css": {"GET": PUBLIC},
    "/embed/photos/<int:photo_id>": {"GET": PUBLIC},
    "/events/<int:record_id>": {"GET": PUBLIC},
    "/feeds/collections/<slug>/identified.atom": {"GET": PUBLIC},
    "/feeds/collections/<slug>/photos.atom": {"GET": PUBLIC},
    "/feeds/identified.atom": {"GET": PUBLIC},
    "/feeds/photos.atom": {"GET": PUBLIC},
    "/feeds/queue-address": {"POST": STAFF},
    "/feeds/queue.atom": {"GET": FEED_TOKEN},
    "/healthz": {"GET": PUBLIC},
    "/help": {"GET": PUBLIC},
    "/help/next": {"GET": PUBLIC},
    "/identifications/<int:identification_id>/report": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "/identifications/<int:identification_id>/votes": {"POST": SIGNED_IN},
    "/identifications/<int:identification_id>/votes/withdraw": {"POST": SIGNED_IN},
    "/identifications/<int:identification_id>/withdraw": {"POST": SIGNED_IN},
    "/iiif/3/<int:photo_id>": {"GET": PUBLIC},
    "/institutions": {"GET": PUBLIC},
    "/institutions/<slug>": {"GET": PUBLIC},
    "/institutions/<slug>/invitations": {"POST": MODERATOR},
    "/institutions/<slug>/logo.png": {"GET": MISSING_FILE},
    "/invitations/<token>": {"GET": PUBLIC, "POST": PUBLIC},
    "/iiif/3/<int:photo_id>/<region>/<size>/<rotation>/<quality>.<fmt>": {"GET": MISSING_FILE},
    "/iiif/3/<int:photo_id>/info.json": {"GET": PUBLIC},
    "/iiif/3/<int:photo_id>/manifest": {"GET": PUBLIC},
    "/iiif/3/collections/<slug>/manifest": {"GET": PUBLIC},
    "/login": {"GET": PUBLIC, "POST": PUBLIC},
    "/password/forgot": {"GET": PUBLIC, "POST": PUBLIC},
    "/password/reset/<token>": {"GET": LINK_GONE, "POST": PUBLIC},
    "/email/verify/<token>": {"GET": LINK_GONE},
    "/email/confirm/<token>": {"GET": LINK_GONE},
    "/logout": {"POST": PUBLIC},
    "/me/contributions": {"GET": SIGNED_IN},
    "/metrics": {"GET": ("404",) * 6},  # off unless PHOTOID_METRICS=1 (tests/web/test_metrics.py); never public behind nginx
    "/me/notifications": {"GET": SIGNED_IN},
    "/me/notifications/<int:notification_id>/read": {"POST": SIGNED_IN},
    "/me/notifications/read": {"POST": SIGNED_IN},
    "/media/photos/<int:photo_id>/<variant>.jpg": {"GET": MISSING_FILE},
    "/media/photos/<int:photo_id>/regions/<int:identification_id>.jpg": {"GET": MISSING_FILE},
    "/moderation": {"GET": STAFF},
    "/moderation/bulk": {"POST": STAFF},
    "/moderation/comments/<int:comment_id>/<action>": {"POST": MODERATOR},
    "/moderation/comments/<int:comment_id>/spam-account": {"POST": MODERATOR},
    "/moderation/identifications/<int:identification_id>/approve": {"POST": MODERATOR},
    "/moderation/identifications/<int:identification_id>/changes": {"GET": MODERATOR, "POST": MODERATOR},
    "/moderation/identifications/<int:identification_id>/crop.jpg": {"GET": MODERATOR_MISSING_FILE},
    "/moderation/identifications/<int:identification_id>/reject": {"POST": MODERATOR},
    "/moderation/identifications/<int:identification_id>/retract": {"POST": MODERATOR},
    "/moderation/identifications/<int:identification_id>/spam": {"POST": MODERATOR},
    "/moderation/identifications/<int:identification_id>/spam-account": {"POST": MODERATOR},
    "/moderation/log": {"GET": STAFF},
    "/moderation/log.csv": {"GET": STAFF},
    "/moderation/reports/<int:report_id>/dismiss": {"POST": MODERATOR},
    "/moderation/reports/<int:report_id>/resolve": {"POST": MODERATOR},
    "/oai": {"GET": PUBLIC, "POST": PUBLIC},
    "/oembed": {"GET": PUBLIC},
    "/people/<int:record_id>": {"GET": PUBLIC},
    "/photos/<int:photo_id>": {"GET": PUBLIC},
    "/photos/<int:photo_id>/comments": {"POST": SIGNED_IN},
    "/photos/<int:photo_id>/delete": {"GET": MODERATOR, "POST": MODERATOR},
    "/photos/<int:photo_id>/edit": {"GET": MODERATOR, "POST": MODERATOR},
    # The fixture photo's institution has face detection off: its face's picture is "not found".
    "/photos/<int:photo_id>/faces/<int:face_id>.jpg": {"GET": MISSING_FILE},
    "/photos/<int:photo_id>/faces/<int:face_id>/link": {"POST": MODERATOR},
    "/photos/<int:photo_id>/publish": {"POST": MODERATOR},
    "/photos/<int:photo_id>/processing/retry": {"POST": MODERATOR},
    "/photos/<int:photo_id>/unpublish": {"POST": MODERATOR},
    "/photos/<int:photo_id>/identifications": {"POST": SIGNED_IN},
    "/photos/<int:photo_id>/identify": {"GET": SIGNED_IN},
    "/places/<int:record_id>": {"GET": PUBLIC},
    "/privacy": {"GET": PUBLIC},
    "/register": {"GET": PUBLIC, "POST": PUBLIC},
    "/register/sent": {"GET": PUBLIC},
    "/robots.txt": {"GET": PUBLIC},
    "/search": {"GET": PUBLIC},
    "/sitemap.xml": {"GET": PUBLIC},
    "/sitemaps/<int:page>.xml": {"GET": PUBLIC},
    "/static/<path:filename>": {"GET": PUBLIC},
}

#: The world's open invitation (for millbrook's next archivist) is opened with this link token.
INVITATION_TOKEN = "matrix-invitation-token"

#: Query strings some pages need to answer at all.
QUERIES = {"/api/edtf": "?q=about+1945", "/api/authorities": "?q=smith&kind=person",
           "/oembed": "?url=http://localhost/photos/1"}  # the world's only photo

#: Plausible form fields for every staff and patron action, so a refusal comes from the role
#: check and not from a missing field.
PAYLOAD = {
    "role": "admin", "note": "matrix", "role_note": "matrix", "is_trusted": "yes", "reason": "matrix",
    "reason_text": "matrix", "action": "approve", "comment_policy": "pre", "show_pending_publicly": "no",
    "reject_reasons": "matrix", "verified_by_name": "matrix", "heading": "Changed, Heading", "new_heading": "Changed",
    "stance": "agree", "body": "matrix comment", "kind": "person", "text_value": "Matrix Name", "format": "csv",
    "changed": "all", "survivor": "", "current": "x", "new": "y", "password": "x", "confirm": "DELETE",
}


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code in (301, 302, 303, 307, 308):
        return "login" if "/login" in response.headers.get("Location", "") else "ok"
    if response.status_code == 401:
        return "login"
    if 200 <= response.status_code < 300:
        return "ok"
    return str(response.status_code)


@pytest.fixture
def world(app: Flask, db_session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One institution with a collection, a photo, a pending identification, a comment, a report,
    a person record and a merge; another institution with its own archivist; one of each visitor."""
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    collection = make_collection(institution=mill, slug="main-street")
    photo = make_photo(collection=collection, date_edtf="1945~")
    contributor = make_user(display_name="Contributing Carla")
    identification = make_identification(photo=photo, contributor=contributor, region_x=0.1, region_y=0.1,
                                          region_w=0.2, region_h=0.2)
    comment = make_comment(photo=photo, author=contributor, state="pending")
    record = make_authority(heading="Smith, John, 1890-1962")
    face = Face(photo_id=photo.id, x=0.5, y=0.1, w=0.1, h=0.1, confidence=1.0)
    db.session.add(face)
    users = {
        "patron": make_user(display_name="Plain Patron"),
        "suspended": make_user(display_name="Suspended Sam", suspended_at=utcnow()),
        "other_archivist": make_user(role="archivist", display_name="Other Olga", institutions=[harbor]),
        "archivist": make_user(role="archivist", display_name="Mill Archivist", institutions=[mill]),
        "admin": make_user(role="admin", display_name="Site Admin"),
    }
    report = Report(reporter_id=users["patron"].id, identification_id=identification.id, reason="Looks wrong")
    notification = Notification(user_id=contributor.id, message="Decided", link="/")
    db.session.add_all([report, notification])
    db.session.flush()
    merge = make_event(actor=users["admin"], action="merge", target=record, before={}, after={})
    campaign = make_campaign(photos=[photo], created_by=users["archivist"])
    invitation = Invitation(email="invited@example.org", role="archivist", institution_ids=[mill.id],
                            token_hash=token_hash(INVITATION_TOKEN), invited_by_id=users["admin"].id,
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.commit()
    values = {
        "slug": collection.slug, "photo_id": photo.id, "identification_id": identification.id,
        "comment_id": comment.id, "record_id": record.id, "event_id": merge.id, "report_id": report.id,
        "notification_id": notification.id, "user_id": contributor.id, "decade": "1940", "variant": "display",
        "region": "full", "size": "max", "rotation": "0", "quality": "default", "fmt": "jpg",
        "action": "approve", "filename": "css/site.css", "campaign_id": campaign.id, "page": 1,
        "token": INVITATION_TOKEN, "invitation_id": invitation.id, "face_id": face.id, "run_id": 999999,
    }
    return {"users": users, "values": values, "mill": mill, "ids": (identification.id, comment.id)}


def fill(rule: str, values: dict[str, Any], *, institution_slug: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        if name == "slug" and rule.startswith(("/admin/institutions", "/institutions")):
            return institution_slug
        return str(values[name])

    return re.sub(r"<([^>]+)>", value, rule)


def visitor(app: Flask, world: dict[str, Any], role: str) -> FlaskClient:
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = world["users"][role].login_id
            session["_fresh"] = True
    return client


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def token(client: FlaskClient) -> str:
    match = CSRF.search(client.get("/").get_data(as_text=True)) or CSRF.search(client.get("/login").get_data(as_text=True))
    assert match, "no CSRF token found"
    return next(group for group in match.groups() if group)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a refused request changed nothing."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{table.name}"')).all()), key=repr)
            for table in db.metadata.sorted_tables
        }


def _rules(app: Flask) -> list[tuple[str, str]]:
    return sorted({(rule.rule, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})  # type: ignore[operator]


def test_every_route_is_classified(app: Flask) -> None:
    missing = [f"{method} {rule}" for rule, method in _rules(app) if method not in MATRIX.get(rule, {})]
    assert not missing, "Add these routes to MATRIX in tests/web/test_role_matrix.py with who may use them:\n" + "\n".join(missing)
    stale = [f"{method} {rule}" for rule, methods in MATRIX.items() for method in methods if (rule, method) not in _rules(app)]
    assert not stale, "These routes are gone; remove them from MATRIX:\n" + "\n".join(stale)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_page(app: Flask, world: dict[str, Any], role: str) -> None:
    client = visitor(app, world, role)
    index = ROLES.index(role)
    wrong = []
    for rule, method in _rules(app):
        expected = MATRIX.get(rule, {}).get(method)
        if method != "GET" or expected is None:
            continue
        url = fill(rule, world["values"], institution_slug=world["mill"].slug) + QUERIES.get(rule, "")
        got = outcome(client.get(url, buffered=True))
        if got != expected[index]:
            wrong.append(f"GET {url}: expected {expected[index]}, got {got}")
    assert not wrong, f"As {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_forbidden_visitors_change_nothing(app: Flask, world: dict[str, Any], role: str) -> None:
    """Every action this visitor may not take is refused (403 or sign-in) and leaves the database as it was."""
    client = visitor(app, world, role)
    index = ROLES.index(role)
    csrf = token(client)
    before = snapshot()
    wrong = []
    for rule, method in _rules(app):
        expected = MATRIX.get(rule, {}).get(method)
        if method == "GET" or expected is None or expected is PUBLIC or expected[index] == "ok":
            continue
        url = fill(rule, world["values"], institution_slug=world["mill"].slug)
        data = {**PAYLOAD, "csrf_token": csrf, "ids": str(world["ids"][0])}
        response = client.open(url, method=method, data=data, headers={"X-CSRFToken": csrf}, buffered=True)
        got = outcome(response)
        if got not in ("login", "403"):
            wrong.append(f"{method} {url}: expected refusal, got {got}")
    after = snapshot()
    changed = [name for name in before if before[name] != after[name]]
    assert not wrong, f"As {role}:\n" + "\n".join(wrong)
    assert not changed, f"As {role}, refused requests still changed: {changed}"
