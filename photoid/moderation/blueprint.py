"""The moderation blueprint, on its own so the queue's routes (routes.py) and the audit log's
(log_routes.py) can both add views to it without importing each other."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, template_folder="templates", url_prefix="/moderation")
