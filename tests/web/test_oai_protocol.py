"""The OAI-PMH endpoint as a harvester sees it: each verb, each error code where the protocol
puts it, paging with resumption tokens, deleted records. Every response is checked against the
OAI-PMH schemas (tests/schemas/xml/oai_combined.xsd, plus MODS for mods records)."""
from __future__ import annotations

import time
from datetime import timedelta
from functools import cache

import pytest
from lxml import etree

from photoid.catalog import oai_tokens
from photoid.photos.collections import set_collection_published
from photoid.photos.service import set_photo_published
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.service import approve
from tests.factories import (
    make_collection,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)
from tests.schemas import XML_SCHEMAS

SCHEMAS = XML_SCHEMAS
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/", "marc": "http://www.loc.gov/MARC21/slim",
      "mods": "http://www.loc.gov/mods/v3", "id": "http://www.openarchives.org/OAI/2.0/oai-identifier"}


# --- reading responses ---------------------------------------------------------------------------

@cache
def oai_schema() -> etree.XMLSchema:
    """oai_combined.xsd (OAI-PMH, oai_dc, MARC21, oai-identifier) with MODS 3.8 beside it."""
    wrapper = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-test:oai-and-mods">
      <xs:import namespace="urn:x-local:combined" schemaLocation="{(SCHEMAS / 'oai_combined.xsd').as_uri()}"/>
      <xs:import namespace="http://www.loc.gov/mods/v3" schemaLocation="{(SCHEMAS / 'mods-3-8.xsd').as_uri()}"/>
    </xs:schema>"""
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), base_url=SCHEMAS.as_uri() + "/"))


def valid(body: bytes) -> etree._Element:
    """The parsed response, after checking it against the schemas."""
    doc = etree.fromstring(body)
    schema = oai_schema()
    assert schema.validate(doc), f"invalid OAI-PMH response: {schema.error_log}\n{body[:2000]!r}"
    return doc


def oai(client, method: str = "get", **args):  # type: ignore[no-untyped-def]
    """GET (or POST, form-encoded) /oai with the arguments; returns the validated document."""
    args = {("from" if k == "from_" else k): v for k, v in args.items()}
    response = getattr(client, method)("/oai", query_string=args if method == "get" else None,
                                       data=args if method == "post" else None)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return valid(response.data)


def error_of(doc) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    errors = doc.xpath("o:error", namespaces=NS)
    assert errors, "expected an OAI-PMH error"
    return errors[0].get("code"), errors[0].text


def texts(doc, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.text for e in doc.xpath(path, namespaces=NS)]


def token_of(doc):  # type: ignore[no-untyped-def]
    found = doc.xpath("//o:resumptionToken", namespaces=NS)
    return found[0] if found else None


def request_attrs(doc) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(doc.xpath("o:request", namespaces=NS)[0].attrib)


def identifier(photo) -> str:  # type: ignore[no-untyped-def]
    return f"oai:localhost:photo/{photo.id}"


# --- data ----------------------------------------------------------------------------------------

@pytest.fixture
def library(app):  # type: ignore[no-untyped-def]
    """One library with two published collections and an unpublished one, photos an hour old."""
    past = utcnow() - timedelta(hours=1)
    institution = make_institution(slug="millbrook", name="Millbrook Public Library")
    harbour = make_collection(institution=institution, slug="harbour", title="Harbour views", description="Boats, 1890-1960.")
    streets = make_collection(institution=institution, slug="streets", title="Main Street")
    draft = make_collection(institution=institution, slug="unsorted", title="Unsorted box", is_published=False)
    photos = [make_photo(collection=harbour, title=f"Harbour {n}", date_edtf="1925~", modified_at=past + timedelta(minutes=n))
              for n in range(4)]
    photos += [make_photo(collection=streets, title=f"Street {n}", date_edtf="195X", modified_at=past + timedelta(minutes=10 + n))
               for n in range(3)]
    hidden = [make_photo(collection=draft, title="In the draft box", modified_at=past),
              make_photo(collection=harbour, title="Not yet published", is_published=False, modified_at=past)]
    db.session.commit()
    return {"institution": institution, "harbour": harbour, "streets": streets, "draft": draft, "photos": photos, "hidden": hidden}


# --- Identify ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post"])
def test_identify_describes_the_repository(client, app, library, method) -> None:  # type: ignore[no-untyped-def]
    doc = oai(client, method, verb="Identify")
    assert texts(doc, "o:Identify/o:repositoryName") == [app.config["SITE_NAME"]]
    assert texts(doc, "o:Identify/o:baseURL") == ["http://localhost/oai"]
    assert texts(doc, "o:Identify/o:protocolVersion") == ["2.0"]
    assert texts(doc, "o:Identify/o:adminEmail") == [app.config["ADMIN_EMAIL"]]
    assert texts(doc, "o:Identify/o:deletedRecord") == ["persistent"]
    assert texts(doc, "o:Identify/o:granularity") == ["YYYY-MM-DDThh:mm:ssZ"]
    oldest = library["photos"][0].modified_at
    assert texts(doc, "o:Identify/o:earliestDatestamp") == [oldest.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert request_attrs(doc) == {"verb": "Identify"}
    assert texts(doc, "o:request") == ["http://localhost/oai"]


def test_identify_names_the_identifier_scheme_when_a_repository_id_is_configured(client, app, library) -> None:  # type: ignore[no-untyped-def]
    app.config["OAI_REPOSITORY_ID"] = "photos.millbrook.example"
    doc = oai(client, verb="Identify")
    assert texts(doc, "//id:repositoryIdentifier") == ["photos.millbrook.example"]
    listed = texts(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"), "//o:header/o:identifier")
    assert listed[0] == f"oai:photos.millbrook.example:photo/{library['photos'][0].id}"


# --- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [{}, {"verb": "Harvest"}, {"verb": ["Identify", "Identify"]}])
def test_a_missing_unknown_or_repeated_verb_is_bad_verb_with_a_bare_request(client, app, args) -> None:  # type: ignore[no-untyped-def]
    doc = oai(client, **args)
    code, message = error_of(doc)
    assert code == "badVerb" and message
    assert request_attrs(doc) == {}


@pytest.mark.parametrize("args, words", [
    ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "does not take"),
    ({"verb": "ListRecords"}, "needs the argument metadataPrefix"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "needs the argument identifier"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "marc21"]}, "more than once"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "cannot be combined"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from_": "31/05/2024"}, "not valid"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2024-02-30"}, "not valid"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from_": "2024-01-01", "until": "2024-06-01T00:00:00Z"}, "same granularity"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from_": "2024-06-01", "until": "2024-01-01"}, "later than"),
    ({"verb": "ListRecords", "metadataPrefix": "oai dc"}, "not a well-formed"),
    ({"verb": "ListSets", "set": "millbrook"}, "does not take"),
])
def test_bad_arguments_are_named_in_plain_words(client, app, library, args, words) -> None:  # type: ignore[no-untyped-def]
    doc = oai(client, **args)
    code, message = error_of(doc)
    assert code == "badArgument"
    assert words in message
    assert request_attrs(doc) == {}


def test_the_same_checks_apply_to_post(client, app, library) -> None:  # type: ignore[no-untyped-def]
    assert error_of(oai(client, "post", verb="ListRecords"))[0] == "badArgument"
    assert error_of(oai(client, "post", verb="Nope"))[0] == "badVerb"


def test_an_unknown_format_cannot_be_disseminated(client, app, library) -> None:  # type: ignore[no-untyped-def]
    photo = library["photos"][0]
    for doc in (oai(client, verb="ListRecords", metadataPrefix="ead"),
                oai(client, verb="GetRecord", metadataPrefix="ead", identifier=identifier(photo))):
        code, message = error_of(doc)
        assert code == "cannotDisseminateFormat" and "oai_dc" in message
        assert request_attrs(doc)["metadataPrefix"] == "ead"


def test_unknown_identifiers_do_not_exist(client, app, library) -> None:  # type: ignore[no-untyped-def]
    never_public = [identifier(p) for p in library["hidden"]]
    for wrong in ["oai:localhost:photo/999999", "oai:elsewhere.example:photo/1", "photo-1", *never_public]:
        assert error_of(oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=wrong))[0] == "idDoesNotExist", wrong
        assert error_of(oai(client, verb="ListMetadataFormats", identifier=wrong))[0] == "idDoesNotExist", wrong


def test_lists_that_match_nothing_say_so(client, app, library) -> None:  # type: ignore[no-untyped-def]
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    for args in ({"from_": tomorrow}, {"set": "no-such-library"}, {"set": "millbrook:unsorted"}, {"until": "1999-12-31"}):
        for verb in ("ListIdentifiers", "ListRecords"):
            assert error_of(oai(client, verb=verb, metadataPrefix="oai_dc", **args))[0] == "noRecordsMatch", args


def test_bad_resumption_tokens_are_refused(client, app, library) -> None:  # type: ignore[no-untyped-def]
    app.config["OAI_PAGE_SIZE"] = 3
    token = token_of(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")).text
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for verb, value in (("ListIdentifiers", tampered), ("ListIdentifiers", "hello"), ("ListRecords", token),
                        ("ListSets", token)):
        doc = oai(client, verb=verb, resumptionToken=value)
        assert error_of(doc)[0] == "badResumptionToken", (verb, value)
        assert request_attrs(doc) == {"verb": verb, "resumptionToken": value}


def test_an_expired_resumption_token_is_refused(client, app, library, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app.config.update(OAI_PAGE_SIZE=3, OAI_TOKEN_LIFETIME=60)
    token = token_of(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")).text
    issued = time.time()
    monkeypatch.setattr(oai_tokens, "now", lambda: issued + 50)  # still inside its lifetime
    next_page = oai(client, verb="ListIdentifiers", resumptionToken=token)
    assert not next_page.xpath("o:error", namespaces=NS) and next_page.xpath("//o:header", namespaces=NS)
    monkeypatch.setattr(oai_tokens, "now", lambda: issued + 70)  # past it, without waiting
    code, message = error_of(oai(client, verb="ListIdentifiers", resumptionToken=token))
    assert code == "badResumptionToken" and "expired" in message


# --- metadata formats and sets -------------------------------------------------------------------

def test_list_metadata_formats_for_the_repository_and_for_one_record(client, app, library) -> None:  # type: ignore[no-untyped-def]
    everything = oai(client, verb="ListMetadataFormats")
    assert set(texts(everything, "//o:metadataPrefix")) == {"oai_dc", "marc21", "mods"}
    assert "http://www.loc.gov/MARC21/slim" in texts(everything, "//o:metadataNamespace")
    one = oai(client, verb="ListMetadataFormats", identifier=identifier(library["photos"][0]))
    assert set(texts(one, "//o:metadataPrefix")) == {"oai_dc", "marc21", "mods"}


def test_list_sets_has_each_library_and_its_published_collections(client, app, library) -> None:  # type: ignore[no-untyped-def]
    doc = oai(client, verb="ListSets")
    assert texts(doc, "//o:set/o:setSpec") == ["millbrook", "millbrook:harbour", "millbrook:streets"]
    assert texts(doc, "//o:set/o:setName") == ["Millbrook Public Library", "Harbour views", "Main Street"]
    assert texts(doc, "//o:setDescription//dc:description") == ["Boats, 1890-1960."]


def test_a_repository_without_collections_has_no_sets(client, app) -> None:  # type: ignore[no-untyped-def]
    assert error_of(oai(client, verb="ListSets"))[0] == "noSetHierarchy"


# --- records -------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, title_path", [
    ("oai_dc", "//dc:title"),
    ("marc21", "//marc:datafield[@tag='245']/marc:subfield[@code='a']"),
    ("mods", "//mods:titleInfo/mods:title"),
])
def test_get_record_in_each_format(client, app, library, prefix, title_path) -> None:  # type: ignore[no-untyped-def]
    photo = library["photos"][1]
    doc = oai(client, verb="GetRecord", identifier=identifier(photo), metadataPrefix=prefix)
    header = doc.xpath("//o:record/o:header", namespaces=NS)[0]
    assert header.get("status") is None
    assert texts(header, "o:identifier") == [identifier(photo)]
    assert texts(header, "o:datestamp") == [photo.modified_at.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert texts(header, "o:setSpec") == ["millbrook", "millbrook:harbour"]
    assert any("Harbour 1" in (text or "") for text in texts(doc, title_path))


def test_records_carry_approved_names_but_never_pending_ones(client, app, library) -> None:  # type: ignore[no-untyped-def]
    photo = library["photos"][0]
    make_identification(photo=photo, text_value="Ada Lovelace", state="approved")
    make_identification(photo=photo, text_value="Not Yet Checked", state="pending")
    db.session.commit()
    body = etree.tostring(oai(client, verb="GetRecord", identifier=identifier(photo), metadataPrefix="oai_dc")).decode()
    assert "Ada Lovelace" in body
    assert "Not Yet Checked" not in body


def test_list_records_pages_with_cursor_and_complete_list_size(client, app, library) -> None:  # type: ignore[no-untyped-def]
    app.config["OAI_PAGE_SIZE"] = 3
    seen, cursors, args = [], [], {"verb": "ListRecords", "metadataPrefix": "marc21"}
    while True:
        doc = oai(client, **args)
        seen += texts(doc, "//o:record/o:header/o:identifier")
        token = token_of(doc)
        cursors.append(token.get("cursor"))
        assert token.get("completeListSize") == "7"
        if not token.text:
            break
        assert token.get("expirationDate") > utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        args = {"verb": "ListRecords", "resumptionToken": token.text}
    assert seen == [identifier(p) for p in library["photos"]]
    assert cursors == ["0", "3", "6"]


def test_a_single_page_list_has_no_resumption_token(client, app, library) -> None:  # type: ignore[no-untyped-def]
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="millbrook:streets")
    assert texts(doc, "//o:header/o:identifier") == [identifier(p) for p in library["photos"][4:]]
    assert token_of(doc) is None


def test_paging_is_stable_while_records_change(client, app, library) -> None:  # type: ignore[no-untyped-def]
    app.config["OAI_PAGE_SIZE"] = 3
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = texts(first, "//o:header/o:identifier")
    changed = library["photos"][0]  # already harvested; an approval now moves it to the end
    approve(make_identification(photo=changed), moderator=make_user(role="archivist", institutions=[library["institution"]]))
    added = make_photo(collection=library["streets"], title="Added during the harvest")
    db.session.commit()
    token = token_of(first).text
    while token:
        doc = oai(client, verb="ListIdentifiers", resumptionToken=token)
        seen += texts(doc, "//o:header/o:identifier")
        token = token_of(doc).text
    assert seen == [identifier(p) for p in library["photos"]] + sorted(
        [identifier(changed), identifier(added)], key=lambda i: int(i.rsplit("/", 1)[1]))


def test_from_until_and_set_select_records(client, app, library) -> None:  # type: ignore[no-untyped-def]
    photos = library["photos"]
    stamp = photos[2].modified_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=stamp)
    assert texts(doc, "//o:identifier") == [identifier(p) for p in photos[:3]]
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", from_=stamp, set="millbrook:harbour")
    assert texts(doc, "//o:identifier") == [identifier(p) for p in photos[2:4]]
    today = utcnow().strftime("%Y-%m-%d")
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2000-01-01", until=today, set="millbrook")
    assert len(texts(doc, "//o:identifier")) == 7
    assert request_attrs(doc) == {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2000-01-01",
                                  "until": today, "set": "millbrook"}


# --- deletions -----------------------------------------------------------------------------------

def test_a_withdrawn_photo_answers_with_a_deleted_header(client, app, library) -> None:  # type: ignore[no-untyped-def]
    photo = library["photos"][0]
    before = utcnow().replace(microsecond=0)
    set_photo_published(photo, is_published=False)
    doc = oai(client, verb="GetRecord", identifier=identifier(photo), metadataPrefix="marc21")
    assert doc.xpath("//o:header/@status", namespaces=NS) == ["deleted"]
    assert doc.xpath("//o:metadata", namespaces=NS) == []
    changed = oai(client, verb="ListRecords", metadataPrefix="oai_dc", from_=before.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert texts(changed, "//o:header[@status='deleted']/o:identifier") == [identifier(photo)]
    assert texts(changed, "//o:header/o:setSpec") == ["millbrook", "millbrook:harbour"]


def test_withdrawing_a_collection_deletes_its_records_and_republishing_restores_them(client, app, library) -> None:  # type: ignore[no-untyped-def]
    before = utcnow().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    set_collection_published(library["streets"], is_published=False)
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", from_=before)
    assert texts(doc, "//o:header[@status='deleted']/o:identifier") == [identifier(p) for p in library["photos"][4:]]
    assert "millbrook:streets" not in texts(oai(client, verb="ListSets"), "//o:setSpec")
    set_collection_published(library["streets"], is_published=True)
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", from_=before)
    assert doc.xpath("//o:header[@status='deleted']", namespaces=NS) == []
    assert texts(doc, "//o:identifier") == [identifier(p) for p in library["photos"][4:]]
