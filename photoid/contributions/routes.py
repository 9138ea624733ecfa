from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from photoid.contributions import comments, service, votes
from photoid.contributions.forms import CommentForm, IdentifyForm, VoteForm, WithdrawForm
from photoid.contributions.models import AS_SENT, Confirmation, Identification
from photoid.contributions.visibility import seen_comment, seen_identification
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.workflow import OPEN, PUBLIC_COMMENT_STATE, AuthorityStatus, VoteStance, WorkflowError
from photoid.edtf import EDTFError, describe, parse_phrase
from photoid.extensions import account_or_address, db, limiter
from photoid.faces.models import Face
from photoid.params import BadNumber, id_arg, whole_number
from photoid.photos import queries
from photoid.photos.models import Photo
from photoid.photos.page import render_photo_page
from photoid.photos.public import visible_photo
from photoid.security import CONTENT_SECURITY_POLICY

bp = Blueprint("contributions", __name__, template_folder="templates")

#: Per account. Contributions are also limited per address (CONTRIBUTION_ADDRESS_LIMIT in
#: config.py, generous because a library's public computers share one address), so many
#: accounts from one machine cannot flood the queue.
CONTRIBUTION_LIMIT = "30 per hour;200 per day"


def _address_limit() -> str:
    return str(current_app.config["CONTRIBUTION_ADDRESS_LIMIT"])


#: One allowance for identifying, whether through the form or the JSON API (contributions/api.py).
identification_limit = limiter.shared_limit(CONTRIBUTION_LIMIT, scope="identifications", key_func=account_or_address)
#: One allowance per address for every kind of contribution.
address_limit = limiter.shared_limit(_address_limit, scope="contributions-by-address", key_func=get_remote_address)


def _float(value: str | None) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise service.ContributionError("The box on the photo is not valid; please draw it again.") from None


def _region(form: IdentifyForm) -> service.Region | None:
    raw = [form.region_x.data, form.region_y.data, form.region_w.data, form.region_h.data]
    if not any(raw):
        return None
    return service.Region(*(_float(v) for v in raw))


def _disputed(photo_id: int, raw: str | None) -> Identification | None:
    """The suggestion a patron answers with "I think it is something else", if any: one of the
    photo's open identifications that the patron may see (404 otherwise)."""
    if not raw:
        return None
    try:
        found = seen_identification(whole_number(raw, what="suggestion number") or 0, current_user)
    except BadNumber:
        found = None
    if found is None or found.photo_id != photo_id or found.state not in OPEN:
        abort(404)
    return found


def _chosen_face(photo: Photo) -> Face | None:
    """The unnamed face a patron chose on the photo page ("Who is this?", ``?face=``), if any: a face of
    this photo (400 for a number that is not one, 404 for another photo's or a forgotten face)."""
    face_id = id_arg("face", what="face number")
    if face_id is None:
        return None
    face = db.session.get(Face, face_id)
    if face is None or face.photo_id != photo.id or not photo.institution.faces_detection_enabled:
        abort(404)
    return face


def _suggested_person() -> AuthorityRecord | None:
    """The person a patron chose among those face matching suggests for a face ("It is …", ``?person=``),
    if any: an accepted person record (400 for a number that is not one, 404 for anything else)."""
    record_id = id_arg("person", what="person number")
    if record_id is None:
        return None
    record = db.session.get(AuthorityRecord, record_id)
    if record is None or record.kind != "person" or record.status != AuthorityStatus.ACCEPTED or record.merged_into_id:
        abort(404)
    return record


def render_identify_page(photo: Photo, form: IdentifyForm, *, disputes: Identification | None,
                         face: Face | None = None) -> str:
    """The identify step: the photo to draw on, the boxes already drawn, and the form.

    Annotorious (which draws the boxes) bundles PixiJS, which needs ``'unsafe-eval'``; only this
    page relaxes the policy for it (see docs/decisions.md). Inline scripts stay forbidden here too.
    """
    return render_template(
        "contributions/identify.html", photo=photo, form=form, disputes=disputes, face=face,
        regions=[f for f in queries.visible_facts(photo, current_user) if f.has_region],
    )


@bp.after_request
def _drawing_policy(response: Response) -> Response:
    if request.endpoint in ("contributions.identify_page", "contributions.identify") and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "script-src 'self'", "script-src 'self' 'unsafe-eval'"
        )
    return response


@bp.route("/photos/<int:photo_id>/identify")
@login_required
def identify_page(photo_id: int) -> str:
    photo = visible_photo(photo_id)
    disputes = _disputed(photo.id, request.args.get("disputes"))
    face = _chosen_face(photo)
    form = IdentifyForm(formdata=None)
    if face is not None:  # "Who is this?": the face's box, already drawn
        form.kind.data = "person"
        form.region_x.data, form.region_y.data, form.region_w.data, form.region_h.data = (str(v) for v in face.box)
        person = _suggested_person()
        if person is not None:
            form.name.data, form.authority_id.data = person.heading, str(person.id)
    if disputes is not None:
        form.kind.data = disputes.kind
        if disputes.has_region:
            form.region_x.data, form.region_y.data = str(disputes.region_x), str(disputes.region_y)
            form.region_w.data, form.region_h.data = str(disputes.region_w), str(disputes.region_h)
    return render_identify_page(photo, form, disputes=disputes, face=face)


@bp.route("/photos/<int:photo_id>/identifications", methods=["POST"])
@login_required
@identification_limit
@address_limit
def identify(photo_id: int) -> Response | tuple[str, int]:
    photo = visible_photo(photo_id)
    form = IdentifyForm()
    disputes = _disputed(photo.id, form.disputes.data)
    if form.validate_on_submit():
        try:
            authority_id = int(form.authority_id.data) if (form.authority_id.data or "").isdecimal() else None
            service.identify(
                photo=photo, contributor=current_user._get_current_object(), kind=form.kind.data or "",
                name=form.name.data, authority_id=authority_id, date_text=form.date_text.data,
                region=_region(form), evidence=form.evidence.data, disputes=disputes,
            )
        except service.ContributionError as error:
            form.form_errors.append(str(error))
        else:
            flash("Thank you! An archivist will review your identification. You can follow it under My contributions.", "success")
            return redirect(url_for("photos.photo", photo_id=photo.id) + "#known-heading")
    return render_identify_page(photo, form, disputes=disputes), 400


def _visible_identification(identification_id: int) -> Identification:
    """The identification if the visitor may see it (contributions/visibility.py); 404 otherwise."""
    found = seen_identification(identification_id, current_user)
    if found is None:
        abort(404)
    return found


def _back_to(identification: Identification) -> Response:
    """The photo page at the identification voted on, not at its top (its item's id is the anchor)."""
    return redirect(url_for("photos.photo", photo_id=identification.photo_id) + f"#identification-{identification.id}")


@bp.route("/identifications/<int:identification_id>/votes", methods=["POST"])
@login_required
@limiter.limit(CONTRIBUTION_LIMIT, key_func=account_or_address)
@address_limit
def vote(identification_id: int) -> Response:
    identification = _visible_identification(identification_id)
    form = VoteForm()
    stance = request.form.get("stance", "")
    if form.validate_on_submit():
        try:
            service.vote(identification=identification, voter=current_user._get_current_object(), stance=stance, note=form.note.data)
        except service.ContributionError as error:
            flash(str(error), "error")
        else:
            flash("Thank you for your vote." if stance == VoteStance.AGREE else "Thank you. If you know who or what it is, add your own identification.", "success")
    return _back_to(identification)


@bp.route("/identifications/<int:identification_id>/votes/withdraw", methods=["POST"])
@login_required
def take_back_vote(identification_id: int) -> Response:
    identification = _visible_identification(identification_id)
    if WithdrawForm().validate_on_submit():
        try:
            votes.take_back(identification=identification, voter=current_user._get_current_object())
        except service.ContributionError as error:
            flash(str(error), "error")
        else:
            flash("Your vote is taken back. It no longer counts; you can vote again.", "success")
    return _back_to(identification)


@bp.route("/identifications/<int:identification_id>/withdraw", methods=["POST"])
@login_required
def withdraw(identification_id: int) -> Response:
    identification = _visible_identification(identification_id)
    if WithdrawForm().validate_on_submit():
        try:
            service.withdraw(identification=identification, actor=current_user._get_current_object())
        except WorkflowError as error:
            flash(str(error), "error")
        else:
            flash("Your identification is withdrawn. It stays in your list as withdrawn.", "success")
    if request.form.get("back") == "mine":
        return redirect(url_for("contributions.mine"))
    return redirect(url_for("photos.photo", photo_id=identification.photo_id))


@bp.route("/me/contributions")
@login_required
def mine() -> str:
    user = current_user._get_current_object()
    identifications = db.session.scalars(
        select(Identification).where(Identification.contributor_id == user.id, AS_SENT)
        .order_by(Identification.created_at.desc())
    ).all()
    corrections = {c.supersedes_id: c for c in db.session.scalars(
        select(Identification).where(Identification.supersedes_id.in_([i.id for i in identifications]))
    )} if identifications else {}
    votes = db.session.scalars(
        select(Confirmation).where(Confirmation.voter_id == user.id).order_by(Confirmation.created_at.desc())
    ).all()
    return render_template("contributions/mine.html", identifications=identifications, corrections=corrections, votes=votes,
                           withdraw_form=WithdrawForm(),
                           comments=comments.comments_by(user))


@bp.route("/api/authorities")
def suggestions() -> Response:
    """Type-ahead: known people, places and events matching ``q`` (accents and case ignored)."""
    text = request.args.get("q", "")[:100]
    kind = request.args.get("kind") if request.args.get("kind") in ("person", "place", "event") else None
    return jsonify([
        {"id": r.id, "heading": r.heading, "kind": r.kind, "variants": [v.name for v in r.variants]}
        for r in service.suggest_authorities(text, kind=kind)
    ])


@bp.route("/api/edtf")
def edtf_preview() -> tuple[Response, int]:
    """How a date typed in words will be recorded: ``{"edtf": "1945~", "words": "about 1945"}``."""
    text = request.args.get("q", "")
    try:
        edtf = parse_phrase(text)
    except EDTFError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify({"edtf": edtf, "words": describe(edtf)}), 200


# --- comments -------------------------------------------------------------------------------------

COMMENT_LIMIT = "20 per hour;100 per day"
_LARGEST_ID = 2**63 - 1


def _parent_id(raw: str | None) -> int | None:
    """The comment a reply answers, from the form's hidden field; empty for a new comment."""
    text = (raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()) or int(text) > _LARGEST_ID:
        raise service.ContributionError("The comment you are replying to is not available any more. You can write a new comment instead.")
    return int(text)


@bp.route("/photos/<int:photo_id>/comments", methods=["POST"])
@login_required
@limiter.limit(COMMENT_LIMIT, key_func=account_or_address)
@address_limit
def comment(photo_id: int) -> Response | tuple[str, int]:
    photo = visible_photo(photo_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            posted = comments.post_comment(
                photo=photo, author=current_user._get_current_object(), body=form.body.data,
                parent_id=_parent_id(form.parent_id.data),
            )
        except service.ContributionError as error:
            form.form_errors.append(str(error))
        else:
            if posted.state == PUBLIC_COMMENT_STATE:
                flash("Thank you! Your comment is published.", "success")
            else:
                flash("Thank you! An archivist will review it first; until then only you can see your comment.", "success")
            return redirect(url_for("photos.photo", photo_id=photo.id) + f"#comment-{posted.id}")
    return render_photo_page(photo, comment_form=form), 400


@bp.route("/comments/<int:comment_id>/withdraw", methods=["POST"])
@login_required
def withdraw_comment(comment_id: int) -> Response:
    found = seen_comment(comment_id, current_user)
    if found is None:
        abort(404)
    if WithdrawForm().validate_on_submit():
        try:
            comments.withdraw_comment(comment=found, actor=current_user._get_current_object())
        except WorkflowError as error:
            flash(str(error), "error")
        else:
            flash("Your comment is withdrawn. It no longer shows under the photo and stays in My contributions as withdrawn.", "success")
    if request.form.get("back") == "mine":
        return redirect(url_for("contributions.mine"))
    return redirect(url_for("photos.photo", photo_id=found.photo_id) + "#discussion")
