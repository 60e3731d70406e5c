"""The domain model. Importing this package registers every table on the metadata.

May import: the root modules (extensions, config) and `text`. Never anything above.
"""

from campaign.models.audit import AuditEvent
from campaign.models.campaigns import (
    HERO_FOCUS_STEP,
    Campaign,
    CampaignText,
    Petition,
    PetitionText,
    campaign_members,
)
from campaign.models.delivery import DeliveryPack, DeliveryPackReceipt
from campaign.models.heartbeats import WorkerHeartbeat
from campaign.models.integrations import ApiToken, WebhookDelivery, WebhookEndpoint
from campaign.models.outbox import OutboxBody, OutboxEmail, fill_link
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
from campaign.models.wall import (
    MESSAGE_MAX,
    REPORT_REASONS,
    WALL_STATES,
    SupporterMessage,
    WallReport,
)

__all__ = [
    "MESSAGE_MAX",
    "REPORT_REASONS",
    "WALL_STATES",
    "HERO_FOCUS_STEP",
    "OUTCOMES",
    "ROLES",
    "STATEMENT_KINDS",
    "ApiToken",
    "AuditEvent",
    "Campaign",
    "CampaignText",
    "DeliveryPack",
    "DeliveryPackReceipt",
    "OutboxBody",
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
    "SupporterMessage",
    "Suppression",
    "Update",
    "UpdateText",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WallReport",
    "WorkerHeartbeat",
    "campaign_members",
    "fill_link",
    "utcnow",
]
