"""Notices by kind, each person's choice for each kind, and the daily digest.

A kind of notice a person may turn down is listed in KINDS. What the law or the competition rules require a
person to be told (a decision on their application or report, the results, an appeal's answer) and what their
account needs (a confirmation link, a password reset) is not a kind here: it is always sent at once, by
`mail.queue_mail`."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from grants import mail
from grants.auth.models import Role
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _l
from grants.notifications import inbox
from grants.notifications.models import MODES, Pending, Preference
from grants.refusals import Refusal

STAFF = (Role.operator, Role.admin)


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    roles: tuple  # who is offered the choice: the roles that receive this kind
    default: str = "now"


KINDS = [
    Kind("comments", _l("Comments written to me or mentioning me"), (*STAFF, Role.applicant, Role.expert)),
    Kind("leads", _l("Being named the lead of an application or agreement"), STAFF),
    Kind("report_reminders", _l("Reminders of a report due in 7 days and in 1 day, and of an overdue one"),
         (Role.applicant,)),
    Kind("recommendations", _l("A public council's recommendation unanswered for 10 days"), STAFF),
]
EXTENSION = "baiqau.notice_kinds"  # in app.extensions: the packages' kinds


class PreferenceError(Refusal):
    pass


def add_kind(app, kind):
    app.extensions.setdefault(EXTENSION, []).append(kind)


def kinds():
    return [*KINDS, *current_app.extensions.get(EXTENSION, [])]


def kind_of(key):
    return next(k for k in kinds() if k.key == key)


def offered(user):
    """The kinds this person may choose for, in order."""
    return [k for k in kinds() if user.has_any_role(*k.roles)]


def choices(user):
    """{kind: mode} for every kind offered to the person, defaults filled in."""
    stored = dict(db.session.execute(sa.select(Preference.kind, Preference.mode)
                                     .where(Preference.user_id == user.id)).all())
    return {k.key: stored.get(k.key, k.default) for k in offered(user)}


def choose(user, modes):
    """Keep the person's choice {kind: mode} for the kinds offered to them."""
    allowed = {k.key for k in offered(user)}
    for key, mode in modes.items():
        if key not in allowed or mode not in MODES:
            raise PreferenceError(str(_l("Choose how you are told of each kind of notice.")))
        row = db.session.get(Preference, (user.id, key)) or Preference(user_id=user.id, kind=key)
        row.mode = mode
        db.session.add(row)


def notify(user, notice, template, locale=None, **context):
    """Tell the person as they chose for the kind `notice`: by mail now, in the daily digest, or not at all; what is
    told stands in their inbox on the platform at once either way. Returns the mode applied."""
    if not user.active:
        return "off"
    kind = kind_of(notice)
    key = kind.key
    row = db.session.get(Preference, (user.id, key))
    mode = row.mode if row else kind.default
    locale = mail.known_locale(locale or user.locale)
    if mode == "now":
        mail.queue_mail(user.email, template, locale, **context)
    elif mode == "digest":
        subject, body = mail.render_mail(template, locale, **context)
        db.session.add(Pending(user_id=user.id, kind=key, subject=subject[:255], body=body))
        inbox.post(user, subject, body)
    return mode


def send_digests(now=None):
    """One mail per person with every notice kept for their digest until now; returns how many were sent."""
    now = now or utcnow()
    pending = db.session.execute(sa.select(Pending).where(Pending.sent_at.is_(None), Pending.created_at <= now)
                                 .order_by(Pending.user_id, Pending.id)).scalars().all()
    by_user = {}
    for notice in pending:
        by_user.setdefault(notice.user, []).append(notice)
    for user, notices in by_user.items():
        if user.active:
            mail.queue_mail(user.email, "digest", user.locale, notices=notices, day=now)
        for notice in notices:
            notice.sent_at = now
    return sum(1 for user in by_user if user.active)


def forget_sent(now=None, keep=timedelta(days=90)):
    """Sent notices are in the outbox already; their copies go after `keep`."""
    now = now or utcnow()
    db.session.execute(sa.delete(Pending).where(Pending.sent_at < now - keep))
