"""When scoring is over: the one place that says which of a call's phases can no longer change.

The commission's approved protocol ends scoring for the applications in its scope: from then no
declaration, score sheet or assignment of theirs changes, and no other meeting decides them.
Publication ends the commission's own work; after it a result changes only through an appeal: one
the call's appeals panel upholds reopens that application's scoring until a rehearing meeting of
the commission approves its protocol on it.
Every service of assignments, sheets and the commission asks here, and the pages read the same
answers to decide which buttons to show.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from grants.applications.models import Application
from grants.calls.models import Topic
from grants.extensions import db
from grants.i18n import _, format_datetime
from grants.permissions import YES, Decision
from grants.refusals import Refusal
from scoring.commission.models import Appeal, AppealState, Meeting, MeetingState
from scoring.commission.models import Decision as CommissionDecision

FINAL = (MeetingState.approved, MeetingState.published)


class PhaseClosed(Refusal):
    """The phase this action belongs to has ended; the message says since when and why."""


@dataclass(frozen=True)
class Scope:
    """A call's meetings whose protocol is approved: the applications they cover are no longer scored, but for
    those an upheld appeal reopened (`reopened`: their ids) until their rehearing is approved."""

    meetings: tuple
    reopened: frozenset = frozenset()

    def closing(self, application):
        """The latest approved meeting that covers the application, or None while its scoring is open."""
        if application.id in self.reopened:
            return None
        return next((m for m in reversed(self.meetings) if m.covers(application)), None)

    def scoring(self, application):
        """May the application's declarations, sheets and assignments still change?"""
        meeting = self.closing(application)
        if meeting is None:
            return YES
        return Decision(False, _("The commission approved its protocol on %(date)s: declarations, score sheets and "
                                 "assignments of this application can no longer change.",
                                 date=format_datetime(meeting.approved_at)))

    def whole_call(self):
        """Is scoring over for every application of the call (a meeting of the whole call approved)?"""
        meeting = next((m for m in self.meetings if m.direction_id is None), None)
        if meeting is None:
            return YES
        return Decision(False, _("The commission approved its protocol on %(date)s: experts can no longer be "
                                 "assigned on this call.", date=format_datetime(meeting.approved_at)))


def upheld_appeals(call_ids, rehearing_in, *columns):
    """A select of `columns` over the calls' upheld appeals whose rehearing is not convened yet or is in one of the
    states `rehearing_in`: scoring stays open until it is approved (here), the results say the application is heard
    again until it is published, and an appeal awaits a rehearing until one takes it up (scoring.commission.appeals).
    """
    return (sa.select(*columns).select_from(Appeal).join(Application, Application.id == Appeal.application_id)
            .join(Topic, Topic.id == Application.topic_id).outerjoin(Meeting, Meeting.id == Appeal.meeting_id)
            .where(Topic.call_id.in_(call_ids), Appeal.state == AppealState.upheld,
                   sa.or_(Appeal.meeting_id.is_(None), Meeting.state.in_(rehearing_in))))


def _reopened(call_ids):
    """{call id: ids of its applications whose upheld appeal awaits an approved rehearing}, in one query."""
    found = {}
    for call_id, app_id in db.session.execute(
            upheld_appeals(call_ids, (MeetingState.planned,), Topic.call_id, Appeal.application_id)):
        found.setdefault(call_id, set()).add(app_id)
    return found


def scope(call):
    """The call's approved and published meetings and its reopened applications, in two queries."""
    return scopes([call])[call.id]


def scopes(calls):
    """{call id: its scope} for many calls, in two queries: a page listing several calls' applications."""
    found = {call.id: [] for call in calls}
    reopened = {}
    if found:
        for meeting in db.session.execute(
                sa.select(Meeting).where(Meeting.call_id.in_(found), Meeting.state.in_(FINAL))
                .order_by(Meeting.approved_at, Meeting.id)).scalars():
            found[meeting.call_id].append(meeting)
        reopened = _reopened(list(found))
    return {call_id: Scope(tuple(meetings), frozenset(reopened.get(call_id, ())))
            for call_id, meetings in found.items()}


def scoring_open(application):
    return scope(application.call).scoring(application)


def require_scoring_open(application, error=PhaseClosed):
    """Refuse any change to the application's declarations, sheets or assignments once the commission decided.

    `error` is the calling package's own Refusal, so its callers catch what they always caught.
    """
    decision = scoring_open(application)
    if not decision:
        raise error(decision.reason)


def decided_elsewhere(meeting, application=None):
    """{application id: the other meeting that holds its decision}, for one application or the whole page."""
    query = (sa.select(CommissionDecision.application_id, Meeting)
             .join(Meeting, Meeting.id == CommissionDecision.meeting_id)
             .where(Meeting.call_id == meeting.call_id, Meeting.id != meeting.id))
    if application is not None:
        query = query.where(CommissionDecision.application_id == application.id)
    return dict(db.session.execute(query).all())


def decision_open(meeting, application, elsewhere=None):
    """May this meeting (still) decide the application?

    Only while its protocol is unapproved, and only when no other meeting has decided it: a
    published result changes through an appeal, never through a second decision. `elsewhere`
    is decided_elsewhere(meeting), read once by a page that asks for many applications. A
    rehearing decides again exactly the applications whose upheld appeals it hears.
    """
    if meeting.state == MeetingState.published:
        return Decision(False, _("The results are published: a decision changes only through an appeal."))
    if meeting.state != MeetingState.planned:
        return Decision(False, _("The protocol is approved: the meeting's record can no longer change."))
    if meeting.rehearing:
        return YES if meeting.covers(application) else Decision(
            False, _("This rehearing hears only the applications whose appeals were upheld."))
    other = (elsewhere if elsewhere is not None else decided_elsewhere(meeting, application)).get(application.id)
    if other is None:
        return YES
    if other.state == MeetingState.published:
        return Decision(False, _("The results are published: a decision changes only through an appeal."))
    if other.state == MeetingState.approved:
        return Decision(False, _("Another meeting decided this application in its protocol of %(date)s.",
                                 date=format_datetime(other.approved_at)))
    return Decision(False, _("Another meeting of %(date)s is deciding this application.",
                             date=format_datetime(other.held_at)))


def require_decision_open(meeting, application, error=PhaseClosed):
    decision = decision_open(meeting, application)
    if not decision:
        raise error(decision.reason)
