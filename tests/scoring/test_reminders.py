"""Experts' time: one digest of pending work before the scoring deadline, not a mail per event."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from grants.db import utcnow
from grants.extensions import db
from grants.mail import OutboxMessage
from scoring import reminders
from scoring.assignments import services as assignments
from scoring.sheets import services as sheets
from tests.factories import create_call, operator
from tests.worlds import eligible, enrol


def digests(expert):
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == expert.user.email)).scalars().all()


def call_due_in(days, n_apps=2):
    call = create_call(experts_per_application=1)
    eligible(call, n=n_apps)
    expert = enrol()
    sheets.use_default_criteria(operator(), call)
    assignments.assign(operator(), call)
    sheets.set_rules(operator(), call, {"aggregation": "mean", "divergence_limit": Decimal("10"),
                                        "threshold": Decimal("0"), "blind": False,
                                        "deadline": utcnow() + timedelta(days=days)})
    db.session.commit()
    return call, expert


def test_one_digest_lists_all_pending_work_and_is_not_repeated_the_same_day(app):
    call, expert = call_due_in(2)
    assert reminders.send_digests() == 1
    db.session.commit()
    (digest,) = digests(expert)
    assert digest.body.count("/expert/assignments/") == 2
    assert reminders.send_digests() == 0
    assert reminders.send_digests(now=utcnow() + timedelta(hours=21)) == 1


def test_no_digest_when_the_deadline_is_far_or_the_work_is_done(app):
    far_call, far_expert = call_due_in(10, n_apps=1)
    assert reminders.send_digests() == 0
    call, _ = call_due_in(1, n_apps=1)
    (assignment,) = assignments.call_assignments(call)
    expert = assignment.expert  # the matcher may pick either expert on the register
    assignments.declare(expert.user, assignment)
    sheet = sheets.sheet_for(expert.user, assignment)
    sheets.save(expert.user, sheet, {c.id: (Decimal(8), False, "") for c in sheets.criteria(call)})
    sheets.submit(expert.user, sheet)
    db.session.commit()
    assert reminders.send_digests() == 0
    assert digests(expert) == [] and digests(far_expert) == []


def test_the_remind_command_runs_from_cron(app):
    call_due_in(1, n_apps=1)
    result = app.test_cli_runner().invoke(args=["scoring", "remind", "--days", "2"])
    assert result.exit_code == 0 and "Digests sent to 1 expert(s)." in result.output
