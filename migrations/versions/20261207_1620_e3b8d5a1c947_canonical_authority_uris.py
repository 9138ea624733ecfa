"""Authority links are stored in one canonical form: a record's web page and its entity URI are one record

``https://www.wikidata.org/wiki/Q42`` becomes ``http://www.wikidata.org/entity/Q42``; id.loc.gov links lose
``https`` and ``.html``; VIAF links become ``http://viaf.org/viaf/<id>``; GeoNames links become
``https://sws.geonames.org/<id>/``. New links are stored so from now on (photoid/authorities/uris.py); the
rules are copied here as they are today, so this migration does the same whatever that module becomes.
Downgrading keeps the canonical links (they are valid links too).

Revision ID: e3b8d5a1c947
Revises: a7f3c91e5b20
Create Date: 2026-12-07 16:20:00

"""
import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = 'e3b8d5a1c947'
down_revision = 'a7f3c91e5b20'
branch_labels = None
depends_on = None

_FORMS = (
    (r"(?:www\.|m\.)?wikidata\.org", r"/(?:wiki/(?:Special:EntityPage/)?|entity/)([QPL]\d+)(?:\.\w+)?/?",
     "http://www.wikidata.org/entity/{0}"),
    (r"id\.loc\.gov", r"/authorities/(\w+)/([\w-]+?)(?:\.\w+)?/?", "http://id.loc.gov/authorities/{0}/{1}"),
    (r"(?:www\.)?viaf\.org", r"/viaf/(\d+)(?:/.*)?", "http://viaf.org/viaf/{0}"),
    (r"(?:sws\.|www\.)?geonames\.org", r"/(\d+)(?:/.*)?", "https://sws.geonames.org/{0}/"),
)


def _canonical(uri):
    text = uri.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    host = (parts.hostname or "").lower()
    for host_pattern, path_pattern, form in _FORMS:
        match = re.fullmatch(path_pattern, parts.path) if re.fullmatch(host_pattern, host) else None
        if match:
            return form.format(*match.groups())
    return text


def upgrade():
    connection = op.get_bind()
    authority = sa.table('authority', sa.column('id', sa.Integer), sa.column('authority_uri', sa.String))
    rows = connection.execute(sa.select(authority.c.id, authority.c.authority_uri)
                              .where(authority.c.authority_uri.is_not(None))).all()
    for row in rows:
        canonical = _canonical(row.authority_uri)
        if canonical != row.authority_uri:
            connection.execute(authority.update().where(authority.c.id == row.id).values(authority_uri=canonical))


def downgrade():
    pass
