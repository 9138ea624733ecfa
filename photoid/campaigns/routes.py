"""Campaign pages: the public list and landing pages, the embed card, and the staff forms."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from photoid.accounts.models import User
from photoid.accounts.permissions import require_moderator, require_staff
from photoid.campaigns import queries, service
from photoid.campaigns.forms import CampaignForm, ConfirmForm
from photoid.campaigns.models import Campaign
from photoid.contributions.workflow import CampaignStatus
from photoid.extensions import db
from photoid.params import page_arg
from photoid.photos.models import Collection, Institution
from photoid.search import index as search_index

bp = Blueprint("campaigns", __name__, template_folder="templates")

STATUS_WORDS = {
    CampaignStatus.DRAFT: "Draft", CampaignStatus.UPCOMING: "Not started yet", CampaignStatus.CURRENT: "Running now",
    CampaignStatus.FINISHED: "Finished",
}


def _warn_if_plain_matching(campaign: Campaign) -> None:
    """Tell staff when a campaign's search ran on the plain-matching fallback (no index yet)."""
    if campaign.source == "search" and not search_index.exists(current_app.config["INDEX_DIR"]):
        flash("The search index has not been built yet, so the campaign's photos were chosen by plain matching. "
              "Run `photoid reindex` on the server, then refresh the photos.", "warning")


def _managed(campaign_id: int) -> tuple[Campaign, User]:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign, require_moderator(campaign.institution_id)


def _institutions(user: User) -> list[Institution]:
    if user.is_admin:
        return list(db.session.scalars(select(Institution).order_by(Institution.name)))
    return list(user.institutions)


def _input(form: CampaignForm) -> service.CampaignInput:
    return service.CampaignInput(
        title=form.title.data, summary=form.summary.data, source=form.source.data, photo_ids=form.photo_ids.data,
        collection_id=form.collection.data, search_query=form.search_query.data, cover_photo_id=form.cover_photo.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, is_published=bool(form.is_published.data),
    )


def _choices(form: CampaignForm, institutions: list[Institution], campaign: Campaign | None) -> None:
    scope = {i.id for i in institutions} | {m.id for i in institutions for m in i.members}
    collections = db.session.scalars(select(Collection).where(Collection.institution_id.in_(scope or [-1]))
                                     .order_by(Collection.title))
    form.institution.choices = [SelectChoice(str(i.id), i.name) for i in institutions]
    form.collection.choices = [SelectChoice("", "Choose a collection")] + [
        SelectChoice(str(c.id), c.title + ("" if c.is_published else " (not published)")) for c in collections
    ]
    members = queries.member_choices(campaign) if campaign is not None else []
    form.cover_photo.choices = [SelectChoice("", "The first photo of the campaign")] + [
        SelectChoice(str(photo_id), f"{title} (photo {photo_id})") for photo_id, title in members
    ]


def _render_form(form: CampaignForm, *, campaign: Campaign | None, institutions: list[Institution],
                 errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    _choices(form, institutions, campaign)
    return render_template(
        "campaigns/form.html", form=form, campaign=campaign, errors=errors or [], confirm_form=ConfirmForm(formdata=None),
        photo_count=len(service.member_ids(campaign)) if campaign is not None else 0,
    ), status


# --- public pages --------------------------------------------------------------------------------

@bp.route("/campaigns")
def index() -> str:
    day = queries.today()
    current = queries.current_campaigns(day)
    finished = queries.finished_campaigns(day, page=page_arg(), per_page=current_app.config["PER_PAGE"])
    unlisted = queries.staff_campaigns(current_user, day)
    shown = [c.id for c in [*current, *finished.items, *unlisted]]
    return render_template(
        "campaigns/index.html", current=current, finished=finished, unlisted=unlisted, day=day,
        progress=queries.progress(shown), found=queries.found_labels([c.id for c in finished.items]),
        status_words=STATUS_WORDS, can_create=bool(current_user.is_authenticated and current_user.is_staff),
    )


@bp.route("/campaigns/<int:campaign_id>")
def show(campaign_id: int) -> str:
    campaign = queries.viewable(campaign_id, current_user)
    if campaign is None:
        abort(404)
    day = queries.today()
    managing = queries.manages(current_user, campaign)
    return render_template(
        "campaigns/show.html", campaign=campaign, status=campaign.status_on(day), status_words=STATUS_WORDS,
        progress=queries.progress([campaign.id])[campaign.id], cover=queries.public_cover(campaign),
        found=queries.found(campaign), page=queries.member_photos(campaign, page=page_arg(),
                                                                  per_page=current_app.config["PER_PAGE"]),
        managing=managing, paragraphs=[p.strip() for p in campaign.summary.split("\n\n") if p.strip()],
    )


@bp.route("/embed/campaigns/<int:campaign_id>")
def embed(campaign_id: int) -> str:
    """A small card for other sites to frame: no site header, no forms, nothing that needs a cookie."""
    campaign = queries.public_campaign(campaign_id)
    if campaign is None:
        abort(404)
    return render_template(
        "campaigns/embed.html", campaign=campaign, status=campaign.status_on(queries.today()),
        progress=queries.progress([campaign.id])[campaign.id], cover=queries.public_cover(campaign),
    )


# --- staff ---------------------------------------------------------------------------------------

@bp.route("/campaigns/new", methods=["GET", "POST"])
def create() -> Response | tuple[str, int]:
    user = require_staff()
    institutions = _institutions(user)
    if not institutions:
        abort(403, "You do not look after any library yet, so you cannot run a campaign. Please ask an administrator.")
    if request.method == "GET":
        form = CampaignForm(formdata=None)
        form.starts_on.data = queries.today().isoformat()
        return _render_form(form, campaign=None, institutions=institutions)
    form = CampaignForm()
    if not form.validate_on_submit():
        abort(400)
    raw = form.institution.data or ""
    institution = next((i for i in institutions if str(i.id) == raw), None)
    if institution is None:
        return _render_form(form, campaign=None, institutions=institutions, status=400,
                            errors=["Please choose one of the libraries you look after."])
    try:
        campaign = service.create_campaign(institution, _input(form), editor=user)
    except service.CampaignError as error:
        return _render_form(form, campaign=None, institutions=institutions, errors=[str(error)], status=400)
    flash(f"Created the campaign “{campaign.title}” with {len(service.member_ids(campaign))} photos."
          + ("" if campaign.is_published else " It is a draft: only staff can see it until you publish it."), "success")
    _warn_if_plain_matching(campaign)
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: int) -> Response | tuple[str, int]:
    campaign, user = _managed(campaign_id)
    institutions = [campaign.institution]
    if request.method == "GET":
        form = CampaignForm(formdata=None)
        form.title.data, form.summary.data, form.source.data = campaign.title, campaign.summary, campaign.source
        form.photo_ids.data = ", ".join(map(str, service.member_ids(campaign))) if campaign.source == "photos" else ""
        form.collection.data = str(campaign.collection_id or "")
        form.search_query.data = campaign.search_query or ""
        form.cover_photo.data = str(campaign.cover_photo_id or "")
        form.starts_on.data, form.ends_on.data = campaign.starts_on.isoformat(), campaign.ends_on.isoformat()
        form.is_published.data = campaign.is_published
        return _render_form(form, campaign=campaign, institutions=institutions)
    form = CampaignForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = service.update_campaign(campaign, _input(form), editor=user)
    except service.CampaignError as error:
        return _render_form(form, campaign=campaign, institutions=institutions, errors=[str(error)], status=400)
    flash(f"Saved “{campaign.title}”." if changed else "Nothing was changed.", "success")
    _warn_if_plain_matching(campaign)
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/refresh", methods=["POST"])
def refresh(campaign_id: int) -> Response | tuple[str, int]:
    campaign, user = _managed(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        added, removed = service.refresh_photos(campaign, editor=user)
    except service.CampaignError as error:
        form = CampaignForm(formdata=None, obj=campaign)
        return edit_page_with_error(campaign, form, str(error))
    if added or removed:
        flash(f"Refreshed the photos: {added} added, {removed} no longer found.", "success")
    else:
        flash("The photos are up to date: the search finds the same photos as before.", "success")
    _warn_if_plain_matching(campaign)
    return redirect(url_for("campaigns.edit", campaign_id=campaign.id))


def edit_page_with_error(campaign: Campaign, form: CampaignForm, message: str) -> tuple[str, int]:
    """The edit page, filled from the campaign, with the message of a failed refresh."""
    form.source.data, form.collection.data = campaign.source, str(campaign.collection_id or "")
    form.photo_ids.data = ", ".join(map(str, service.member_ids(campaign))) if campaign.source == "photos" else ""
    form.cover_photo.data = str(campaign.cover_photo_id or "")
    form.starts_on.data, form.ends_on.data = campaign.starts_on.isoformat(), campaign.ends_on.isoformat()
    return _render_form(form, campaign=campaign, institutions=[campaign.institution], errors=[message], status=400)
