"""``photoid reindex``: rebuild the search index, or check it against the database."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from photoid.search import index, pg_index, queue


def rebuild(app: Flask, *, procs: int = 1) -> int:
    """Rebuild the app's search back end from the database: the Whoosh index (a new folder swapped in) or,
    with ``PHOTOID_SEARCH=postgres``, every ``search_document`` row in one transaction. Returns the number of
    photos indexed; raises what the database or the index raise."""
    return pg_index.reindex(app) if pg_index.is_enabled(app) else queue.reindex(app, procs=procs)


def ensure_index(*, rebuild: bool, echo: Callable[[str], None]) -> None:
    """Build the index when ``rebuild`` is set, there is none yet (the demo loader calls this), or it
    was built by an older release that lacked some of today's fields (the years, say) or read words
    differently (``index.ANALYSIS``). With
    ``PHOTOID_SEARCH=postgres``: fill ``search_document`` when ``rebuild`` is set or it is empty."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if pg_index.is_enabled(app):
        if rebuild or not pg_index.indexed_count(app):
            echo(f"Search index built in PostgreSQL: {pg_index.reindex(app)} photos.")
        return
    root = current_app.config["INDEX_DIR"]
    built = not rebuild and index.exists(root)
    outdated = index.missing_fields(root) if built else []
    old_words = built and not index.analysed_as_today(root)
    if rebuild or outdated or old_words or not index.exists(root):
        count = queue.reindex(current_app._get_current_object(), procs=1)  # type: ignore[attr-defined]
        why = f" (the old one lacked {', '.join(outdated)})" if outdated else \
            " (the old one read words as an older release did)" if old_words else ""
        echo(f"Search index built: {count} photos{why}.")


def with_index_after_upgrade(db_group: click.Group) -> click.Group:
    """Flask-Migrate's ``db`` group, whose ``upgrade`` to the newest schema ends by building the search
    index when there is none, so a new site searches properly from its first ``photoid db upgrade``
    instead of falling back to plain matching. A copy: Flask-Migrate's own group is left as it is.
    An upgrade to an older revision or as SQL (``--sql``) builds nothing: the models need the newest schema.
    """
    upgrade = db_group.commands.get("upgrade")
    if upgrade is None or upgrade.callback is None:
        return db_group
    migrate_only = upgrade.callback

    @with_appcontext
    def upgrade_then_index(**options: Any) -> None:
        click.get_current_context().invoke(migrate_only, **options)
        if not options.get("sql") and options.get("revision") in ("head", "heads"):
            ensure_index(rebuild=False, echo=click.echo)

    upgrade_with_index = copy.copy(upgrade)
    upgrade_with_index.callback = upgrade_then_index
    group = copy.copy(db_group)
    group.commands = {**db_group.commands, "upgrade": upgrade_with_index}
    return group


@click.command("reindex")
@click.option("--check", is_flag=True, help="Compare the index with the database and fix the differences.")
@click.option("--procs", type=click.IntRange(1, 16), default=2, show_default=True, help="Writer processes for a rebuild.")
@with_appcontext
def reindex_command(check: bool, procs: int) -> None:
    """Rebuild the search index from the database and swap it in while the site keeps answering."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # With PHOTOID_SEARCH=postgres, rewriting every row is the check: one transaction, nothing outside the database.
    if not check or pg_index.is_enabled(app):
        where = " in PostgreSQL" if pg_index.is_enabled(app) else ""
        click.echo(f"Search index rebuilt{where}: {rebuild(app, procs=procs)} photos.")
        return
    try:
        report = queue.check(app, fix=True)
    except index.IndexMissing:
        raise click.ClickException("There is no search index yet; run `photoid reindex` to build it.") from None
    for label, ids in (("missing from the index", report.missing), ("out of date", report.stale),
                       ("in the index but not public", report.extra)):
        if ids:
            shown = ", ".join(str(i) for i in ids[:50]) + (" …" if len(ids) > 50 else "")
            click.echo(f"{len(ids)} photo(s) {label}: {shown}")
    click.echo(f"Fixed {report.problems} photo(s)." if report.problems else "The search index matches the database.")
    if report.queued:
        click.echo(f"Emptied the queue of {report.queued} change(s) the index now holds.")
