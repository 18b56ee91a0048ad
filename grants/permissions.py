"""One permission entry point: rules registered by action, checked by require() and allow()."""

import functools
from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from grants.extensions import login_manager
from grants.i18n import _l


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self):
        return self.allowed


YES = Decision(True)
_rules = {}


def rule(action):
    """Register fn(user, obj) -> Decision as the one rule for an action."""

    def register(fn):
        if action in _rules:
            raise RuntimeError(f"permission rule {action!r} registered twice")
        _rules[action] = fn
        return fn

    return register


def has_role(*roles, reason=None):
    """A rule for actions that depend on role alone."""

    def check(user, obj=None):
        if user.is_authenticated and user.has_any_role(*roles):
            return YES
        return Decision(False, str(reason or _l("Your role does not give access to this page.")))

    return check


def register_role_rules(table):
    """Register many role-only rules at once: {action: (role, ...)}."""
    for action, roles in table.items():
        rule(action)(has_role(*roles))


def can(user, action, obj=None):
    try:
        fn = _rules[action]
    except KeyError:
        raise LookupError(f"no permission rule for {action!r}") from None
    return fn(user, obj)


def require(action, obj=None):
    """Abort unless the current user may do action (on obj): login first, else 403."""
    decision = can(current_user, action, obj)
    if decision:
        return decision
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403, description=decision.reason)


def allow(action):
    """Mark a view with its action and check it before the handler runs.

    With an object rule the handler calls require(action, obj) again once it has
    loaded the object; here the rule is asked without one (may this role ever?).
    """

    def wrap(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            require(action)
            return view(*args, **kwargs)

        wrapped.permission = action
        return wrapped

    return wrap


rule("public")(lambda user, obj=None: YES)
rule("signed_in")(
    lambda user, obj=None: YES
    if user.is_authenticated
    else Decision(False, str(_l("Please sign in to open this page.")))
)
