"""What the oversight modules share: the refusal, the right check, the rating, the text limits.

They are visits.py, evaluation.py, survey.py and recommendations.py (track_record.py reads only). Each verb
checks the state and the actor's right, writes the audit trail on the agreement (so it shows on the
agreement's timeline) and flushes; the caller commits once.
"""

from grants.i18n import _
from grants.permissions import can
from grants.refusals import Refusal

RATINGS = range(1, 6)
FINDINGS_MAX = 20000
COMMENT_MAX = 2000


class OversightError(Refusal):
    """A refusal, with a message for the operator, the NGO, an observer or a beneficiary."""


def require_right(actor, action, obj=None):
    decision = can(actor, action, obj)
    if not decision:
        raise OversightError(decision.reason or _("Your role does not give access to this page."))


def stripped(value):
    return (value or "").strip()


def checked_rating(value):
    if value is None or value not in RATINGS:
        raise OversightError(_("Give a rating from 1 to 5."))
    return int(value)
