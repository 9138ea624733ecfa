"""Authority links in one canonical form, so two spellings of the same record are one record.

A link pasted from a browser (``https://www.wikidata.org/wiki/Q42``, ``id.loc.gov/…/n79021164.html``,
``www.geonames.org/5165418/millbrook.html``) and the entity URI a catalog writes
(``http://www.wikidata.org/entity/Q42``) name the same record; photoid stores the entity URI each
source gives as its identifier, and the exports name the source from it (MARC ``$2``, MODS
``authorityURI``). A link that fits none of the patterns is kept as it was typed.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

#: (host pattern, path pattern, canonical form from the path's groups)
_FORMS = (
    (r"(?:www\.|m\.)?wikidata\.org", r"/(?:wiki/(?:Special:EntityPage/)?|entity/)([QPL]\d+)(?:\.\w+)?/?",
     "http://www.wikidata.org/entity/{0}"),
    (r"id\.loc\.gov", r"/authorities/(\w+)/([\w-]+?)(?:\.\w+)?/?", "http://id.loc.gov/authorities/{0}/{1}"),
    (r"(?:www\.)?viaf\.org", r"/viaf/(\d+)(?:/.*)?", "http://viaf.org/viaf/{0}"),
    (r"(?:sws\.|www\.)?geonames\.org", r"/(\d+)(?:/.*)?", "https://sws.geonames.org/{0}/"),
)


def canonical_uri(uri: str) -> str:
    """The canonical form of an authority link (see the module's docstring); other text unchanged."""
    text = uri.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    host = (parts.hostname or "").lower()
    for host_pattern, path_pattern, form in _FORMS:
        if re.fullmatch(host_pattern, host):
            match = re.fullmatch(path_pattern, parts.path)
            if match:
                return form.format(*match.groups())
    return text
