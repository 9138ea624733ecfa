"""Cookies and sessions as a browser sees them: flags, sign-out, password change, stored hashes, ``next=``.

Each test signs in through the real form and copies cookies the way a thief with the cookie
jar of a shared library computer would, then checks what the copied cookies still open.
"""
from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

import pytest
import werkzeug.security
from flask.testing import FlaskClient
from sqlalchemy import select

from photoid.accounts import service
from photoid.accounts.models import User
from photoid.extensions import db
from tests.conftest import make_test_app
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.web.pages import csrf_token_on as _token

SESSION = "session"
REMEMBER = "remember_token"
NEW_PASSWORD = "a brand new passphrase"


def _sign_in(client: FlaskClient, email: str = "reader@example.org", *, remember: bool = True):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": DEFAULT_PASSWORD, "csrf_token": _token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _set_cookie_headers(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The Set-Cookie headers of a response by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def _copy(app, source: FlaskClient, *names: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A second browser holding copies of ``source``'s cookies ``names``."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def _is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def reader(app) -> User:  # type: ignore[no-untyped-def]
    user = make_user(email="reader@example.org", display_name="Reader")
    db.session.commit()
    return user


def test_session_and_remember_cookies_are_http_only_and_same_site_lax(client, reader) -> None:
    cookies = _set_cookie_headers(_sign_in(client))
    assert set(cookies) >= {SESSION, REMEMBER}
    for name in (SESSION, REMEMBER):
        flags = _flags(cookies[name])
        assert "httponly" in flags, cookies[name]
        assert "samesite=lax" in flags, cookies[name]
        assert "secure" not in flags, "a plain-HTTP development server must still be able to sign in"


def test_cookies_are_secure_when_the_site_is_served_over_https(monkeypatch, tmp_path, database_url, reader) -> None:
    monkeypatch.setenv("PHOTOID_SECURE_COOKIES", "1")
    behind_https = make_test_app(tmp_path / "https", database_url)
    cookies = _set_cookie_headers(_sign_in(behind_https.test_client()))
    for name in (SESSION, REMEMBER):
        assert {"secure", "httponly", "samesite=lax"} <= _flags(cookies[name]), cookies[name]


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client, reader, csrf_token) -> None:
    _sign_in(client, remember=False)
    thief = _copy(app, client, SESSION)
    assert _is_signed_in(thief)  # the copy works while the patron is signed in

    response = client.post("/logout", data={"csrf_token": csrf_token("/account")})
    assert response.status_code == 302
    assert not _is_signed_in(client)
    assert not _is_signed_in(thief)


def test_a_copied_remember_cookie_stops_working_at_sign_out(app, client, reader, csrf_token) -> None:
    _sign_in(client, remember=True)
    thief = _copy(app, client, REMEMBER)  # the long-lived cookie alone, without the session
    assert _is_signed_in(thief)

    response = client.post("/logout", data={"csrf_token": csrf_token("/account")})
    cleared = _set_cookie_headers(response)[REMEMBER]
    assert "expires=thu, 01 jan 1970" in cleared.lower()  # this browser forgets it too
    assert not _is_signed_in(client)
    assert not _is_signed_in(_copy(app, thief, REMEMBER))


def test_sign_out_needs_its_csrf_token(app, client, reader) -> None:
    _sign_in(client)
    refused = client.post("/logout", data={})
    assert refused.status_code == 400
    assert "Please reload the page" in refused.get_data(as_text=True)
    assert _is_signed_in(client)  # another site cannot sign a patron out


def test_changing_the_password_ends_every_other_session_but_this_one(app, client, reader) -> None:
    _sign_in(client)
    laptop = app.test_client()
    _sign_in(laptop, remember=True)
    stolen_session = _copy(app, laptop, SESSION)
    stolen_remember = _copy(app, laptop, REMEMBER)
    old_login_id = reader.login_id
    assert all(_is_signed_in(c) for c in (laptop, stolen_session, stolen_remember))

    response = client.post("/account", data={"current": DEFAULT_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                              "csrf_token": _token(client, "/account")})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Other devices have been signed out" in client.get("/account").get_data(as_text=True)
    assert _is_signed_in(client)
    assert not _is_signed_in(laptop)
    assert not _is_signed_in(stolen_session)
    assert not _is_signed_in(stolen_remember)

    db.session.expire_all()
    changed = db.session.get(User, reader.id)
    assert changed is not None and changed.login_id != old_login_id
    assert changed.password_hash.startswith(f"{service.PASSWORD_METHOD}$")
    # The old password no longer opens the account; the new one does.
    fresh = app.test_client()
    refused = fresh.post("/login", data={"email": "reader@example.org", "password": DEFAULT_PASSWORD, "csrf_token": _token(fresh)})
    assert refused.status_code == 400
    accepted = fresh.post("/login", data={"email": "reader@example.org", "password": NEW_PASSWORD, "csrf_token": _token(fresh)})
    assert accepted.status_code == 302


def test_a_wrong_current_password_changes_nothing_and_ends_no_session(app, client, reader) -> None:
    _sign_in(client)
    laptop = app.test_client()
    _sign_in(laptop)
    response = client.post("/account", data={"current": "not my password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                              "csrf_token": _token(client, "/account")})
    assert response.status_code == 400
    assert _is_signed_in(laptop)


def test_a_password_change_holds_no_write_lock_while_hashing_and_loses_no_change(app, client, reader, monkeypatch) -> None:
    """scrypt takes a noticeable moment; on SQLite a write request's open transaction would hold the
    database's write lock for all of it. And a change made on another device meanwhile is not overwritten."""
    _sign_in(client)
    reader_id = reader.id
    original = service.hash_password
    seen: list[bool] = []

    def hash_while_another_device_changes_it(password: str) -> str:
        seen.append(db.session().in_transaction())
        with db.engine.begin() as other:
            other.execute(User.__table__.update().where(User.__table__.c.id == reader_id)
                          .values(password_hash=original("changed on the phone")))
        return original(password)

    monkeypatch.setattr(service, "hash_password", hash_while_another_device_changes_it)
    response = client.post("/account", data={"current": DEFAULT_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                              "csrf_token": _token(client, "/account")})
    assert seen == [False]
    assert response.status_code == 400
    assert "changed on another device" in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.scalar(select(User.password_hash).where(User.id == reader_id))
    assert stored is not None and werkzeug.security.check_password_hash(stored, "changed on the phone")


@pytest.mark.usefixtures("real_password_hashing")  # the site's own method (tests/conftest.py)
def test_the_password_hash_method_is_pinned_not_the_library_default(client, csrf_token, monkeypatch) -> None:
    assert service.PASSWORD_METHOD == "scrypt:32768:8:1"
    # Were the service to rely on Werkzeug's default, a Werkzeug upgrade would change it silently.
    monkeypatch.setattr(werkzeug.security.generate_password_hash, "__defaults__", ("pbkdf2:sha256:1000", 16))
    response = client.post("/register", data={
        "display_name": "Pinned", "email": "pinned@example.org", "password": "a long enough secret",
        "confirm": "a long enough secret", "csrf_token": csrf_token("/register"),
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalar(select(User.password_hash).where(User.email == "pinned@example.org"))
    assert stored is not None
    method, salt, digest = stored.split("$")
    assert method == "scrypt:32768:8:1"
    assert len(salt) >= 16 and len(digest) == 128  # a 64-byte scrypt key, hex-encoded
    assert "a long enough secret" not in stored


#: ``next`` values as they appear in a crafted link (percent-encoded where a link would need it).
OFF_SITE = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "/%2F%2Fevil.example",  # the server decodes it to ///evil.example
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",  # /\evil.example
    "%5C%5Cevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "%20//evil.example",
    "/%09/evil.example",
    "/%0d%0aLocation:x",
    "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
]


def _sign_in_with_next(client: FlaskClient, raw_next: str):  # type: ignore[no-untyped-def]
    return client.post(f"/login?next={raw_next}",
                       data={"email": "reader@example.org", "password": DEFAULT_PASSWORD, "csrf_token": _token(client)})


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_sends_the_patron_off_the_site(client, reader, target) -> None:
    response = _sign_in_with_next(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_next_in_the_form_body_is_checked_the_same_way(client, reader, target) -> None:
    response = client.post("/login", data={"email": "reader@example.org", "password": DEFAULT_PASSWORD,
                                           "csrf_token": _token(client), "next": unquote(target)})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_already_signed_in_patron_is_not_sent_off_the_site(client, reader, target) -> None:
    _sign_in(client)
    response = client.get(f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example", "\\\\evil.example", "/%2F%2Fevil.example", "javascript:alert(1)"])
def test_registration_never_sends_the_newcomer_off_the_site(client, csrf_token, target) -> None:
    response = client.post(f"/register?next={target}", data={
        "display_name": "Newcomer", "email": "new@example.org", "password": "a long enough secret",
        "confirm": "a long enough secret", "csrf_token": csrf_token("/register"),
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/register/sent"  # the "check your email" page, without the target


@pytest.mark.parametrize("target", ["/%252F%252Fevil.example", "/%255Cevil.example"])
def test_a_doubly_encoded_target_stays_a_path_on_this_site(client, reader, target) -> None:
    location = _sign_in_with_next(client, target).headers["Location"]
    # Decoded once, it is the literal path /%2F%2Fevil.example: a browser resolves it on this site.
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert urlsplit(urljoin("http://library.example/login", location)).netloc == "library.example"


@pytest.mark.parametrize("target", ["/photos/3", "/search?q=parade&person=1", "/collections/x#comments"])
def test_sign_in_still_returns_to_a_page_on_this_site(client, reader, target) -> None:
    response = client.post("/login", query_string={"next": target},
                           data={"email": "reader@example.org", "password": DEFAULT_PASSWORD, "csrf_token": _token(client)})
    assert response.headers["Location"] == target
