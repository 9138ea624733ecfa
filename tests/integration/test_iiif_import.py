"""``photoid import-iiif``: IIIF 2.1 and 3 manifests and collections served from a local HTTP server."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from photoid.contributions.workflow import ImportState
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.collections import delete_collection
from photoid.photos.iiif_requests import request_import
from photoid.photos.models import Collection, IiifImport, Photo, PhotoSource
from photoid.photos.service import add_photo
from tests.conftest import make_test_app
from tests.factories import jpeg_bytes, make_collection, make_institution, make_user
from tests.iiif_server import IiifSite, sample_site, serving
from tests.local_servers import serving_app


@pytest.fixture
def site() -> IiifSite:
    with serving(sample_site()) as served:
        yield served


def _import(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["import-iiif", *args])
    return result.exit_code, result.output


def _photos() -> dict[str, Photo]:
    db.session.expire_all()
    return {p.identifier: p for p in db.session.scalars(select(Photo))}


def _report(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _setup() -> None:
    institution = make_institution(slug="millbrook", name="Millbrook Public Library")
    make_collection(institution=institution, slug="local-history", title="Local history")
    db.session.commit()


def test_a_collection_of_2_1_and_3_manifests_comes_in_with_its_catalog_data(app: Flask, site: IiifSite, tmp_path: Path) -> None:
    _setup()
    report = tmp_path / "report.csv"
    code, output = _import(app, site.url("/collection.json"), "--collection", "local-history", "--report", str(report))

    assert code == 1, output  # one canvas was rejected
    assert "Imported 3, updated 0, skipped 0 as duplicates, rejected 1." in output
    photos = _photos()
    assert set(photos) == {"MPL-1925-004", "grange-1952-07", "127.0.0.1:" + site.base.rsplit(":", 1)[1] + "/m/harbour.json"}

    contentdm = photos["MPL-1925-004"]  # IIIF 2.1, CONTENTdm-shaped, in a 2.1 sub-collection
    assert (contentdm.title, contentdm.date_edtf, contentdm.creator) == ("Main Street looking north", "1925~", "Hale, Walter")
    assert contentdm.description == "Storefronts and parked automobiles on Main Street, seen from the bank steps."
    assert contentdm.subjects == ["Streets", "Automobiles", "Storefronts"] and contentdm.places == ["Millbrook (Vt.)"]
    assert contentdm.rights_uri == "http://rightsstatements.org/vocab/NoC-US/1.0/"
    assert (contentdm.width, contentdm.height) == (640, 480)

    omeka = photos["grange-1952-07"]  # IIIF 3, Omeka S-shaped
    assert (omeka.title, omeka.date_edtf, omeka.creator) == ("Picnic at Lake Millbrook", "1952-07", "Ostrander Studio")
    assert omeka.description == "The Grange picnic: families on blankets by the boathouse."
    assert omeka.subjects == ["Picnics", "Lakes"] and omeka.places == ["Lake Millbrook (Vt.)"]
    assert omeka.rights_uri == "http://rightsstatements.org/vocab/InC/1.0/"
    assert (omeka.width, omeka.height) == (500, 700)

    harbour = next(p for p in photos.values() if p.title == "The harbour at low tide")
    assert harbour.date_edtf == "1931-05-17"  # from navDate
    assert harbour.rights_uri == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert (harbour.width, harbour.height) == (720, 540)  # its service refused max: the largest size it lists
    assert "/img/harbour/full/max/0/default.jpg" in site.image_requests()
    assert "/img/harbour/full/720,540/0/default.jpg" in site.image_requests()

    sources = {s.photo_id: s for s in db.session.scalars(select(PhotoSource))}
    assert sources[contentdm.id].catalog_url == site.url("/digital/collection/p15999coll3/id/412")  # 2.1 related
    assert sources[omeka.id].catalog_url == site.url("/s/photos/item/42")  # 3 homepage
    assert sources[omeka.id].canvas_id == site.url("/iiif/3/items/42/canvas/p1")

    rows = _report(report)
    assert [r["status"] for r in rows] == ["ingested", "ingested", "ingested", "rejected"]
    lost = rows[3]
    assert lost["identifier"].endswith("/m/lost.json")
    assert lost["reason"] == f"Not found (404) at {site.url('/files/lost.jpg')}."
    assert all("photoid IIIF import for photoid" in agent for _, agent in site.requests)  # the site's name


def test_re_running_imports_nothing_new_and_takes_up_changed_metadata(app: Flask, site: IiifSite, tmp_path: Path) -> None:
    _setup()
    _import(app, site.url("/collection.json"), "--collection", "local-history")
    count = db.session.scalar(select(func.count()).select_from(Photo))
    images_fetched = len(site.image_requests())

    report = tmp_path / "again.csv"
    code, output = _import(app, site.url("/collection.json"), "--collection", "local-history", "--report", str(report))
    assert "Imported 0, updated 0, skipped 3 as duplicates, rejected 1." in output
    assert db.session.scalar(select(func.count()).select_from(Photo)) == count
    assert len(site.image_requests()) == images_fetched + 1  # only the missing image is asked for again
    assert [r["status"] for r in _report(report)] == ["duplicate", "duplicate", "duplicate", "rejected"]

    omeka = site.documents["/iiif/3/items/42/manifest"]
    omeka["label"] = {"none": ["Grange picnic at Lake Millbrook"]}
    omeka["homepage"][0]["id"] = "{{BASE}}/s/photos/item/42-moved"
    code, output = _import(app, site.url("/iiif/3/items/42/manifest"), "--collection", "local-history")
    assert code == 0 and "Imported 0, updated 1" in output
    photo = _photos()["grange-1952-07"]
    assert photo.title == "Grange picnic at Lake Millbrook"
    assert db.session.get(PhotoSource, photo.id).catalog_url == site.url("/s/photos/item/42-moved")


def test_limit_stops_after_that_many_canvases(app: Flask, site: IiifSite) -> None:
    _setup()
    code, output = _import(app, site.url("/collection.json"), "--collection", "local-history", "--limit", "2")
    assert code == 0 and "Imported 2" in output
    assert len(_photos()) == 2


def test_private_addresses_are_refused_unless_allowed(app: Flask, site: IiifSite) -> None:
    _setup()
    app.config["IMPORT_ALLOW_PRIVATE"] = False
    code, output = _import(app, site.url("/collection.json"), "--collection", "local-history")
    assert code == 1
    assert "private, loopback or link-local address (127.0.0.1)" in output
    assert "PHOTOID_IMPORT_ALLOW_PRIVATE=1" in output
    assert site.requests == [] and _photos() == {}


def test_only_web_addresses_are_imported(app: Flask) -> None:
    _setup()
    code, output = _import(app, "file:///etc/passwd", "--collection", "local-history")
    assert code == 1 and "Only http and https addresses can be imported" in output


def test_the_photo_page_and_the_exports_link_back_to_the_library_catalog(app: Flask, site: IiifSite, tmp_path: Path) -> None:
    _setup()
    _import(app, site.url("/iiif/3/items/42/manifest"), "--collection", "local-history")
    photo = _photos()["grange-1952-07"]
    catalog = site.url("/s/photos/item/42")

    page = app.test_client().get(f"/photos/{photo.id}").get_data(as_text=True)
    assert f'<a href="{catalog}" rel="external">View in Millbrook Public Library’s catalog</a>' in page

    for kind, expected in (
        ("marcxml", f'<marc:datafield tag="856" ind1="4" ind2="1"><marc:subfield code="u">{catalog}</marc:subfield>'),
        ("mods", f'<mods:relatedItem type="otherVersion" displayLabel="View in Millbrook Public Library\'s catalog">'
                 f'<mods:location><mods:url>{catalog}</mods:url>'),
        ("dc", f"<dc:relation>{catalog}</dc:relation>"),
    ):
        out = tmp_path / f"export.{kind}"
        result = app.test_cli_runner().invoke(args=["export", kind, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert expected in out.read_text().replace("\n", "").replace("  ", ""), kind
    out = tmp_path / "export.csv"
    app.test_cli_runner().invoke(args=["export", "csv", "-o", str(out)])
    (row,) = csv.DictReader(io.StringIO(out.read_text()))
    assert row["catalog_url"] == catalog


def test_round_trip_a_photoid_collection_into_a_second_site(app: Flask, tmp_path: Path) -> None:
    """One photoid site's collection manifest, imported into another, gives the same photos: titles,
    dates and images at the source's full size, each linking back to the first site's page."""
    first = make_test_app(tmp_path / "first", f"sqlite:///{tmp_path / 'first.sqlite3'}")
    originals = [("Town Hall steps", "1952-22", (800, 600)), ("Mill workers", "1945~", (600, 900)),
                 ("Parade on Elm Street", "1952-06-03", (1000, 700)), ("School picture", "194X", (300, 300)),
                 ("Flood damage", "1935/1938", (640, 427))]
    with first.app_context():
        db.create_all()
        collection = make_collection(institution=make_institution(name="Millbrook Historical Society"), slug="history")
        db.session.commit()
        for number, (title, date, (width, height)) in enumerate(originals):
            add_photo(collection=collection, image_data=jpeg_bytes(width, height, shade=number), identifier=f"MHS-{number}",
                      title=title, date_edtf=date)
        source = {p.title: (p.date_edtf, p.width, p.height, p.id) for p in db.session.scalars(select(Photo))}
        db.session.remove()

    _setup()
    with serving_app(first) as base:
        code, output = _import(app, f"{base}/iiif/3/collections/history/manifest", "--collection", "local-history")
    assert code == 0, output
    imported = {p.title: p for p in _photos().values()}
    assert set(imported) == set(source)
    for title, (date, width, height, photo_id) in source.items():
        photo = imported[title]
        assert (photo.date_edtf, photo.width, photo.height) == (date, width, height), title
        assert db.session.get(PhotoSource, photo.id).catalog_url == f"{base}/photos/{photo_id}"
    assert {p.identifier for p in imported.values()} == {f"MHS-{n}" for n in range(len(originals))}
    with first.app_context():
        db.drop_all()
        db.session.remove()
        db.engine.dispose()


def test_each_refused_image_is_reported_with_its_reason_and_the_rest_go_in(app: Flask, site: IiifSite, tmp_path: Path) -> None:
    _setup()
    site.images["picnic"].data = b"<!doctype html><title>Sign in</title>"  # a login page instead of the image
    app.config["MAX_IMAGE_BYTES"] = len(site.images["harbour"].data) + 1
    site.images["mainstreet"].data += b"\0" * len(site.images["harbour"].data)  # over the limit
    report = tmp_path / "report.csv"
    code, _ = _import(app, site.url("/collection.json"), "--collection", "local-history", "--report", str(report))
    assert code == 1
    reasons = {row["identifier"]: (row["status"], row["reason"]) for row in _report(report)}
    assert reasons["MPL-1925-004"] == ("rejected", "The image is larger than the 0 MB limit.")
    assert reasons["grange-1952-07"] == ("rejected", "This file is not an image; we accept JPEG, PNG, TIFF and WebP.")
    assert [p.title for p in _photos().values()] == ["The harbour at low tide"]


def test_pending_takes_up_a_run_that_stopped_and_leaves_one_that_is_moving(app: Flask, site: IiifSite) -> None:
    """A run whose process died (no progress for half an hour) is run again; a live one is left alone."""
    _setup()
    collection = db.session.scalar(select(Collection))
    now = utcnow()
    stopped = IiifImport(collection_id=collection.id, url=site.url("/iiif/3/items/42/manifest"), state=ImportState.RUNNING,
                         started_at=now - timedelta(hours=2), updated_at=now - timedelta(hours=1), ingested=7)
    moving = IiifImport(collection_id=collection.id, url=site.url("/m/harbour.json"), state=ImportState.RUNNING,
                        started_at=now, updated_at=now)
    db.session.add_all([stopped, moving])
    db.session.commit()
    code, output = _import(app, "--pending")
    assert code == 0 and "Ran 1 import request." in output
    db.session.expire_all()
    assert (stopped.state, stopped.ingested) == (ImportState.DONE, 1)  # counted again from the start
    assert moving.state == ImportState.RUNNING
    assert [p.identifier for p in _photos().values()] == ["grange-1952-07"]


def test_deleting_an_empty_collection_takes_its_import_requests_along(app: Flask) -> None:
    _setup()
    collection = db.session.scalar(select(Collection))
    request_import(collection, url="https://digital.example.org/iiif/missing.json", actor=make_user(role="admin"))
    with unit_of_work():
        delete_collection(collection, actor=None)
    assert db.session.scalar(select(func.count()).select_from(IiifImport)) == 0
