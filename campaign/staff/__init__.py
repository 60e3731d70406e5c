"""The staff workspace under /staff/: accounts, authoring, dashboards, exports, data protection.

Importing the view modules registers their routes on the one blueprint.
"""

from campaign.staff import auth, campaigns, petitions, protection, users  # noqa: F401
from campaign.staff.blueprint import bp

__all__ = ["bp"]
