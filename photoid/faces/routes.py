"""Face assistance on pages: a face's picture, an institution's face switches (admins) and a
person's "do not match" mark (staff). The photo page, identify form and moderation queue show
faces through photoid/faces/panel.py."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from photoid.accounts.permissions import require_moderator_of, require_staff
from photoid.authorities.models import AuthorityRecord
from photoid.authorities.service import AuthorityForbidden
from photoid.contributions.workflow import WorkflowError
from photoid.errors import status_for
from photoid.extensions import db, login_manager
from photoid.faces import linking, panel, settings
from photoid.faces.forms import ConfirmForm, DoNotMatchForm, FaceSettingsForm
from photoid.faces.models import Face
from photoid.params import BadNumber, whole_number
from photoid.photos.crops import read_crop
from photoid.photos.models import Institution
from photoid.photos.public import visible_photo
from photoid.photos.service import storage

bp = Blueprint("faces", __name__, template_folder="templates")

#: A detected box is tight around eyes and mouth: show this much of its size around it on each side.
FACE_MARGIN = 0.25
FACE_CROP_SIZE = 240
CROP_MAX_AGE = 300


def _with_margin(face: Face) -> tuple[float, float, float, float]:
    x0, y0 = max(0.0, face.x - face.w * FACE_MARGIN), max(0.0, face.y - face.h * FACE_MARGIN)
    x1, y1 = min(1.0, face.x + face.w * (1 + FACE_MARGIN)), min(1.0, face.y + face.h * (1 + FACE_MARGIN))
    return x0, y0, x1 - x0, y1 - y0


bp.add_app_template_global(panel.match_words, "match_words")
bp.add_app_template_global(panel.threshold, "face_match_threshold")


@bp.route("/photos/<int:photo_id>/faces/<int:face_id>.jpg")
def face_picture(photo_id: int, face_id: int) -> Response:
    """A face found on a photo, cut from its display image, for whoever may see the photo."""
    photo = visible_photo(photo_id)
    face = db.session.get(Face, face_id)
    if face is None or face.photo_id != photo.id or not photo.institution.faces_detection_enabled:
        abort(404)
    crop = read_crop(storage(), photo.source_checksum, _with_margin(face), size=FACE_CROP_SIZE)
    if crop is None:
        abort(404)
    response = Response(crop[0], mimetype="image/jpeg")
    response.set_etag(crop[1])
    # Private: a photo withdrawn later, or a face forgotten, must not stay in shared caches.
    response.headers["Cache-Control"] = f"private, max-age={CROP_MAX_AGE}"
    return response.make_conditional(request)


@bp.route("/admin/institutions/<slug>/faces", methods=["POST"])
def institution_switches(slug: str) -> Response:
    """An admin turns detection, matching and patrons seeing matches on or off."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.is_admin:
        abort(403)
    institution = db.session.scalar(select(Institution).where(Institution.slug == slug))
    if institution is None:
        abort(404)
    form = FaceSettingsForm()
    if not form.validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    try:
        changed = settings.change_switches(
            institution, detection=bool(form.detection.data), matching=bool(form.matching.data),
            patrons_see_matches=bool(form.patrons_see_matches.data), actor=current_user._get_current_object(),
        )
    except settings.FaceSettingsError as error:
        abort(403, str(error))
    if changed:
        flash(f"Face assistance of {institution.name} saved.", "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for("admin.institution", slug=institution.slug) + "#faces-heading")


@bp.route("/authorities/<int:record_id>/do-not-match", methods=["POST"])
def do_not_match(record_id: int) -> Response:
    """Staff mark a person "do not match", or clear the mark."""
    user = require_staff()
    record = db.session.get(AuthorityRecord, record_id)
    if record is None or record.merged_into_id is not None:
        abort(404)
    form = DoNotMatchForm()
    if not form.validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    value = bool(form.do_not_match.data)
    try:
        changed = settings.mark_do_not_match(record, value=value, editor=user)
    except AuthorityForbidden as error:
        abort(403, str(error))
    except settings.FaceSettingsError as error:
        abort(400, str(error))
    if changed:
        flash(f"Face matching will never suggest {record.heading}." if value
              else f"Face matching may suggest {record.heading} again.", "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for(f"authorities.{record.kind}", record_id=record.id) + "#face-matching")


@bp.route("/photos/<int:photo_id>/faces/<int:face_id>/link", methods=["POST"])
def confirm_match(photo_id: int, face_id: int) -> Response:
    """Staff name an unnamed face as one of the people face matching suggests, and approve it."""
    face = db.session.get(Face, face_id)
    if face is not None and face.photo_id != photo_id:
        face = None
    face, user = require_moderator_of(face)
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    try:
        authority_id = whole_number(request.form.get("authority_id"), what="person number")
    except BadNumber as error:
        abort(400, str(error))
    if authority_id is None:
        abort(400, "Please choose one of the people suggested for this face.")
    try:
        linking.confirm_match(face, authority_id=authority_id, moderator=user)
    except linking.LinkError as error:
        flash(str(error), "error")
        return redirect(url_for("photos.photo", photo_id=photo_id) + "#unnamed-heading")
    except WorkflowError as error:
        abort(status_for(error), str(error))
    flash("Linked and approved: the face is now part of the photo's record, suggested by face matching and confirmed by you.",
          "success")
    return redirect(url_for("photos.photo", photo_id=photo_id) + "#known-heading")
