"""What a shared link previews as: titles, questions, absolute addresses and image sizes.

Pages build these dicts and hand them to the ``social_meta`` macro in
``templates/sharing/_social_meta.html`` (Open Graph and Twitter card tags).
"""
from __future__ import annotations

from typing import Any


from photoid import links
from photoid.templating import remembered_url_for
from photoid.photos.images import DERIVATIVE_SIZES

#: Open Graph descriptions longer than this are cut (previews show about two lines).
DESCRIPTION_LIMIT = 200
KIND_QUESTIONS = {
    "person": "Can you identify the people in this photo?",
    "place": "Do you know where this photo was taken?",
    "date": "Do you know when this photo was taken?",
}


def site_root() -> str:
    """The site's address without a trailing slash: ``SITE_URL`` when set, else the request's host
    on a page (see photoid/links.py)."""
    return links.root()


def site_hosts() -> set[str]:
    """Host names (with port) that count as this site: the configured one, and the request's unless
    ``SITE_URL`` is set."""
    return links.host_names()


def absolute(endpoint: str, **values: Any) -> str:
    """An absolute address for an endpoint, on this site (remembered like the templates' links: a photo
    page holds eight)."""
    return remembered_url_for(endpoint, _external=True, **values)


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """One line of at most ``limit`` characters, cut at a word with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def display_size(width: int, height: int, variant: str = "display") -> tuple[int, int]:
    """The size of a derivative of a ``width`` × ``height`` photo (``display``: long side 1600 px)."""
    long_side = DERIVATIVE_SIZES[variant]
    if max(width, height) <= long_side:
        return width, height
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def photo_question(photo: Any, approved: list[Any], *, open_boxes: bool = False) -> str:
    """What a preview asks or tells: a question while people are unknown (no approved person, or boxes
    marked on the photo that nobody has confirmed yet), else a summary of what is known."""
    kinds = {f.kind for f in approved}
    if "person" not in kinds or open_boxes:
        return KIND_QUESTIONS["person"]
    people = [f.label for f in approved if f.kind == "person"]
    parts = [f"Identified so far: {', '.join(people)}"]
    places = [f.label for f in approved if f.kind == "place"]
    if places:
        parts.append(f"at {', '.join(places)}")
    if "date" not in kinds and not photo.date_edtf:
        return " ".join(parts) + ". " + KIND_QUESTIONS["date"]
    return " ".join(parts) + ". Do you recognise anyone else?"


def photo_meta(photo: Any, approved: list[Any], *, open_boxes: bool = False) -> dict[str, Any]:
    """The preview of a photo page: its title, a question or summary, and the 1600 px image with its size."""
    width, height = display_size(photo.width, photo.height)
    return {
        "title": photo.title,
        "description": shorten(photo_question(photo, approved, open_boxes=open_boxes)),
        "url": absolute("photos.photo", photo_id=photo.id),
        "image_url": absolute("photos.media", photo_id=photo.id, variant="display"),
        "image_width": width,
        "image_height": height,
        "image_alt": photo.title,
        "og_type": "article",
    }


def authority_meta(record: Any, kind_word: str, photo_total: int, first_photo: Any = None) -> dict[str, Any]:
    """The preview of a person, place or event page, with its first photo's image when it has one."""
    if record.description:
        description = record.description
    elif photo_total:
        description = f"{kind_word} · {photo_total} photo{'s' if photo_total != 1 else ''} in our collections."
    else:
        description = f"{kind_word} · Do you recognise {record.heading} in one of our photos?"
    meta: dict[str, Any] = {
        "title": record.heading,
        "description": shorten(description),
        "url": absolute(f"authorities.{record.kind}", record_id=record.id),
        "og_type": "profile" if record.kind == "person" else "website",
    }
    if first_photo is not None:
        width, height = display_size(first_photo.width, first_photo.height)
        meta.update(
            image_url=absolute("photos.media", photo_id=first_photo.id, variant="display"),
            image_width=width, image_height=height, image_alt=first_photo.title,
        )
    return meta


#: Each byte as ``urllib.parse.quote(..., safe="")`` writes it: letters, digits and ``_.-~`` as they
#: are, every other byte as %XX.
_PERCENT_ENCODED = str.maketrans({
    chr(byte): chr(byte) if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "_.-~") else f"%{byte:02X}"
    for byte in range(256)
})


def quote_all(text: str) -> str:
    """``urllib.parse.quote(text, safe="")`` in three calls: quote calls a function for every byte, and a
    photo page quotes its title and address three times."""
    return text.encode("utf-8").decode("latin-1").translate(_PERCENT_ENCODED)


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """Plain share links (no scripts): (service, href), every value URL-encoded."""
    u, t = quote_all(url), quote_all(title)
    text = quote_all(f"{title} {url}")
    return [
        ("Email", f"mailto:?subject={t}&body={text}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("X (Twitter)", f"https://twitter.com/intent/tweet?url={u}&text={t}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={text}"),
    ]
