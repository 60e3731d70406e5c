"""The staff workspace under /staff/: accounts, authoring, dashboards, exports, data protection.

Importing the view modules registers their routes on the one blueprint.
"""

from campaign.staff import (  # noqa: F401
    abuse,
    auth,
    campaigns,
    outbox,
    petitions,
    protection,
    statements,
    users,
)
from campaign.staff.blueprint import bp

__all__ = ["bp"]
