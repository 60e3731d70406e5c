"""The staff workspace under /staff/: accounts, authoring, dashboards, exports, data protection.

Importing the view modules registers their routes on the one blueprint. A blueprint: may import
every feature package and the layers below them; nothing imports it but the factory and the
command line.
"""

from campaign.staff import (  # noqa: F401
    abuse,
    auth,
    campaigns,
    delivery,
    integrations,
    outbox,
    petitions,
    protection,
    statements,
    suppressions,
    updates,
    users,
    wall,
)
from campaign.staff.blueprint import bp

__all__ = ["bp"]
