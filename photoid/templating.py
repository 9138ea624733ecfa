"""Filters and globals shared by every template."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from flask import Flask, Response, current_app, request, url_for
from flask.globals import _cv_request
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from werkzeug.security import safe_join

from photoid.contributions import workflow
from photoid.edtf import life_dates, words
from photoid.text import linkify

#: How many built links each app remembers before it starts afresh.
REMEMBERED_URLS = 20_000

RIGHTS_LABELS = {
    "http://rightsstatements.org/vocab/NoC-US/1.0/": "No Copyright - United States",
    "http://rightsstatements.org/vocab/InC/1.0/": "In Copyright",
    "http://rightsstatements.org/vocab/CNE/1.0/": "Copyright Not Evaluated",
    "http://rightsstatements.org/vocab/UND/1.0/": "Copyright Undetermined",
    "http://rightsstatements.org/vocab/NKC/1.0/": "No Known Copyright",
}


def rights_label(uri: str | None) -> str:
    return RIGHTS_LABELS.get(uri or "", uri or "")


def contributor_name(user: Any) -> Markup:
    """A contributor's public name (``{{ user|contributor_name }}``), linked to their page only while they
    keep it public and their account is active (the rule of accounts/profiles.py); "a former contributor"
    for an account that is gone. A filter, not a macro: a photo page names a dozen contributors, and a
    macro call costs as much as the rest of the line."""
    if user is None:
        return Markup("a former contributor")
    name = escape(user.public_name)
    if user.is_profile_public and user.suspended_at is None and user.deleted_at is None:
        href = escape(remembered_url_for("profiles.profile", user_id=user.id))
        return Markup(f'<a class="contributor-link" href="{href}">{name}</a>')
    return name


def remembered_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for templates, remembering the links it built.

    Building a link is a tenth of the photo page's time: about forty a page, most of them the same
    on every page (the menu, the stylesheet). A link depends only on the site's address as this
    request reached it, the endpoint and its values, so those are the key: the app's URL defaults
    (a static file's version) follow from them. An endpoint whose blueprint adds defaults of its own
    from the request (help's campaign) is built every time, never remembered.

    A link found costs a dictionary look-up and little more (it is looked up on every link of every
    page, so it reads the request context directly rather than through Flask's proxies).
    """
    ctx = _cv_request.get(None)
    if ctx is None or endpoint[:1] == ".":
        return url_for(endpoint, **values)
    key = (ctx.request.root_url, endpoint, *values.items())
    remembered: dict[tuple[Any, ...], str] = ctx.app.extensions["remembered_urls"]
    try:
        return remembered[key]
    except TypeError:  # a value that cannot be a key (a list): build it every time
        return url_for(endpoint, **values)
    except KeyError:
        pass
    built = url_for(endpoint, **values)
    if not ctx.app.url_default_functions.get(endpoint.rpartition(".")[0]):
        if len(remembered) >= REMEMBERED_URLS:
            remembered.clear()
        remembered[key] = built
    return built


#: How long a browser or proxy may keep a static file whose URL names its version: a year, the most
#: HTTP caches honour. Safe because another version of the file has another URL.
STATIC_MAX_AGE = 31_536_000


def _static_folder(app: Flask, endpoint: str) -> str | None:
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
    return blueprint.static_folder if blueprint is not None else None


def static_version(app: Flask, endpoint: str, filename: str) -> str | None:
    """The first 8 hex digits of the SHA-256 of a static file, read once per file and process;
    None for a folder or a file that is not there."""
    versions: dict[tuple[str, str], str | None] = app.extensions["static_versions"]
    key = (endpoint, filename)
    if key not in versions:
        folder = _static_folder(app, endpoint)
        path = safe_join(folder, filename) if folder else None
        versions[key] = (hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]
                         if path and Path(path).is_file() else None)
    return versions[key]


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def _add_static_version(endpoint: str, values: dict[str, Any]) -> None:
    """Every link to a static file carries its content's version (``/static/css/site.css?v=1a2b3c4d``),
    so after an upgrade browsers fetch the new file instead of a stale copy, and the old URL can be
    cached for a year."""
    if _is_static(endpoint) and "filename" in values and "v" not in values:
        version = static_version(current_app, endpoint, str(values["filename"]))
        if version:
            values["v"] = version


def _cache_versioned_static(response: Response) -> Response:
    """A static file asked for by its current version may be kept for a year without asking again."""
    if _is_static(request.endpoint) and response.status_code == 200 and request.view_args:
        wanted = request.args.get("v")
        if wanted and wanted == static_version(current_app, str(request.endpoint), str(request.view_args.get("filename", ""))):
            response.cache_control.public = True
            response.cache_control.max_age = STATIC_MAX_AGE
            response.cache_control.immutable = True
    return response


class Template(jinja2.Template):
    """Jinja's template, with an import that checks its globals in one step.

    On every ``{% from ... import %}`` Jinja asks whether the importing page has globals the imported
    template lacks, by subtracting a ChainMap's keys from a set: one Python-level lookup per global, a
    twentieth of the photo page's template time. ``set.difference`` gives the same answer in one call."""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and not ctx.globals_keys.difference(self.globals):
            ctx = None  # no globals of its own to pass on: the module made once serves (Jinja's own shortcut)
        return super()._get_default_module(ctx)


def register_template_helpers(app: Flask) -> None:
    app.extensions["remembered_urls"] = {}
    app.extensions["static_versions"] = {}
    app.url_defaults(_add_static_version)
    app.after_request(_cache_versioned_static)
    app.jinja_env.globals["url_for"] = remembered_url_for
    app.jinja_env.template_class = Template
    # Templates compare states with these, never with the words (see contributions/workflow.py).
    app.jinja_env.globals.update(
        IdentificationState=workflow.IdentificationState, CommentState=workflow.CommentState, VoteStance=workflow.VoteStance,
        VoteState=workflow.VoteState, PhotoProcessing=workflow.PhotoProcessing,
        AuthorityStatus=workflow.AuthorityStatus, InvitationStatus=workflow.InvitationStatus,
        CampaignStatus=workflow.CampaignStatus, COMMENT_OPEN=workflow.COMMENT_OPEN, CAMPAIGN_STARTED=workflow.CAMPAIGN_STARTED,
    )
    app.add_template_filter(words, "date_words")
    app.add_template_filter(life_dates, "life_dates")
    app.add_template_filter(rights_label, "rights_label")
    app.add_template_filter(linkify, "linkify")
    app.add_template_filter(contributor_name, "contributor_name")

    @app.context_processor
    def _site() -> dict[str, object]:
        return {"site_name": app.config["SITE_NAME"]}
