"""Static files are linked by their content's version, so browsers may keep them for a year and
still fetch the new stylesheet after an upgrade."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from tests.conftest import make_test_app

SITE_CSS = Path(__file__).resolve().parents[2] / "photoid" / "static" / "css" / "site.css"


def _stylesheet(html: str) -> str:
    found = re.search(r'<link rel="stylesheet" href="([^"]*site\.css[^"]*)"', html)
    assert found, "the page links the site's stylesheet"
    return found.group(1).replace("&amp;", "&")


def test_pages_link_the_stylesheet_by_the_version_of_its_content(client) -> None:
    href = _stylesheet(client.get("/").get_data(as_text=True))
    assert href == f"/static/css/site.css?v={hashlib.sha256(SITE_CSS.read_bytes()).hexdigest()[:8]}"


def test_a_versioned_static_file_may_be_kept_for_a_year(client) -> None:
    with client.get(_stylesheet(client.get("/").get_data(as_text=True))) as response:
        assert response.status_code == 200
        assert response.get_data() == SITE_CSS.read_bytes()
        cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache


def test_without_its_version_or_with_an_old_one_a_static_file_is_not_kept_for_long(client) -> None:
    for url in ("/static/css/site.css", "/static/css/site.css?v=00000000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert "immutable" not in response.headers.get("Cache-Control", "")


def test_scripts_on_the_photo_page_carry_versions_too(client) -> None:
    from photoid.extensions import db
    from tests.factories import make_collection, make_photo

    photo = make_photo(collection=make_collection())
    db.session.commit()
    html = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(re.search(r"\?v=[0-9a-f]{8}$", src) for src in scripts), scripts


def test_a_changed_file_gets_a_new_version(tmp_path, database_url, _schema) -> None:
    folder = tmp_path / "static"
    shutil.copytree(SITE_CSS.parents[1], folder)
    links = []
    for content in ("body { color: black }", "body { color: navy }"):
        (folder / "css" / "site.css").write_text(content)
        app = make_test_app(tmp_path / f"site-{len(links)}", database_url)  # a new release's workers
        app.static_folder = str(folder)
        with app.test_request_context():
            from flask import url_for

            links.append(url_for("static", filename="css/site.css"))
        with app.test_client().get(links[-1]) as response:
            assert response.get_data(as_text=True) == content and "immutable" in response.headers["Cache-Control"]
    assert links[0] != links[1]
