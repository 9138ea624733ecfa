"""A real S3 API server for the tests: moto in server mode, in its own process on a free port of
127.0.0.1, started once per test process and stopped when it ends. Each test gets a bucket of its
own (:func:`new_bucket`), so tests share the server and nothing else."""
from __future__ import annotations

import atexit
import functools
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest

#: moto accepts any credentials; boto3 needs some, and a region.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "photoid-test", "AWS_SECRET_ACCESS_KEY": "photoid-test",
               "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@functools.cache
def s3_endpoint() -> str:
    """The server's address, ``http://127.0.0.1:<port>``; skips the test when moto is not installed."""
    pytest.importorskip("moto.server", reason="moto is not installed: pip install -e '.[test]' runs the S3 storage tests")
    for _attempt in range(3):  # another process may take the free port before moto binds it
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline and not _answers(port):
            time.sleep(0.1)
        if server.poll() is None and _answers(port):
            atexit.register(_stop, server)
            return f"http://127.0.0.1:{port}"
        _stop(server)
    raise RuntimeError("the moto S3 server did not start")


def _stop(server: subprocess.Popen) -> None:  # type: ignore[type-arg]
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
                        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


def new_bucket(client: Any) -> str:
    """A new empty bucket's name."""
    name = f"photoid-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    return name


def bucket_names(client: Any, bucket: str) -> list[str]:
    """Every object in the bucket, sorted."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))
