"""The W3C Web Annotation endpoints: what each visitor sees, and the same protections as the forms."""
from __future__ import annotations

import jsonschema
import lxml.html
from sqlalchemy import func, select

from photoid.contributions.models import Identification
from photoid.db import utcnow
from photoid.extensions import db
from tests.conftest import make_test_app
from tests.factories import make_collection, make_identification, make_institution, make_photo, make_user

ANNO = "http://www.w3.org/ns/anno.jsonld"
JSON_LD = f'application/ld+json; profile="{ANNO}"'
_TEXT_BODY = {
    "type": "object", "required": ["type", "purpose", "value"],
    "properties": {"type": {"const": "TextualBody"}, "value": {"type": "string", "minLength": 1},
                   "purpose": {"enum": ["identifying", "tagging", "describing", "commenting"]}},
}
_LINK_BODY = {
    "type": "object", "required": ["type", "source"],
    "properties": {"type": {"const": "SpecificResource"}, "source": {"type": "string", "pattern": "^https?://"}},
}
#: The W3C Web Annotation fields this site promises (docs/api.md), as a reader such as Annotorious needs them.
ANNOTATION_SCHEMA = {
    "type": "object",
    "required": ["@context", "id", "type", "motivation", "created", "modified", "creator", "body", "target"],
    "properties": {
        "@context": {"const": ANNO},
        "id": {"type": "string", "pattern": r"^http://localhost/api/annotations/\d+$"},
        "type": {"const": "Annotation"},
        "motivation": {"enum": ["identifying", "tagging"]},
        "created": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
        "modified": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
        "creator": {"type": "object", "required": ["type", "name"], "additionalProperties": False,
                    "properties": {"type": {"const": "Person"}, "name": {"type": "string", "minLength": 1}}},
        "body": {"type": "array", "minItems": 1, "items": {"oneOf": [_TEXT_BODY, _LINK_BODY]}},
        "target": {
            "type": "object", "required": ["source"],
            "properties": {
                "source": {"type": "string", "pattern": r"^http://localhost/iiif/3/\d+$"},
                "selector": {
                    "type": "object", "required": ["type", "conformsTo", "value"],
                    "properties": {"type": {"const": "FragmentSelector"},
                                   "conformsTo": {"const": "http://www.w3.org/TR/media-frags/"},
                                   "value": {"type": "string", "pattern": r"^xywh=pixel:\d+,\d+,\d+,\d+$"}},
                },
            },
        },
        "photoid": {"type": "object", "required": ["kind", "state", "votes"]},
    },
}
PAGE_SCHEMA = {
    "type": "object", "required": ["@context", "type", "items"],
    "properties": {"@context": {"const": ANNO}, "type": {"const": "AnnotationPage"},
                   "items": {"type": "array", "items": ANNOTATION_SCHEMA}},
}


def _api_token(client, path: str = "/") -> str:
    """The token a script reads from the page's ``csrf-token`` meta tag."""
    page = lxml.html.fromstring(client.get(path).get_data(as_text=True))
    tokens = page.xpath("//meta[@name='csrf-token']/@content")
    assert tokens, "signed-in pages carry a csrf-token meta tag"
    return tokens[0]


def _person(name: str, box: str | None = "xywh=pixel:400,300,200,100", **extension: object) -> dict:
    annotation: dict = {
        "@context": ANNO, "type": "Annotation",
        "body": [{"type": "TextualBody", "purpose": "identifying", "value": name}],
        "target": {"source": "http://localhost/iiif/3/1"},
    }
    if box:
        annotation["target"]["selector"] = {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": box}
    if extension:
        annotation["photoid"] = extension
    return annotation


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Identification.id))) or 0


def _values(page: dict) -> set[str]:
    return {a["body"][0]["value"] for a in page["items"]}


def test_a_visitor_gets_approved_and_public_pending_annotations_as_json_ld(client) -> None:
    photo = make_photo(width=1600, height=1200)
    make_identification(photo=photo, state="approved", text_value="John Smith",
                        region_x=0.25, region_y=0.5, region_w=0.125, region_h=0.25, contributor=make_user(display_name="Ruth"))
    make_identification(photo=photo, kind="keyword", state="pending", text_value="tram")
    make_identification(photo=photo, state="rejected", text_value="Wrong Person")
    make_identification(photo=photo, state="withdrawn", text_value="Taken Back")
    db.session.commit()

    response = client.get(f"/api/photos/{photo.id}/annotations")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_LD
    page = response.get_json(force=True)
    jsonschema.validate(page, PAGE_SCHEMA)
    assert _values(page) == {"John Smith", "tram"}
    smith = next(a for a in page["items"] if a["body"][0]["value"] == "John Smith")
    assert smith["target"]["selector"]["value"] == "xywh=pixel:400,600,200,300"
    assert smith["creator"] == {"type": "Person", "name": "Ruth"}
    assert smith["photoid"]["state"] == "approved"
    assert "@example.org" not in response.get_data(as_text=True)  # nobody's email, ever

    plain = client.get(f"/api/photos/{photo.id}/annotations", headers={"Accept": "application/json"})
    assert plain.headers["Content-Type"] == "application/json" and plain.json == page


def test_pending_annotations_stay_private_where_the_institution_hides_them(app, client, login_as) -> None:
    photo = make_photo(collection=make_collection(institution=make_institution(show_pending_publicly=False)))
    make_identification(photo=photo, state="approved", text_value="Main Street")
    theirs = make_identification(photo=photo, state="pending", text_value="Someone Else's Guess")
    db.session.commit()
    assert _values(client.get(f"/api/photos/{photo.id}/annotations").get_json(force=True)) == {"Main Street"}
    assert client.get(f"/api/annotations/{theirs.id}").status_code == 404

    me = login_as("patron")
    make_identification(photo=photo, state="pending", text_value="My Guess", contributor=me)
    db.session.commit()
    assert _values(client.get(f"/api/photos/{photo.id}/annotations").get_json(force=True)) == {"Main Street", "My Guess"}


def test_unpublished_photos_are_not_found(client) -> None:
    photo = make_photo(is_published=False)
    hidden = make_identification(photo=photo, state="approved")
    db.session.commit()
    for path in (f"/api/photos/{photo.id}/annotations", f"/api/annotations/{hidden.id}", "/api/annotations/999999"):
        response = client.get(path)
        assert response.status_code == 404 and response.is_json, path
        assert "could not find" in response.json["error"]


def test_a_patron_posts_an_annotation_and_gets_it_back(client, login_as) -> None:
    photo = make_photo(width=3000, height=2000)
    db.session.commit()
    login_as("patron", display_name="Margaret H.", email="margaret@example.org")
    annotation = _person("John Smith", box="xywh=pixel:1000,500,666.6666666666667,666.6666666666667")
    annotation["body"].append({"type": "TextualBody", "purpose": "commenting", "value": "He was my grandfather."})
    response = client.post(f"/api/photos/{photo.id}/annotations", json=annotation, headers={"X-CSRFToken": _api_token(client)})

    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json(force=True)
    jsonschema.validate(created, ANNOTATION_SCHEMA)
    assert response.headers["Location"] == created["id"]
    assert created["creator"]["name"] == "Margaret H." and "margaret@" not in response.get_data(as_text=True)
    assert created["photoid"]["state"] == "pending" and created["photoid"]["kind"] == "person"
    assert created["target"]["selector"]["value"] == "xywh=pixel:1000,500,667,667"

    stored = db.session.scalar(select(Identification))
    assert stored.text_value == "John Smith" and stored.evidence == "He was my grandfather."
    assert (stored.region_x, stored.region_y) == (1 / 3, 0.25)
    assert client.get(created["id"]).get_json(force=True) == created
    assert "John Smith" in client.get(f"/photos/{photo.id}").get_data(as_text=True)  # the page shows it too


def test_a_box_past_the_edge_is_cut_and_a_bad_annotation_is_refused(client, login_as) -> None:
    photo = make_photo(width=1600, height=1200)
    db.session.commit()
    login_as("patron")
    token = _api_token(client)
    clipped = client.post(f"/api/photos/{photo.id}/annotations", json=_person("Ann", box="xywh=pixel:1500,-100,300,400"),
                          headers={"X-CSRFToken": token})
    assert clipped.status_code == 201
    assert clipped.get_json(force=True)["target"]["selector"]["value"] == "xywh=pixel:1500,0,100,300"

    for bad, message in [
        (_person("Ann", box="xywh=pixel:2000,0,10,10"), "outside the photo"),
        (_person("Ann", box="xywh=pixel:1,2,three,4"), "please draw it again"),
        (_person("<script>alert(1)</script>"), "plain text"),
        (_person("", kind="person"), "Please enter a name"),
        (_person("sometime", kind="date"), "Try forms like"),
        ({"body": "not an annotation"}, "who or what"),
    ]:
        response = client.post(f"/api/photos/{photo.id}/annotations", json=bad, headers={"X-CSRFToken": token})
        assert response.status_code == 400 and response.is_json, bad
        assert message in response.json["error"], response.json
    broken = client.post(f"/api/photos/{photo.id}/annotations", data="{not json", content_type="application/json",
                         headers={"X-CSRFToken": token})
    assert broken.status_code == 400 and "W3C Web Annotation" in broken.json["error"]
    assert _count() == 1


def test_writes_need_a_signed_in_account_and_say_so_in_json(client, csrf_token) -> None:
    photo = make_photo()
    pending = make_identification(photo=photo, state="pending")
    db.session.commit()
    token = csrf_token("/login")  # a valid token: only the missing sign-in stops these
    response = client.post(f"/api/photos/{photo.id}/annotations", json=_person("Ann"), headers={"X-CSRFToken": token})
    assert response.status_code == 401 and response.is_json and "sign in" in response.json["error"]
    assert "Location" not in response.headers  # no redirect to the sign-in page
    delete = client.delete(f"/api/annotations/{pending.id}", headers={"X-CSRFToken": token})
    assert delete.status_code == 401 and delete.is_json
    assert _count() == 1 and db.session.get(Identification, pending.id).state == "pending"


def test_a_write_without_the_csrf_token_is_refused_and_saves_nothing(client, login_as) -> None:
    photo = make_photo()
    me = login_as("patron")
    mine = make_identification(photo=photo, state="pending", contributor=me)
    db.session.commit()
    for headers in ({}, {"X-CSRFToken": "forged"}):
        posted = client.post(f"/api/photos/{photo.id}/annotations", json=_person("Ann"), headers=headers)
        assert posted.status_code == 400 and posted.is_json and "reload the page" in posted.json["error"]
        deleted = client.delete(f"/api/annotations/{mine.id}", headers=headers)
        assert deleted.status_code == 400 and deleted.is_json
    assert _count() == 1 and db.session.get(Identification, mine.id).state == "pending"


def test_a_suspended_account_cannot_post(client, login_as, csrf_token) -> None:
    photo = make_photo()
    login_as("patron", suspended_at=utcnow())
    token = csrf_token("/login")  # a suspended account counts as signed out, so no meta tag
    response = client.post(f"/api/photos/{photo.id}/annotations", json=_person("Ann"), headers={"X-CSRFToken": token})
    assert response.status_code == 403 and "cannot contribute" in response.json["error"]
    assert _count() == 0


def test_an_account_suspended_by_an_admin_gets_403_not_401(client, csrf_token) -> None:
    """Suspending ends every session (a new login id), so Flask-Login sees a stranger; docs/api.md
    still promises the suspended contributor a 403 that says why, not "please sign in"."""
    from photoid.admin.service import suspend
    from tests.factories import DEFAULT_PASSWORD

    photo = make_photo()
    patron = make_user(email="sam@example.org")
    admin = make_user(role="admin")
    db.session.commit()
    signed_in = client.post("/login", data={"email": "sam@example.org", "password": DEFAULT_PASSWORD,
                                            "csrf_token": csrf_token("/login")})
    assert signed_in.status_code == 302
    suspend(patron, note="Spam", actor=admin)
    token = csrf_token("/login")
    posted = client.post(f"/api/photos/{photo.id}/annotations", json=_person("Ann"), headers={"X-CSRFToken": token})
    assert posted.status_code == 403 and "cannot contribute" in posted.json["error"]
    assert _count() == 0
    stranger = client.application.test_client()
    token = stranger.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="', 1)[1].split('"')[0]
    refused = stranger.post(f"/api/photos/{photo.id}/annotations", json=_person("Ann"), headers={"X-CSRFToken": token})
    assert refused.status_code == 401 and "Please sign in" in refused.json["error"]


def test_a_patron_withdraws_their_own_pending_annotation_only(client, login_as) -> None:
    photo = make_photo()
    me = login_as("patron")
    mine = make_identification(photo=photo, state="pending", contributor=me, text_value="My Guess")
    decided = make_identification(photo=photo, state="approved", contributor=me)
    theirs = make_identification(photo=photo, state="pending", text_value="Their Guess")
    db.session.commit()
    token = _api_token(client)

    refused = client.delete(f"/api/annotations/{theirs.id}", headers={"X-CSRFToken": token})
    assert refused.status_code == 403 and "Only the person who wrote" in refused.json["error"]
    late = client.delete(f"/api/annotations/{decided.id}", headers={"X-CSRFToken": token})
    assert late.status_code == 409 and "waiting for review" in late.json["error"]

    gone = client.delete(f"/api/annotations/{mine.id}", headers={"X-CSRFToken": token})
    assert gone.status_code == 204 and gone.get_data() == b""
    db.session.expire_all()
    assert db.session.get(Identification, mine.id).state == "withdrawn"  # still on record
    assert db.session.get(Identification, theirs.id).state == "pending"
    assert "My Guess" not in _values(client.get(f"/api/photos/{photo.id}/annotations").get_json(force=True))
    assert client.get(f"/api/annotations/{mine.id}").get_json(force=True)["photoid"]["state"] == "withdrawn"


def test_posting_too_fast_gets_a_friendly_429(app, tmp_path, database_url) -> None:
    limited = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True)
    photo = make_photo()
    patron = make_user(role="patron")
    db.session.commit()
    client = limited.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = patron.login_id
    token = _api_token(client)
    statuses = [client.post(f"/api/photos/{photo.id}/annotations", json=_person(f"Name {n}"),
                            headers={"X-CSRFToken": token}).status_code for n in range(31)]
    assert statuses == [201] * 30 + [429]
    response = client.post(f"/api/photos/{photo.id}/annotations", json=_person("One more"), headers={"X-CSRFToken": token})
    assert response.status_code == 429 and response.is_json
    assert "Please try again in about" in response.json["error"]  # an hour's allowance: minutes to wait
    assert _count() == 30
    with limited.app_context():
        db.engine.dispose()
