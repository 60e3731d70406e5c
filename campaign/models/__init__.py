"""The domain model. Importing this package registers every table on the metadata."""

from campaign.models.audit import AuditEvent
from campaign.models.campaigns import (
    Campaign,
    CampaignText,
    Petition,
    PetitionText,
    campaign_members,
)
from campaign.models.outbox import OutboxEmail
from campaign.models.signatures import Signature
from campaign.models.types import utcnow
from campaign.models.users import ROLES, User

__all__ = [
    "ROLES",
    "AuditEvent",
    "Campaign",
    "CampaignText",
    "OutboxEmail",
    "Petition",
    "PetitionText",
    "Signature",
    "User",
    "campaign_members",
    "utcnow",
]
