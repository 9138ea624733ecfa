from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from photoid.contributions import service
from photoid.contributions.forms import IdentifyForm, VoteForm, WithdrawForm
from photoid.contributions.models import Confirmation, Identification
from photoid.contributions.workflow import WorkflowError
from photoid.edtf import EDTFError, describe, parse_phrase
from photoid.extensions import account_or_address, db, limiter
from photoid.photos.routes import render_photo_page, visible_photo

bp = Blueprint("contributions", __name__, template_folder="templates")

CONTRIBUTION_LIMIT = "30 per hour;200 per day"


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


@bp.route("/photos/<int:photo_id>/identifications", methods=["POST"])
@login_required
@limiter.limit(CONTRIBUTION_LIMIT, key_func=account_or_address)
def identify(photo_id: int) -> Response | tuple[str, int]:
    photo = visible_photo(photo_id)
    form = IdentifyForm()
    if form.validate_on_submit():
        try:
            authority_id = int(form.authority_id.data) if (form.authority_id.data or "").isdigit() else None
            service.identify(
                photo=photo, contributor=current_user._get_current_object(), kind=form.kind.data or "",
                name=form.name.data, authority_id=authority_id, date_text=form.date_text.data,
                region=_region(form), evidence=form.evidence.data,
            )
        except service.ContributionError as error:
            form.form_errors.append(str(error))
        else:
            flash("Thank you! An archivist will review your identification. You can follow it under My contributions.", "success")
            return redirect(url_for("photos.photo", photo_id=photo.id) + "#known-heading")
    return render_photo_page(photo, identify_form=form), 400


def _visible_identification(identification_id: int) -> Identification:
    found = db.session.get(Identification, identification_id)
    if found is None:
        abort(404)
    visible_photo(found.photo_id)
    return found


@bp.route("/identifications/<int:identification_id>/votes", methods=["POST"])
@login_required
@limiter.limit(CONTRIBUTION_LIMIT, key_func=account_or_address)
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
            flash("Thank you for your vote." if stance == "agree" else "Thank you. If you know who or what it is, add your own identification.", "success")
    return redirect(url_for("photos.photo", photo_id=identification.photo_id))


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
        select(Identification).where(Identification.contributor_id == user.id).order_by(Identification.created_at.desc())
    ).all()
    votes = db.session.scalars(
        select(Confirmation).where(Confirmation.voter_id == user.id).order_by(Confirmation.created_at.desc())
    ).all()
    return render_template("contributions/mine.html", identifications=identifications, votes=votes, withdraw_form=WithdrawForm())


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
