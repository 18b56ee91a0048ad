"""Who searches: the grant operator's staff. Each hit is then shown only where its own page lets the viewer in."""

from grants.auth.models import Role
from grants.i18n import _l
from grants.permissions import has_role, rule

rule("search.use")(has_role(Role.operator, Role.admin,
                            reason=_l("Search across calls, applications, NGOs and agreements is the grant "
                                      "operator's.")))
