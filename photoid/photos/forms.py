"""Forms of the staff pages for collections and catalog records. Services check every value."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField


class CollectionForm(FlaskForm):
    """Create a collection (institution and slug are chosen only then) or edit one."""

    institution = SelectField("Library or archive it belongs to", choices=[], validate_choice=False)
    title = StringField("Title", description="As visitors will see it, for example “Local history, 1900–1960”.")
    slug = StringField(
        "Web address name", description="Lowercase letters, digits and hyphens, for example local-history. It is part "
                                        "of the collection's address and of harvesters' set names, so it never changes.",
    )
    description = TextAreaField("Description", description="A few sentences about the collection (optional).")
    cover_photo_id = SelectField("Cover photo", choices=[], validate_choice=False,
                                 description="Shown on the collection's card on the home page.")
    position = StringField("Position in lists", default="0",
                           description="Collections are listed by this number, smallest first, then by title.",
                           render_kw={"inputmode": "numeric"})


class RecordForm(FlaskForm):
    """A photo's catalog record, with the same columns as an import manifest."""

    identifier = StringField("Identifier", description="The call or accession number, unique in your institution.")
    title = StringField("Title")
    description = TextAreaField("Description")
    date = StringField(
        "Date", description="In words or EDTF, for example “about 1945”, “1940s”, “summer 1952” or 1952-06.",
    )
    creator = StringField("Creator", description="The photographer or studio, if known.")
    rights = StringField(
        "Rights", description="A rightsstatements.org or Creative Commons address, or a label such as “In Copyright” "
                              "or “No Copyright - United States”.",
    )
    subjects = TextAreaField("Subjects", description="One subject heading a line.")
    places = TextAreaField("Places", description="One place name a line.")


class IiifImportForm(FlaskForm):
    """The address of a IIIF manifest or collection to import into a collection."""

    url = StringField(
        "IIIF manifest or collection address",
        description="As your digital collections system publishes it (CONTENTdm, Omeka S, Islandora…), for example "
                    "https://digital.library.example/iiif/2/photos/manifest.json. Versions 2.1 and 3.",
        render_kw={"type": "url", "inputmode": "url", "spellcheck": "false"},
    )


class ConfirmForm(FlaskForm):
    """Publish, withdraw or delete: nothing to fill in but the CSRF token."""
