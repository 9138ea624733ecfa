"""Two photoid servers behind one address (issue #23): separate processes with separate local folders,
sharing one PostgreSQL database (with PostgreSQL search), one Redis (jobs run by a ``photoid worker``)
and one S3 server (moto, tests/s3_server.py). A patron identifies on server A, an archivist approves
on server B, and both servers then show the fact on the photo page, in search, in OAI-PMH and in the
IIIF manifest; a photo uploaded on A is served from B.

Needs PHOTOID_TEST_DATABASE_URL and PHOTOID_TEST_REDIS_URL (.ci/run sets both) and moto. The cluster
works in a database of its own next to the given one and in Redis database 12 (test_jobs.py has 13,
the limits test 14, CI's 15), on a queue of its own.
"""
from __future__ import annotations

import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit
from xml.etree import ElementTree

import pytest

from tests.factories import jpeg_bytes
from tests.mailbox import Mailbox
from tests.s3_server import bucket_names, new_bucket, s3_client, s3_endpoint
from tests.two_servers import PASSWORD, REPOSITORY, Answer, Browser, Cluster, csrf, forget_queue, fresh_database, shared_env

PG_URL = os.environ.get("PHOTOID_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PHOTOID_TEST_REDIS_URL")
OWN_REDIS_DATABASE = 12
ARCHIVIST, PATRON = "archivist@millbrook.example", "patron@example.org"
NAME = "Wilhelmina Fairweather"
DECISION = re.compile(r'action="(/moderation/identifications/(\d+)/approve)"')
#: The uploaded files' titles, from the catalog CSV sent with them.
TITLES = {"pier.jpg": "Two men on the pier", "mill.jpg": "The old mill in winter", "regatta.jpg": "Regatta day"}
OAI = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}

pytestmark = pytest.mark.skipif(not (PG_URL and REDIS_URL),
                                reason="set PHOTOID_TEST_DATABASE_URL and PHOTOID_TEST_REDIS_URL to run two servers")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Cluster]:
    """Servers ``a`` and ``b`` and a worker, on a site with one institution (made with the ``photoid``
    command), an archivist and a patron, and two photos the archivist uploaded on A. OAI-PMH lists one
    record a page, so a harvest of the two crosses a resumption token. Only the worker has a mail server:
    an email that arrives was sent by a job the worker ran, not by the server that committed."""
    endpoint = s3_endpoint()  # skips without moto
    bucket = new_bucket(s3_client(endpoint))
    redis_url = urlunsplit(urlsplit(REDIS_URL or "")._replace(path=f"/{OWN_REDIS_DATABASE}"))
    queue = f"photoid-two-servers-{uuid.uuid4().hex[:12]}"
    folder = tmp_path_factory.mktemp("two-servers")
    with fresh_database(PG_URL or "", f"photoid_two_servers_{os.getpid()}") as database_url:
        env = shared_env(database_url=database_url, redis_url=redis_url, queue=queue, s3_endpoint=endpoint,
                         bucket=bucket, secret_key=secrets.token_hex(16))
        site = Cluster(env={**env, "PHOTOID_OAI_PAGE_SIZE": "1"}, folder=folder, bucket=bucket)
        try:
            site.photoid("a", "db", "upgrade")
            site.photoid("a", "create-institution", "millbrook", "--name", "Millbrook Public Library")
            password = {"TWO_SERVERS_PASSWORD": PASSWORD}
            site.photoid("a", "create-user", ARCHIVIST, "--role", "archivist", "--institution", "millbrook",
                         "--password-env", "TWO_SERVERS_PASSWORD", extra_env=password)
            site.photoid("a", "create-user", PATRON, "--password-env", "TWO_SERVERS_PASSWORD", extra_env=password)
            site.start("worker", "worker", extra_env=mailbox.settings())
            a, b = site.serve("a"), site.serve("b")
            archivist = Browser()
            archivist.sign_in(a, ARCHIVIST)
            made = archivist.call(f"{a}/collections/new")
            sent = archivist.call(f"{a}/collections/new", {
                "csrf_token": csrf(made.text), "institution": "millbrook", "slug": "harbour", "title": "The harbour",
                "description": "", "position": "0"})
            assert sent.status == 302, sent.text
            _upload(archivist, a, ("pier.jpg", jpeg_bytes(900, 600, shade=30)),
                    ("mill.jpg", jpeg_bytes(600, 900, shade=120)))
            _eventually(lambda: all(TITLES[name] in Browser().call(f"{b}/collections/harbour").text
                                    for name in ("pier.jpg", "mill.jpg")), "the two photos were public on B", site)
            yield site
        finally:
            site.stop()
            forget_queue(redis_url, queue)


def _upload(archivist: Browser, base: str, *files: tuple[str, bytes]) -> Answer:
    """Files sent through the collection's upload form, published, with a catalog CSV giving their titles."""
    form = archivist.call(f"{base}/collections/harbour/upload")
    assert form.status == 200, form.text
    catalog = "identifier,title,file\n" + "".join(f"MPL-{name},{TITLES[name]},{name}\n" for name, _ in files)
    sent = archivist.call(f"{base}/collections/harbour/upload", {"csrf_token": csrf(form.text), "publish": "yes"},
                          files=[*(("files", name, data) for name, data in files),
                                 ("catalog", "catalog.csv", catalog.encode())],
                          headers={"Accept": "application/json"})
    assert sent.status in (200, 202), sent.text
    return sent


def _photo_id(answer: Answer, title: str) -> int:
    """The photo linked with ``title`` on a search or collection page."""
    found = re.search(r'href="/photos/(\d+)"[^>]*>\s*(?:<[^>]+>\s*)*' + re.escape(title), answer.text)
    assert found, f"no link to {title!r} on the page"
    return int(found.group(1))


def _eventually(check: Callable[[], bool], what: str, cluster: Cluster, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"expected within {seconds:g} s: {what}\n{cluster.logs()}")
        time.sleep(0.2)


def _known(page: Answer) -> list[str]:
    """The approved facts on a photo page: the values listed under "What we know"."""
    section = page.text.split('id="known-heading"', 1)[1].split("</section>", 1)[0]
    return [re.sub(r"<[^>]+>", "", value).strip() for value in re.findall(r'class="fact-value">(.*?)</span>', section)]


def _dc_records(answer: Answer) -> tuple[dict[str, list[str]], str]:
    """{OAI identifier: its dc elements' texts} on one OAI-PMH page, and its resumption token ('' at the end)."""
    assert answer.status == 200, answer.text
    root = ElementTree.fromstring(answer.body)
    assert root.find("oai:error", OAI) is None, answer.text
    records = {}
    for record in root.iter(f"{{{OAI['oai']}}}record"):
        identifier = record.findtext("oai:header/oai:identifier", namespaces=OAI) or ""
        records[identifier] = [(element.text or "") for element in record.iter()
                               if element.tag.startswith(f"{{{OAI['dc']}}}")]
    return records, root.findtext(".//oai:resumptionToken", default="", namespaces=OAI).strip()


def test_identified_on_a_and_approved_on_b_the_fact_shows_on_both(cluster: Cluster, mailbox: Mailbox) -> None:
    a, b = cluster.servers["a"], cluster.servers["b"]
    visitor = Browser()
    photo_id = _photo_id(visitor.call(f"{b}/search?q=pier"), "Two men on the pier")
    for base in (a, b):  # each server renders and keeps the page before the change
        page = visitor.call(f"{base}/photos/{photo_id}")
        assert page.status == 200 and "Two men on the pier" in page.text and NAME not in page.text
        assert _known(page) == []

    patron = Browser()
    patron.sign_in(a, PATRON)
    form = patron.call(f"{a}/photos/{photo_id}/identify")
    sent = patron.call(f"{a}/photos/{photo_id}/identifications", {
        "csrf_token": csrf(form.text), "kind": "person", "name": NAME, "evidence": "My great-aunt; the family album.",
        "date_text": "", "authority_id": "", "disputes": ""})
    assert sent.status == 302, sent.text
    waiting = visitor.call(f"{b}/photos/{photo_id}")  # B shows the suggestion at once, not as a known fact
    assert "Unverified" in waiting.text and NAME in waiting.text and _known(waiting) == []
    assert "Two men on the pier" not in visitor.call(f"{a}/search?q=fairweather").text  # found once approved

    archivist = Browser()
    archivist.sign_in(b, ARCHIVIST)
    queue = archivist.call(f"{b}/moderation")
    assert NAME in queue.text  # B's queue shows what was sent to A
    [(approve, _ident)] = DECISION.findall(queue.text)
    decided = archivist.call(f"{b}{approve}", {"csrf_token": csrf(queue.text)})
    assert decided.status == 302, decided.text

    oai_id = f"oai:{REPOSITORY}:photo/{photo_id}"
    for base in (a, b):
        assert _known(visitor.call(f"{base}/photos/{photo_id}")) == [NAME], f"the photo page on {base}"
        found = visitor.call(f"{base}/search?q=fairweather")
        assert _photo_id(found, "Two men on the pier") == photo_id, f"search on {base}"
        records, _ = _dc_records(visitor.call(
            f"{base}/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={quote(oai_id)}"))
        assert any(NAME in value for value in records[oai_id]), f"OAI-PMH GetRecord on {base}: {records}"
        manifest = visitor.call(f"{base}/iiif/3/{photo_id}/manifest")
        assert manifest.status == 200 and NAME in manifest.text, f"the IIIF manifest on {base}"

    # A harvest that starts on A and is sent to B for its next page (one record a page) reads both records.
    first, token = _dc_records(visitor.call(f"{a}/oai?verb=ListRecords&metadataPrefix=oai_dc"))
    assert token, "a second page is promised"
    second, end = _dc_records(visitor.call(f"{b}/oai?verb=ListRecords&resumptionToken={quote(token)}"))
    assert end == "" and len({**first, **second}) == 2
    assert any(NAME in value for value in {**first, **second}[oai_id])

    # The patron's session, signed in on A, holds on B, and B tells them the name was approved.
    mine = patron.call(f"{b}/me/contributions")
    assert mine.status == 200 and NAME in mine.text
    # The worker sent the email the approval queued.
    email = mailbox.wait_for(PATRON, timeout=60)
    assert str(email["Subject"]).startswith("Your identification was approved")
    assert "Two men on the pier" in Mailbox.text(email)


def test_a_photo_uploaded_on_a_is_served_from_b(cluster: Cluster) -> None:
    a, b = cluster.servers["a"], cluster.servers["b"]
    archivist = Browser()
    archivist.sign_in(a, ARCHIVIST)
    sent = _upload(archivist, a, ("regatta.jpg", jpeg_bytes(1400, 900, shade=200)))
    photo_id = sent.json().get("photo_id")
    visitor = Browser()
    if photo_id is None:
        _eventually(lambda: TITLES["regatta.jpg"] in visitor.call(f"{b}/collections/harbour").text,
                    "the uploaded photo was listed on B", cluster)
        photo_id = _photo_id(visitor.call(f"{b}/collections/harbour"), TITLES["regatta.jpg"])
    # With its images made by the worker, the photo is public once they are all in the bucket.
    _eventually(lambda: visitor.call(f"{b}/photos/{photo_id}").status == 200, "the uploaded photo was public on B", cluster)

    assert TITLES["regatta.jpg"] in visitor.call(f"{b}/photos/{photo_id}").text
    for variant in ("thumb", "display"):
        served = visitor.call(f"{b}/media/photos/{photo_id}/{variant}.jpg")
        assert served.status == 200 and served.headers["Content-Type"] == "image/jpeg", (variant, served.status)
        assert served.body[:2] == b"\xff\xd8"
    info = visitor.call(f"{b}/iiif/3/{photo_id}/info.json").json()
    assert (info["width"], info["height"]) == (1400, 900)
    edge, smallest = info["tiles"][0]["width"], info["sizes"][0]
    for request in (f"0,0,{edge},{edge}/{edge},{edge}", f"full/{smallest['width']},{smallest['height']}"):
        image = visitor.call(f"{b}/iiif/3/{photo_id}/{request}/0/default.jpg")  # a tile, a whole-image size
        assert image.status == 200 and image.body[:2] == b"\xff\xd8", (request, image.status)

    # B's own folder holds none of it: what B sent came from the bucket A wrote to.
    assert not list((cluster.folder / "b").rglob("*.jpg"))
    assert any(key.endswith("/display.jpg") for key in bucket_names(s3_client(s3_endpoint()), cluster.bucket))


def test_photos_imported_with_the_command_on_a_are_served_from_b(cluster: Cluster, tmp_path: Path) -> None:
    b = cluster.servers["b"]
    (tmp_path / "ferry.jpg").write_bytes(jpeg_bytes(800, 500, shade=60))
    (tmp_path / "manifest.csv").write_text("identifier,title,file\nMPL-9,The ferry landing,ferry.jpg\n")
    cluster.photoid("a", "import", str(tmp_path / "manifest.csv"), "--images", str(tmp_path), "--collection", "harbour",
                    "--workers", "1")
    visitor = Browser()
    _eventually(lambda: "The ferry landing" in visitor.call(f"{b}/collections/harbour").text,
                "the imported photo was listed on B", cluster)
    photo_id = _photo_id(visitor.call(f"{b}/collections/harbour"), "The ferry landing")
    assert visitor.call(f"{b}/media/photos/{photo_id}/display.jpg").body[:2] == b"\xff\xd8"
