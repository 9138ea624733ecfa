"""The IIIF importer's HTTP client: only http(s), only public addresses (checked on every redirect),
limits on size and time, one request at a time with a delay."""
from __future__ import annotations

import ipaddress
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from photoid.photos.iiif_fetch import Fetcher, FetchError, is_public
from tests.iiif_server import IiifSite, Image, serving


def _fetcher(**kw: object) -> Fetcher:
    options: dict[str, object] = {"user_agent": "photoid test", "delay": 0, "timeout": 5, "allow_private": True}
    options.update(kw)
    return Fetcher(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                                     "::ffff:10.0.0.1", "224.0.0.1"])
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/manifest.json", "gopher://x", "manifest.json",
                                 "http://", "javascript:alert(1)"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="Only http and https|no host name"):
        _fetcher().json(url)


def test_a_redirect_to_a_private_address_is_refused_after_resolving_it() -> None:
    """The first host counts as public here; the redirect goes to another loopback address, which
    is checked again when followed and refused before any connection is made to it."""
    inner = IiifSite(documents={"/secret.json": {"type": "Manifest"}})
    with serving(inner, host="127.0.0.2") as private:
        outer = IiifSite()
        with serving(outer) as public:
            outer.redirects["/manifest.json"] = private.url("/secret.json")
            fetcher = _fetcher(allow_private=False, public=lambda ip: str(ip) == "127.0.0.1")
            with pytest.raises(FetchError, match=r"private, loopback or link-local address \(127\.0\.0\.2\)"):
                fetcher.json(public.url("/manifest.json"))
            assert [path for path, _ in outer.requests] == ["/manifest.json"]
            assert private.requests == []
            # the same redirect is followed when private addresses are allowed
            assert _fetcher().json(public.url("/manifest.json"))[1] == {"type": "Manifest"}


def test_a_redirect_to_another_scheme_is_refused() -> None:
    site = IiifSite(redirects={"/manifest.json": "file:///etc/passwd"})
    with serving(site):
        with pytest.raises(FetchError, match="Only http and https"):
            _fetcher().json(site.url("/manifest.json"))


def test_redirect_loops_end() -> None:
    site = IiifSite(redirects={"/a": "/b", "/b": "/a"})
    with serving(site):
        with pytest.raises(FetchError, match="redirected more than 5 times"):
            _fetcher().json(site.url("/a"))


def test_images_larger_than_the_limit_are_refused(tmp_path: Path) -> None:
    site = IiifSite(images={"big": Image(400, 300)})
    with serving(site):
        with pytest.raises(FetchError, match="larger than the 0 MB limit"):
            _fetcher().download(site.url("/img/big/full/max/0/default.jpg"), tmp_path / "image", max_bytes=1000)


def test_reasons_a_person_understands(tmp_path: Path) -> None:
    site = IiifSite(documents={"/text": "not a manifest"})
    with serving(site):
        with pytest.raises(FetchError, match=r"Not found \(404\)") as missing:
            _fetcher().download(site.url("/nothing.jpg"), tmp_path / "image", max_bytes=1000)
        assert missing.value.status == 404
    with pytest.raises(FetchError, match="could not be reached|could not be found"):
        _fetcher().json(site.url("/text"))  # the server is gone


def test_requests_are_spaced_by_the_delay_and_name_the_site() -> None:
    site = IiifSite(documents={"/a": {}, "/b": {}})
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with serving(site):
        fetcher = _fetcher(delay=2.0, clock=lambda: now[0], sleep=sleep, user_agent="photoid IIIF import for Millbrook")
        fetcher.json(site.url("/a"))
        now[0] += 0.5
        fetcher.json(site.url("/b"))
    assert waits == [1.5]
    assert {agent for _, agent in site.requests} == {"photoid IIIF import for Millbrook"}


def test_a_server_that_does_not_answer_in_time(tmp_path: Path) -> None:
    site = IiifSite(documents={"/slow.json": {}}, slow={"/slow.json": 0.6})
    with serving(site):
        with pytest.raises(FetchError, match=r"did not answer within 0\.2 seconds"):
            _fetcher(timeout=0.2).json(site.url("/slow.json"))


def test_a_document_that_is_not_json(tmp_path: Path) -> None:
    site = IiifSite(images={"photo": Image(40, 30)})
    with serving(site):
        with pytest.raises(FetchError, match="is not a JSON document"):
            _fetcher().json(site.url("/img/photo/full/max/0/default.jpg"))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_checks_the_certificate_for_the_name(certificate: tuple[Path, Path]) -> None:
    site = IiifSite(documents={"/manifest.json": {"type": "Manifest"}})
    with serving(site, tls=certificate):
        trusting = _fetcher(tls=ssl.create_default_context(cafile=str(certificate[0])))
        assert trusting.json(site.url("/manifest.json")) == (site.url("/manifest.json"), {"type": "Manifest"})
        with pytest.raises(FetchError, match="its certificate is not valid"):
            _fetcher().json(site.url("/manifest.json"))


def test_spaces_in_an_address_are_sent_encoded() -> None:
    site = IiifSite(documents={"/my%20photos/manifest.json": {"type": "Manifest"}})
    with serving(site):
        assert _fetcher().json(site.url("/my photos/manifest.json"))[1] == {"type": "Manifest"}


def test_json_nested_too_deep_to_read_is_refused() -> None:
    site = IiifSite(raw={"/deep.json": b"[" * 100_000 + b"]" * 100_000})
    with serving(site):
        with pytest.raises(FetchError, match="is not a JSON document"):
            _fetcher().json(site.url("/deep.json"))
