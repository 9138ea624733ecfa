"""Reading IIIF 2.1 and 3 manifests into catalog data: values in every shape, the label mapping, rights."""
from __future__ import annotations

import pytest

from config import DEFAULT_IMPORT_LABELS, import_labels
from photoid.photos.iiif_import import fields_of
from photoid.photos.iiif_read import Canvas, ManifestUnreadable, canvases, kind, normal_rights, short_identifier, texts


def test_values_in_every_shape_become_plain_text() -> None:
    assert texts("a <b>bold</b> word") == ["a bold word"]
    assert texts([{"@value": "Hale, Walter", "@language": "en"}, {"@value": "Hale, W."}]) == ["Hale, Walter", "Hale, W."]
    assert texts({"fr": ["Rue principale"], "en": ["Main Street"], "none": ["Hauptstraße"]}) == [
        "Main Street", "Hauptstraße", "Rue principale"]
    assert texts("one<br>two<p>three</p>") == ["one two three"]
    assert texts(None) == [] and texts({"en": [""]}) == []


@pytest.mark.parametrize("given, stored", [
    ("https://rightsstatements.org/page/InC/1.0/?language=en", "http://rightsstatements.org/vocab/InC/1.0/"),
    ("http://rightsstatements.org/vocab/NoC-US/1.0/", "http://rightsstatements.org/vocab/NoC-US/1.0/"),
    ("https://creativecommons.org/licenses/by/4.0/", "http://creativecommons.org/licenses/by/4.0/"),
    ("https://creativecommons.org/publicdomain/zero/1.0/legalcode", "http://creativecommons.org/publicdomain/zero/1.0/legalcode/"),
    ("All rights reserved", ""),
])
def test_rights_are_written_as_catalogs_write_them(given: str, stored: str) -> None:
    assert normal_rights(given) == stored


def test_the_label_mapping_can_be_changed() -> None:
    labels = import_labels("places=Town|Parish; subjects=Topic")
    assert labels["places"] == ["Town", "Parish"] and labels["subjects"] == ["Topic"]
    assert labels["creator"] == DEFAULT_IMPORT_LABELS["creator"]
    with pytest.raises(ValueError, match="names 'colour'"):
        import_labels("colour=Hue")
    manifest = {
        "@context": "http://iiif.io/api/presentation/2/context.json", "@id": "https://x.example/m/1", "@type": "sc:Manifest",
        "label": [{"@value": "Harvest"}],
        "metadata": [{"label": "Town:", "value": "Millbrook"}, {"label": "Location", "value": "Barn"},
                     {"label": "Topic", "value": ["Harvests", "Tractors; Farmers"]}, {"label": "License", "value": "In Copyright"}],
        "license": "",
        "sequences": [{"canvases": [{"@id": "https://x.example/c/1", "images": [
            {"resource": {"@id": "https://x.example/1.jpg", "@type": "dctypes:Image"}}]}]}],
    }
    (canvas,) = canvases(manifest, url="https://x.example/m/1", labels=labels)
    assert canvas.places == ["Millbrook"] and canvas.subjects == ["Harvests", "Tractors", "Farmers"]
    assert canvas.rights_uri == "http://rightsstatements.org/vocab/InC/1.0/"
    assert (canvas.image_url, canvas.service) == ("https://x.example/1.jpg", None)
    assert canvas.identifier == "x.example/m/1" and canvas.title == "Harvest"


def test_a_manifest_of_several_canvases_gives_one_photo_each() -> None:
    canvas = lambda n: {"id": f"https://x.example/c/{n}", "type": "Canvas", "label": {"en": [f"p. {n}"]}, "items": []}  # noqa: E731
    manifest = {"id": "https://x.example/m/album", "type": "Manifest", "label": {"en": ["Album"]},
                "metadata": [{"label": {"en": ["Identifier"]}, "value": {"en": ["ALB-1"]}}], "items": [canvas(1), canvas(2)]}
    found = list(canvases(manifest, url="https://x.example/m/album", labels=DEFAULT_IMPORT_LABELS))
    assert [(c.identifier, c.title) for c in found] == [("ALB-1-1", "Album (p. 1)"), ("ALB-1-2", "Album (p. 2)")]
    assert len({c.source_key for c in found}) == 2


def test_other_documents_are_refused() -> None:
    with pytest.raises(ManifestUnreadable, match="IIIF ImageService3, not a manifest"):
        kind({"type": "ImageService3"})
    with pytest.raises(ManifestUnreadable):
        kind(["not", "a", "document"])


def test_long_identifiers_keep_their_end_and_stay_apart() -> None:
    first, second = (short_identifier("digital.example.org/" + "x" * 120 + end) for end in ("/1", "/2"))
    assert len(first) == 100 and first.endswith("/1") and first != second


@pytest.mark.parametrize("date_text, nav_date, edtf, note", [
    ("circa 1925", "", "1925~", ""),
    ("n.d.", "1931-05-17", "1931-05-17", ""),  # navDate when the words cannot be read
    ("n.d.", "", None, "The date “n.d.” was not understood and was left out."),
    ("", "0042-01-01", None, "The date “0042-01-01” was not understood and was left out."),  # before 1000
    ("", "", None, ""),
])
def test_dates_are_read_as_csv_import_reads_them_and_an_unreadable_one_is_left_out(
        date_text: str, nav_date: str, edtf: str | None, note: str) -> None:
    fields, said = fields_of(Canvas(manifest_url="m", canvas_id="c", identifier="X", title="T",
                                    date_text=date_text, nav_date=nav_date))
    assert (fields.date_edtf, said) == (edtf, note)
