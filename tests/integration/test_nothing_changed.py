"""A use case that finds nothing to change returns inside its unit of work instead of rolling back:
the caller's own work not yet committed (a script's, an outer use case's) is left alone."""
from __future__ import annotations

from sqlalchemy import select

from photoid.admin import service as admin
from photoid.campaigns import service as campaigns
from photoid.extensions import db
from photoid.photos.models import Institution
from tests.factories import make_campaign, make_institution, make_user


def _committed(slug: str) -> bool:
    with db.engine.connect() as other:  # what another connection sees: committed rows only
        return other.execute(select(Institution.id).where(Institution.slug == slug)).first() is not None


def test_a_role_change_that_changes_nothing_keeps_the_callers_work(app) -> None:
    admin_user, patron = make_user(role="admin"), make_user()
    db.session.commit()
    make_institution(slug="ashford")  # the caller's, not committed yet
    assert admin.change_role(patron, role="patron", institution_ids=[], actor=admin_user) is False
    assert db.session.scalar(select(Institution).where(Institution.slug == "ashford")) is not None
    db.session.commit()
    assert _committed("ashford")


def test_an_unchanged_campaign_save_keeps_the_callers_work(app) -> None:
    campaign = make_campaign(title="Who ran the shops?", summary="Shops on Main Street")
    editor = make_user(role="archivist", institutions=[campaign.institution])
    db.session.commit()
    photo_ids = " ".join(str(i) for i in campaigns.member_ids(campaign))
    same = campaigns.CampaignInput(
        title=campaign.title, summary=campaign.summary, photo_ids=photo_ids, cover_photo_id=campaign.cover_photo_id,
        starts_on=campaign.starts_on, ends_on=campaign.ends_on, is_published=campaign.is_published)
    make_institution(slug="ashford")
    assert campaigns.update_campaign(campaign, same, editor=editor) is False
    assert campaign.updated_by_id is None
    db.session.commit()
    assert _committed("ashford")
