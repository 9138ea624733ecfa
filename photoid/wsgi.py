"""The WSGI entry point: ``photoid.wsgi:app``, for gunicorn (``photoid serve`` uses it), uWSGI or mod_wsgi.

Importing this module builds the app from the environment (the ``PHOTOID_*`` settings), so a server
imports it in each worker, after forking: a worker started by a reload (gunicorn's HUP) then runs the
code and templates installed now, not those the master process saw when it started.
"""
from __future__ import annotations

from photoid import create_app

app = create_app()
