"""Real OAI-PMH harvesters (sickle, oaipmh-scythe) against the site served on 127.0.0.1: a full
harvest of a few hundred records in small pages, then an incremental one after an approval."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from lxml import etree
from oaipmh_scythe import Scythe
from sickle import Sickle

from photoid.photos.service import set_photo_published
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.service import approve
from photoid.photos.models import Photo
from tests.factories import make_collection, make_identification, make_institution, make_photo, make_user
from tests.local_servers import serving_app
from tests.web.test_oai_protocol import oai_schema

PAGE_SIZE = 7
PHOTOS = 300


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, checking every response against the OAI schemas."""
    app.config["OAI_PAGE_SIZE"] = PAGE_SIZE
    bodies: list[bytes] = []

    @app.after_request
    def _keep(response):  # type: ignore[no-untyped-def]
        if response.mimetype == "text/xml":
            bodies.append(response.get_data())
        return response

    with serving_app(app) as url:
        yield f"{url}/oai"
    schema = oai_schema()
    for body in bodies:
        assert schema.validate(etree.fromstring(body)), schema.error_log


@pytest.fixture
def archive(app: Flask) -> dict:  # type: ignore[type-arg]
    """A few hundred published photos over two libraries, all changed a day ago or earlier."""
    start = utcnow() - timedelta(days=2)
    libraries = [make_institution(slug="north"), make_institution(slug="south")]
    collections = [make_collection(institution=library, slug=f"{library.slug}-box-{n}") for library in libraries for n in (1, 2)]
    photos = [
        make_photo(collection=collections[n % 4], title=f"View {n}", modified_at=start + timedelta(seconds=n // 3))
        for n in range(PHOTOS)
    ]
    make_photo(collection=collections[0], title="Draft", is_published=False, modified_at=start)
    db.session.commit()
    return {"libraries": libraries, "collections": collections, "photos": photos}


def response_date(xml) -> str:  # type: ignore[no-untyped-def]
    return xml.findtext("{http://www.openarchives.org/OAI/2.0/}responseDate")


def expected(photos: list[Photo]) -> set[str]:
    return {f"oai:127.0.0.1:photo/{photo.id}" for photo in photos}


def test_sickle_harvests_every_published_photo_then_only_what_changed(server: str, archive: dict) -> None:  # type: ignore[type-arg]
    harvester = Sickle(server, max_retries=0)
    identify = harvester.Identify()
    assert identify.deletedRecord == "persistent"

    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    identifiers = [record.header.identifier for record in records]
    assert len(identifiers) == len(set(identifiers)) == PHOTOS
    assert set(identifiers) == expected(archive["photos"])
    assert {record.metadata["title"][0] for record in records} == {f"View {n}" for n in range(PHOTOS)}

    north = [p for p in archive["photos"] if p.institution.slug == "north"]
    by_set = {h.identifier for h in harvester.ListIdentifiers(metadataPrefix="marc21", set="north")}
    assert by_set == expected(north)

    last_harvest = response_date(harvester.harvest(verb="Identify").xml)
    chosen = archive["photos"][123]
    pending = make_identification(photo=chosen, text_value="Mary Ellen Quayle")
    approve(pending, moderator=make_user(role="archivist", institutions=[chosen.institution]))

    changed = list(harvester.ListRecords(metadataPrefix="oai_dc", **{"from": last_harvest}))
    assert [record.header.identifier for record in changed] == [f"oai:127.0.0.1:photo/{chosen.id}"]
    assert "Mary Ellen Quayle" in etree.tostring(changed[0].xml).decode()


def test_scythe_harvests_the_same_set_and_sees_deletions(server: str, archive: dict) -> None:  # type: ignore[type-arg]
    with Scythe(server) as harvester:
        headers = list(harvester.list_identifiers(metadata_prefix="mods"))
        assert {header.identifier for header in headers} == expected(archive["photos"])
        assert not any(header.deleted for header in headers)
        since = response_date(harvester.harvest({"verb": "Identify"}).xml)

        gone = archive["photos"][7]
        set_photo_published(gone, is_published=False)

        changed = list(harvester.list_records(metadata_prefix="marc21", from_=since))
        assert [(record.header.identifier, record.header.deleted) for record in changed] == [
            (f"oai:127.0.0.1:photo/{gone.id}", True)
        ]
        still_there = {header.identifier for header in harvester.list_identifiers(metadata_prefix="oai_dc", ignore_deleted=True)}
        assert still_there == expected(archive["photos"]) - {f"oai:127.0.0.1:photo/{gone.id}"}
