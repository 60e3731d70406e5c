"""The domain model. Importing this package registers every table on the metadata.

May import: the root modules (extensions, config) and `text`. Never anything above.
"""

from campaign.models.audit import AuditEvent
from campaign.models.campaigns import (
    Campaign,
    CampaignText,
    Petition,
    PetitionText,
    campaign_members,
)
from campaign.models.outbox import OutboxEmail
from campaign.models.protection import ProtectionKey
from campaign.models.settings import SiteSetting
from campaign.models.signatures import Signature
from campaign.models.statements import (
    STATEMENT_KINDS,
    Statement,
    StatementCountry,
    StatementEndorsement,
    StatementSignatory,
    StatementText,
    StatementTopic,
)
from campaign.models.suppressions import Suppression
from campaign.models.types import utcnow
from campaign.models.updates import OUTCOMES, Update, UpdateText
from campaign.models.users import ROLES, User

__all__ = [
    "OUTCOMES",
    "ROLES",
    "STATEMENT_KINDS",
    "AuditEvent",
    "Campaign",
    "CampaignText",
    "OutboxEmail",
    "Petition",
    "PetitionText",
    "ProtectionKey",
    "Signature",
    "SiteSetting",
    "Statement",
    "StatementCountry",
    "StatementEndorsement",
    "StatementSignatory",
    "StatementText",
    "StatementTopic",
    "Suppression",
    "Update",
    "UpdateText",
    "User",
    "campaign_members",
    "utcnow",
]
