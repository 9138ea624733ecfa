"""The OAI-PMH 2.0 protocol: read a request, answer one of the six verbs, or say what is wrong.

Pure of Flask: ``respond(pairs, settings)`` takes the request's arguments as (name, value)
pairs, in order and with repeats kept, and returns the response document as bytes. Errors
are OAI-PMH error elements in a normal response (HTTP 200), as the protocol requires.
http://www.openarchives.org/OAI/openarchivesprotocol.html
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lxml import etree

from photoid.catalog import oai_queries
from photoid.catalog.oai_metadata import metadata_elements, metadata_formats
from photoid.catalog.oai_tokens import ListQuery, TokenError, decode_token, encode_token, expiration
from photoid.catalog.records import xml_safe
from photoid.db import utcnow
from photoid.text import is_xml_text

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
SCHEMA_LOCATION = f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"

LIST_ARGS = ({"metadataPrefix"}, {"from", "until", "set"})
#: verb -> (required arguments, optional arguments); resumptionToken is handled apart.
VERBS: dict[str, tuple[set[str], set[str]]] = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": LIST_ARGS,
    "ListRecords": LIST_ARGS,
}
RESUMABLE = {"ListSets", "ListIdentifiers", "ListRecords"}

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
MAX_ID = 2**63 - 1


class OaiError(Exception):
    """One OAI-PMH error: its protocol code and a plain-English message for the harvester's operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Settings:
    """What a response needs to know about this site (built from the app config per request)."""

    base_url: str  #: this endpoint, e.g. https://photos.example.org/oai
    site_url: str  #: the site root, for links inside records
    repository_id: str  #: the middle part of identifiers
    repository_name: str
    admin_email: str
    page_size: int
    token_lifetime: int
    secret_key: str


# --- small helpers --------------------------------------------------------------------------------

def format_datestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def oai_identifier(photo_id: int, settings: Settings) -> str:
    return f"oai:{settings.repository_id}:photo/{photo_id}"


def parse_identifier(identifier: str, settings: Settings) -> int:
    """The photo id in one of our identifiers. Raises OaiError (idDoesNotExist) for any other."""
    match = re.fullmatch(rf"oai:{re.escape(settings.repository_id)}:photo/([1-9][0-9]{{0,18}})", identifier)
    if match is None or int(match.group(1)) > MAX_ID:
        raise OaiError("idDoesNotExist", f"There is no record with the identifier {identifier!r} in this repository.")
    return int(match.group(1))


def parse_datestamp(name: str, value: str) -> tuple[datetime, timedelta]:
    """A ``from``/``until`` value as a UTC datetime and its granularity (one day or one second).
    Raises OaiError (badArgument) for anything else."""
    try:
        if DAY.fullmatch(value):
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), timedelta(days=1)
        if SECONDS.fullmatch(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), timedelta(seconds=1)
    except ValueError:
        pass
    raise OaiError(
        "badArgument",
        f"The {name} date {value!r} is not valid. Use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), for example 2024-05-31.",
    )


def parse_request(pairs: Sequence[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments. Raises OaiError: badVerb (missing, repeated or unknown verb),
    badArgument (repeated, unknown or missing arguments, badly formed values, or a
    resumptionToken together with anything else, and any name or value with a character XML cannot
    hold, which could neither be echoed in the request element nor be a real argument)."""
    if not all(is_xml_text(name) and is_xml_text(value) for name, value in pairs):
        raise OaiError("badArgument", "The request contains a character that cannot appear in XML (a control "
                                      "character, or one such as U+FFFE or U+FFFF). Please remove it.")
    verbs = [value for name, value in pairs if name == "verb"]
    if not verbs:
        raise OaiError("badVerb", "The request has no verb. Add verb=Identify, for example.")
    if len(verbs) > 1:
        raise OaiError("badVerb", "The verb is given more than once. Give exactly one verb.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb. Use one of: {', '.join(VERBS)}.")
    args: dict[str, str] = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name in args:
            raise OaiError("badArgument", f"The argument {name} is given more than once.")
        args[name] = value
    required, optional = VERBS[verb]
    allowed = required | optional | ({"resumptionToken"} if verb in RESUMABLE else set())
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise OaiError("badArgument", f"{verb} does not take the argument {unknown[0]}.")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "A resumptionToken cannot be combined with other arguments (only the verb).")
        return verb, args
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {missing[0]}.")
    _check_syntax(args)
    return verb, args


def _check_syntax(args: dict[str, str]) -> None:
    if "metadataPrefix" in args and not PREFIX.fullmatch(args["metadataPrefix"]):
        raise OaiError("badArgument", f"{args['metadataPrefix']!r} is not a well-formed metadataPrefix.")
    if "set" in args and not SET_SPEC.fullmatch(args["set"]):
        raise OaiError("badArgument", f"{args['set']!r} is not a well-formed set name.")
    if "identifier" in args and (not args["identifier"] or re.search(r"[\s\x00-\x1f<>\"{}|\\^`]", args["identifier"])):
        raise OaiError("badArgument", "The identifier is empty or has characters an identifier cannot have.")
    bounds = {name: parse_datestamp(name, args[name]) for name in ("from", "until") if name in args}
    if len(bounds) == 2:
        (start, start_step), (until, until_step) = bounds["from"], bounds["until"]
        if start_step != until_step:
            raise OaiError("badArgument", "The from and until dates must have the same granularity (both days or both seconds).")
        if start > until:
            raise OaiError("badArgument", "The from date is later than the until date.")


# --- the document ---------------------------------------------------------------------------------

def _oai(tag: str) -> str:
    return f"{{{OAI_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _oai(tag), attrs)
    if text is not None:
        element.text = xml_safe(text)  # a set name or the site's name could hold what XML cannot
    return element


def respond(pairs: Sequence[tuple[str, str]], settings: Settings, *, now: datetime | None = None) -> bytes:
    """The whole response document for one request. Reads the database, changes nothing, and
    raises nothing for bad input: every protocol error becomes an error element."""
    now = (now or utcnow()).replace(microsecond=0)
    root = etree.Element(_oai("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    _sub(root, "responseDate", format_datestamp(now))
    try:
        verb, args = parse_request(pairs)
    except OaiError as error:
        _sub(root, "request", settings.base_url)  # no attributes after badVerb/badArgument
        _sub(root, "error", error.message, code=error.code)
        return _serialize(root)
    _sub(root, "request", settings.base_url, verb=verb, **args)
    try:
        root.append(HANDLERS[verb](args, settings, now))
    except OaiError as error:
        _sub(root, "error", error.message, code=error.code)
    return _serialize(root)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")  # type: ignore[no-any-return]


# --- the verbs ------------------------------------------------------------------------------------

def identify(args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    body = etree.Element(_oai("Identify"))
    _sub(body, "repositoryName", settings.repository_name)
    _sub(body, "baseURL", settings.base_url)
    _sub(body, "protocolVersion", "2.0")
    _sub(body, "adminEmail", settings.admin_email)
    _sub(body, "earliestDatestamp", format_datestamp(oai_queries.earliest_datestamp() or now))
    _sub(body, "deletedRecord", "persistent")
    _sub(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    if DOMAIN.fullmatch(settings.repository_id):
        description = _sub(body, "description")
        scheme = etree.SubElement(description, f"{{{OAI_ID_NS}}}oai-identifier", nsmap={None: OAI_ID_NS})
        scheme.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
        for tag, text in (("scheme", "oai"), ("repositoryIdentifier", settings.repository_id), ("delimiter", ":"),
                          ("sampleIdentifier", oai_identifier(oai_queries.first_live_id() or 1, settings))):
            etree.SubElement(scheme, f"{{{OAI_ID_NS}}}{tag}").text = text
    return body


def list_metadata_formats(args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    if "identifier" in args:
        _existing_header(args["identifier"], settings)
    formats = metadata_formats()
    if not formats:
        raise OaiError("noMetadataFormats", "No metadata formats are available for this item.")
    body = etree.Element(_oai("ListMetadataFormats"))
    for fmt in formats.values():
        element = _sub(body, "metadataFormat")
        _sub(element, "metadataPrefix", fmt.prefix)
        _sub(element, "schema", fmt.schema_url)
        _sub(element, "metadataNamespace", fmt.namespace)
    return body


def list_sets(args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "This repository lists all its sets at once and never gives a resumptionToken for sets.")
    sets = oai_queries.all_sets()
    if not sets:
        raise OaiError("noSetHierarchy", "This repository has no sets yet: no collection is published.")
    body = etree.Element(_oai("ListSets"))
    for oai_set in sets:
        element = _sub(body, "set")
        _sub(element, "setSpec", oai_set.spec)
        _sub(element, "setName", oai_set.name)
        if oai_set.description.strip():
            holder = _sub(element, "setDescription")
            dc = etree.SubElement(holder, f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
            etree.SubElement(dc, f"{{{DC_NS}}}description").text = xml_safe(oai_set.description.strip())
    return body


def get_record(args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    header = _existing_header(args["identifier"], settings)
    prefix = _checked_prefix(args["metadataPrefix"])
    body = etree.Element(_oai("GetRecord"))
    body.append(_record(header, _metadata_for([header], prefix, settings).get(header.photo_id), settings))
    return body


def list_identifiers(args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    return _list("ListIdentifiers", args, settings, now)


def list_records(args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    return _list("ListRecords", args, settings, now)


HANDLERS: dict[str, Callable[[dict[str, str], Settings, datetime], etree._Element]] = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


# --- lists ----------------------------------------------------------------------------------------

def _list(verb: str, args: dict[str, str], settings: Settings, now: datetime) -> etree._Element:
    query = _list_query(verb, args, settings)
    page = oai_queries.list_page(query, size=settings.page_size + 1)
    has_more = len(page) > settings.page_size
    page = page[: settings.page_size]
    if not page:
        if query.after is None:
            raise OaiError("noRecordsMatch", "No records match this request. Try other dates, another set or none.")
        raise OaiError("badResumptionToken", "The rest of this list is no longer available. Please start the list again.")
    if query.after is None:
        total = oai_queries.list_size(query) if has_more else len(page)
    else:
        total = query.total
    total = max(total, query.cursor + len(page) + (1 if has_more else 0))
    body = etree.Element(_oai(verb))
    if verb == "ListIdentifiers":
        for header in page:
            body.append(_header(header, settings))
    else:
        metadata = _metadata_for(page, query.prefix, settings)
        for header in page:
            body.append(_record(header, metadata.get(header.photo_id), settings))
    if has_more:
        following = query.next_page(last=(page[-1].datestamp, page[-1].photo_id), sent=len(page), total=total)
        _sub(
            body, "resumptionToken", encode_token(following, secret_key=settings.secret_key),
            expirationDate=format_datestamp(expiration(lifetime=settings.token_lifetime, now=now)),
            completeListSize=str(total), cursor=str(query.cursor),
        )
    elif query.after is not None:
        _sub(body, "resumptionToken", completeListSize=str(total), cursor=str(query.cursor))
    return body


def _list_query(verb: str, args: dict[str, str], settings: Settings) -> ListQuery:
    if "resumptionToken" in args:
        try:
            query = decode_token(args["resumptionToken"], secret_key=settings.secret_key, max_age=settings.token_lifetime)
        except TokenError as error:
            raise OaiError("badResumptionToken", str(error)) from error
        if query.verb != verb:
            raise OaiError("badResumptionToken", f"This resumptionToken belongs to {query.verb}, not {verb}.")
        return query
    prefix = _checked_prefix(args["metadataPrefix"])
    start = parse_datestamp("from", args["from"])[0] if "from" in args else None
    end = None
    if "until" in args:
        until, step = parse_datestamp("until", args["until"])
        end = until + step
    return ListQuery(verb=verb, prefix=prefix, start=start, end=end, set_spec=args.get("set"))


def _checked_prefix(prefix: str) -> str:
    if prefix not in metadata_formats():
        known = ", ".join(metadata_formats())
        raise OaiError("cannotDisseminateFormat", f"The metadata format {prefix!r} is not available here. Use one of: {known}.")
    return prefix


def _existing_header(identifier: str, settings: Settings) -> oai_queries.OaiHeader:
    header = oai_queries.header_for(parse_identifier(identifier, settings))
    if header is None:
        raise OaiError("idDoesNotExist", f"There is no record with the identifier {identifier!r} in this repository.")
    return header


def _metadata_for(headers: Sequence[oai_queries.OaiHeader], prefix: str, settings: Settings) -> dict[int, Any]:
    live = [header.photo_id for header in headers if not header.is_deleted]
    return metadata_elements(live, prefix, site_url=settings.site_url) if live else {}


def _header(header: oai_queries.OaiHeader, settings: Settings) -> etree._Element:
    element = etree.Element(_oai("header"))
    if header.is_deleted:
        element.set("status", "deleted")
    _sub(element, "identifier", oai_identifier(header.photo_id, settings))
    _sub(element, "datestamp", format_datestamp(header.datestamp))
    for spec in header.set_specs:
        _sub(element, "setSpec", spec)
    return element


def _record(header: oai_queries.OaiHeader, metadata: Any, settings: Settings) -> etree._Element:
    record = etree.Element(_oai("record"))
    if not header.is_deleted and metadata is None:
        # Withdrawn between the two queries of this page: say so rather than send an empty record.
        header = oai_queries.OaiHeader(header.photo_id, header.datestamp, True, header.set_specs)
    record.append(_header(header, settings))
    if not header.is_deleted:
        _sub(record, "metadata").append(metadata)
    return record
