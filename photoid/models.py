"""Every model, imported in one place so the metadata Alembic compares is complete."""
from photoid.accounts.models import User, staff_membership
from photoid.admin.models import Invitation
from photoid.authorities.models import AuthorityRecord, AuthorityVariant, Event, Person, Place
from photoid.campaigns.models import Campaign, CampaignPhoto
from photoid.catalog.models import ExportRun
from photoid.contributions.models import Comment, Confirmation, Identification
from photoid.faces.models import Face, FaceScan
from photoid.impact.rollup import ImpactWeek
from photoid.moderation.models import ModerationEvent, ModerationEventInstitution, Report
from photoid.notifications.models import Notification
from photoid.page_versions import PageVersion
from photoid.photos.models import Collection, IiifImport, Institution, Photo, PhotoSource, PhotoUpload
from photoid.search.models import SearchDocument, SearchQueueEntry, SearchWord

__all__ = [
    "AuthorityRecord", "AuthorityVariant", "Campaign", "CampaignPhoto", "Collection", "Comment", "Confirmation",
    "Event",
    "Face", "FaceScan",
    "ExportRun", "Identification", "ImpactWeek", "Institution", "Invitation", "ModerationEvent", "Notification", "PageVersion",
    "Person",
    "IiifImport", "ModerationEventInstitution", "Photo", "PhotoSource", "PhotoUpload", "Place", "Report", "SearchDocument", "SearchQueueEntry",
    "SearchWord", "User",
    "staff_membership",
]
