"""Who may administer accounts."""

from grants.auth.models import Role
from grants.permissions import register_role_rules

register_role_rules({
    "admin.users": (Role.admin,),
    "admin.audit": (Role.admin,),
    "admin.outbox": (Role.admin,),
})
