"""Who reads statistics, builds workbooks and uses the analysts' API."""

from grants.auth.models import Role
from grants.permissions import register_role_rules

register_role_rules({
    # Ministry analysts, and the operator who publishes the same figures.
    "stats.view": (Role.analyst, Role.operator, Role.admin),
})
