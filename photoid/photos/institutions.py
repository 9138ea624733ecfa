"""Public institution pages: every institution (consortia with their members), and each one's page
with who they are, how to reach them, their public collections and campaigns, and its logo.
Its archivists and the admins also find a form there to invite the next archivist."""
from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from photoid.accounts.permissions import require_moderator
from photoid.admin import invitations
from photoid.admin.forms import InstitutionInviteForm
from photoid.admin.institutions import stored_logo
from photoid.campaigns import queries as campaign_queries
from photoid.campaigns.models import Campaign
from photoid.contributions.workflow import CampaignStatus
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.service import storage
from photoid.photos.storage import NotStored

bp = Blueprint("institutions", __name__, template_folder="templates")

ONE_YEAR = 365 * 24 * 3600
STATUS_WORDS = {
    CampaignStatus.UPCOMING: "Not started yet", CampaignStatus.CURRENT: "Running now", CampaignStatus.FINISHED: "Finished",
}


def _found(slug: str) -> Institution:
    institution = db.session.scalar(select(Institution).where(Institution.slug == slug)) if len(slug) <= 64 else None
    if institution is None:
        abort(404)
    return institution


def public_collections(institution: Institution) -> list[Collection]:
    """The institution's published collections that hold at least one published photo."""
    has_public_photo = exists().where(Photo.collection_id == Collection.id, Photo.is_published.is_(True),
                                      Photo.deleted_at.is_(None))
    return list(db.session.scalars(
        select(Collection).where(Collection.institution_id == institution.id, Collection.is_published.is_(True),
                                 has_public_photo)
        .order_by(Collection.position, Collection.title)
    ))


def public_campaigns(institution: Institution) -> list[Campaign]:
    """The institution's campaigns visitors may see (published and started): running ones first."""
    day = campaign_queries.today()
    found = db.session.scalars(
        select(Campaign).where(Campaign.institution_id == institution.id, Campaign.is_published.is_(True),
                               Campaign.starts_on <= day)
        .order_by(Campaign.ends_on.desc(), Campaign.id.desc())
    )
    return sorted(found, key=lambda c: c.status_on(day) != CampaignStatus.CURRENT)


@bp.route("/institutions")
def index() -> str:
    top = list(db.session.scalars(
        select(Institution).where(Institution.parent_id.is_(None)).options(selectinload(Institution.members))
        .order_by(Institution.name)
    ))
    return render_template("photos/institutions.html", institutions=top)


def render_institution(institution: Institution, *, invite_form: InstitutionInviteForm | None = None,
                       status: int = 200) -> tuple[str, int]:
    campaigns = public_campaigns(institution)
    can_invite = current_user.is_authenticated and current_user.moderates(institution.id)
    return render_template(
        "photos/institution.html", institution=institution, collections=public_collections(institution),
        campaigns=campaigns, progress=campaign_queries.progress([c.id for c in campaigns]),
        day=campaign_queries.today(), status_words=STATUS_WORDS,
        paragraphs=[p.strip() for p in institution.description.split("\n\n") if p.strip()],
        invite_form=(invite_form or InstitutionInviteForm(formdata=None)) if can_invite else None,
        has_logo=stored_logo(institution) is not None, invitation_days=current_app.config["INVITATION_DAYS"],
    ), status


@bp.route("/institutions/<slug>")
def show(slug: str) -> tuple[str, int]:
    return render_institution(_found(slug))


@bp.route("/institutions/<slug>/logo.png")
def logo(slug: str) -> Response:
    """The logo; its address carries ``?v=`` the file's name, so a new logo is fetched at once."""
    institution = _found(slug)
    if not institution.logo_key:
        abort(404)
    is_current = request.args.get("v") == PurePosixPath(institution.logo_key).stem
    try:
        return storage().send(institution.logo_key, mimetype="image/png", max_age=ONE_YEAR if is_current else 3600,
                              immutable=is_current)
    except NotStored:
        abort(404)


@bp.route("/institutions/<slug>/invitations", methods=["POST"])
def invite(slug: str) -> Response | tuple[str, int]:
    institution = _found(slug)
    actor = require_moderator(institution.id)
    form = InstitutionInviteForm()
    if not form.validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    try:
        invitation, _link = invitations.create_invitation(email=form.email.data or "", role="archivist",
                                                          institution_ids=[institution.id], actor=actor)
    except invitations.InvitationError as error:
        form.email.errors = [*form.email.errors, str(error)]
        return render_institution(institution, invite_form=form, status=400)
    flash(f"Invitation sent to {invitation.email}: they can become an archivist for {institution.name} within "
          f"{current_app.config['INVITATION_DAYS']} days.", "success")
    return redirect(url_for("institutions.show", slug=institution.slug) + "#invite-heading")
