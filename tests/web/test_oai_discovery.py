"""Harvesters find the OAI-PMH endpoint and its identifier scheme: robots.txt lets them in, Identify
names the scheme, and ``photoid serve`` warns when the repository id that keeps identifiers stable is unset."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from photoid.cli import serve_command
from photoid.extensions import db
from tests.factories import make_photo
from tests.web.test_oai_protocol import NS, oai, texts


def test_robots_txt_lets_harvesters_reach_oai(client) -> None:  # type: ignore[no-untyped-def]
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    disallowed = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Disallow:")]
    assert disallowed and not any("/oai".startswith(path.rstrip("*")) for path in disallowed)
    assert "Disallow: /moderation" in lines


def test_identify_carries_a_valid_oai_identifier_description_with_a_sample_that_exists(client, app) -> None:  # type: ignore[no-untyped-def]
    app.config["OAI_REPOSITORY_ID"] = "photos.millbrook.example"
    make_photo(is_published=False)
    photo = make_photo(title="Main Street looking north")
    db.session.commit()
    doc = oai(client, verb="Identify")  # validated against OAI-PMH.xsd with oai-identifier.xsd
    description = doc.xpath("o:Identify/o:description/id:oai-identifier", namespaces=NS)
    assert len(description) == 1
    assert texts(doc, "//id:scheme") == ["oai"] and texts(doc, "//id:delimiter") == [":"]
    sample = texts(doc, "//id:sampleIdentifier")
    assert sample == [f"oai:photos.millbrook.example:photo/{photo.id}"]
    record = oai(client, verb="GetRecord", identifier=sample[0], metadataPrefix="oai_dc")  # a harvester tries it
    assert texts(record, "//dc:title") == ["Main Street looking north"]


@pytest.fixture
def no_exec(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """``photoid serve`` with gunicorn's start replaced by a note of its arguments."""
    started: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    return started


def test_serve_warns_when_the_oai_repository_id_is_unset(no_exec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHOTOID_OAI_REPOSITORY_ID", raising=False)
    result = CliRunner().invoke(serve_command, [])
    assert result.exit_code == 0 and no_exec
    assert "PHOTOID_OAI_REPOSITORY_ID is not set" in result.output


def test_serve_says_nothing_when_it_is_set(no_exec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHOTOID_OAI_REPOSITORY_ID", "photos.millbrook.example")
    result = CliRunner().invoke(serve_command, [])
    assert result.exit_code == 0 and no_exec and "PHOTOID_OAI_REPOSITORY_ID" not in result.output


def test_serve_warns_when_the_repository_id_is_not_a_domain(no_exec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHOTOID_OAI_REPOSITORY_ID", "millbrook")
    result = CliRunner().invoke(serve_command, [])
    assert "(millbrook) is not a domain name" in result.output and no_exec
