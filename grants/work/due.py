"""By when the operator's work is due, in working days, and how it stands today in Astana.

The eligibility check is due SCREENING_WORKING_DAYS (10, the rules' term) working days after the call's intake
ends: day one is the first working day after the deadline's date in Astana. A submitted report's review is due
REPORT_REVIEW_WORKING_DAYS after the day it was submitted — 10 by default, an assumption: the rules we hold set no
term for it. Both are derived from the moments already kept (the call's deadline, the report's submission), so
an extended deadline moves the check's date with it."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from grants.applications.models import Status
from grants.calls.models import CallStatus
from grants.i18n import ALMATY, _, ngettext
from grants.workdays import calendar


def local_date(moment):
    """The day an aware UTC moment falls on in Astana."""
    return moment.astimezone(ALMATY).date()


def screening_due(deadline_at):
    """The last day of the eligibility check of a call whose intake ends at `deadline_at`."""
    return calendar().add(local_date(deadline_at), current_app.config["SCREENING_WORKING_DAYS"])


def review_due(submitted_at):
    """The last day of the review of a report submitted at `submitted_at`."""
    return calendar().add(local_date(submitted_at), current_app.config["REPORT_REVIEW_WORKING_DAYS"])


@dataclass(frozen=True)
class Standing:
    overdue: bool
    days: int  # working days overdue by, or left; 0 left: due today

    @property
    def text(self):
        if self.overdue:
            return ngettext("overdue by %(num)d working day", "overdue by %(num)d working days", self.days)
        if not self.days:
            return _("due today")
        return ngettext("%(num)d working day left", "%(num)d working days left", self.days)


def standing(due, now):
    """How work due on `due` (a date in Astana, or a moment) stands at `now`. Past its day (or its moment) it is
    overdue by the working days gone since, at least one — a Saturday after a Friday's due date is already late;
    before it, the working days left until it, the due day counted."""
    today = local_date(now)
    cal = calendar()
    if isinstance(due, datetime):
        late, day = now > due, local_date(due)
    else:
        late, day = today > due, due
    if late:
        return Standing(True, max(1, cal.count(day, today)))
    return Standing(False, cal.count(today, day))


def arrange(items, now):
    """Each item's standing set where it has a due date; the overdue first, the longest overdue first; the rest
    in the source's own order."""
    for item in items:
        item.standing = standing(item.due, now) if item.due else None
    late = sorted((i for i in items if i.standing and i.standing.overdue), key=_sort_key)
    return late + [i for i in items if not (i.standing and i.standing.overdue)]


def _sort_key(item):
    return local_date(item.due) if isinstance(item.due, datetime) else item.due


@dataclass(frozen=True)
class Screening:
    due: date
    days: int  # the term, in working days
    standing: Standing | None  # while applications wait for the check


def screening_of(call, counts, now):
    """The eligibility check of a call whose intake has ended and which is not closed: its last day, and how it
    stands while submitted applications (in `counts`, grants.applications.eligibility.counts) wait for it; None
    before the deadline."""
    if now < call.deadline_at or call.status == CallStatus.closed:
        return None
    waiting = sum(row["by_status"].get(Status.submitted.value, 0) for row in counts["by_language"].values())
    day = screening_due(call.deadline_at)
    return Screening(day, current_app.config["SCREENING_WORKING_DAYS"], standing(day, now) if waiting else None)
