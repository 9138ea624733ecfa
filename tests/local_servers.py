"""Servers on a free port of 127.0.0.1 for the length of a test: the app itself, in a thread of the
test process (for real clients such as harvesters and validators), or a folder of static files on
another origin (a blog or a viewer that frames or fetches from the site)."""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseServer

from flask import Flask
from werkzeug.serving import make_server


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def _running(server: BaseServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def serving_app(app: Flask) -> Iterator[str]:
    """The app at the address this yields (``http://127.0.0.1:<port>``)."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    with _running(http):
        yield f"http://127.0.0.1:{http.server_port}"


@contextmanager
def serving_folder(folder: Path) -> Iterator[str]:
    """The files in ``folder`` at the address this yields (``http://127.0.0.1:<port>``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    with _running(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"
