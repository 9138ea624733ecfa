"""The media host of deploy/nginx-many-servers.conf, run for real: Debian's nginx with the sample as
written (only ports, certificates, cache folders and the bucket's address put in) in front of the S3
server of the tests (moto, tests/s3_server.py). photoid redirects a public photo's image and its IIIF
tiles to PHOTOID_MEDIA_URL; this checks that nginx answers those addresses from the bucket, keeps them,
and lets nothing be written or listed (docs/operations.md, "Many servers")."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.factories import jpeg_bytes, make_collection
from tests.s3_server import CREDENTIALS, new_bucket, s3_client, s3_endpoint

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                                reason="nginx and openssl are not installed (CI installs them: .ci/nginx.sh)")

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "nginx-many-servers.conf"
MEDIA_HOST = "media.photos.library.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = s3_client(s3_endpoint())
    return client, new_bucket(client)


@pytest.fixture
def media_host(bucket: tuple[Any, str], tmp_path: Path) -> Iterator[int]:
    """nginx running the sample on a free port of 127.0.0.1, its media host reading the test bucket."""
    _, name = bucket
    port = _free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={MEDIA_HOST}",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    endpoint = urlsplit(s3_endpoint()).netloc
    site = SAMPLE.read_text()
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;").replace("listen 80;", f"listen 127.0.0.1:{_free_port()};")
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.M)
    site = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain\.pem", str(tmp_path / "cert.pem"), site)
    site = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey\.pem", str(tmp_path / "key.pem"), site)
    site = site.replace("/etc/ssl/certs/ca-certificates.crt", str(tmp_path / "cert.pem"))
    site = site.replace("/var/cache/nginx/", f"{tmp_path}/cache-")
    # The bucket's address: moto speaks plain HTTP, path-style, as MinIO does (the sample's https:// and /<bucket>/<prefix>/).
    site = site.replace("https://s3.library.example/millbrook-photos/site/", f"http://{endpoint}/{name}/site/")
    site = site.replace("proxy_set_header Host s3.library.example;", f"proxy_set_header Host {endpoint};")
    uncommented = re.sub(r"#.*", "", site)
    assert "s3.library.example" not in uncommented and "millbrook-photos" not in uncommented
    (tmp_path / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read this test's private folder
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon on;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    command = ["nginx", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")]
    started = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        pid = (tmp_path / "nginx.pid").read_text().strip() if (tmp_path / "nginx.pid").exists() else ""
        if pid:
            os.kill(int(pid), signal.SIGQUIT)  # the nginx this fixture started, by its own pid file


def fetch(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """``method`` ``path`` on the media host over HTTPS, as a browser following the redirect would."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's self-signed certificate
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=20)
    try:
        connection.request(method, path, headers={"Host": MEDIA_HOST})
        response = connection.getresponse()
        names = [name.lower() for name, _ in response.getheaders()]
        assert len(names) == len(set(names)), names  # one Content-Type, one Cache-Control
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_public_images_and_tiles_are_served_from_the_bucket_by_the_media_host(
        app: Flask, client: FlaskClient, bucket: tuple[Any, str], media_host: int) -> None:
    s3, name = bucket
    media_url = f"https://{MEDIA_HOST}:{media_host}"
    app.config.update(S3_ENDPOINT_URL=s3_endpoint(), STORAGE_URL=f"s3://{name}/site", MEDIA_URL=media_url)
    collection = make_collection(title="Street scenes")
    db.session.commit()
    photo = add_photo(collection=collection, identifier="MPL-1", title="Parade on Main Street",
                      image_data=jpeg_bytes(1200, 800, shade=10))

    redirect = client.get(f"/media/photos/{photo.id}/thumb.jpg")
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(media_url + "/")
    path = urlsplit(redirect.headers["Location"]).path
    stored = s3.get_object(Bucket=name, Key="site" + path)["Body"].read()
    assert fetch(media_host, path + "?before-the-policy")[0] == 403  # a private bucket shows nothing unsigned
    # What docs/operations.md asks for: the prefix readable without signing.
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/site/*"}]}))

    status, headers, body = fetch(media_host, path)
    assert status == 200 and body == stored and body[:2] == b"\xff\xd8"
    assert headers["cache-control"] == "public, max-age=31536000, immutable" and headers["content-type"] == "image/jpeg"
    assert headers["x-cache"] == "MISS" and not any(name.startswith("x-amz-") for name in headers)
    assert fetch(media_host, path)[1]["x-cache"] == "HIT"  # kept on nginx's disk: the bucket is asked once

    info = client.get(f"/iiif/3/{photo.id}/info.json").get_json()
    assert info["id"].startswith(media_url + "/")
    size = info["sizes"][0]
    tile = fetch(media_host, f"{urlsplit(info['id']).path}/full/{size['width']},{size['height']}/0/default.jpg")
    assert tile[0] == 200 and tile[2][:2] == b"\xff\xd8" and tile[1]["access-control-allow-origin"] == "*"

    # Nothing written, deleted or listed through it; a missing key is a 404 no browser keeps.
    assert fetch(media_host, path, "PUT")[0] == 403
    assert fetch(media_host, path, "DELETE")[0] == 403
    assert fetch(media_host, "/")[0] == 404
    missing = fetch(media_host, "/photos/00/no-such-photo/thumb.jpg")
    assert missing[0] == 404 and "cache-control" not in missing[1]
