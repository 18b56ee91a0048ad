"""Template filters for scoring's enums and the matcher's explanations."""

from grants.filters import LANGUAGE_TITLES, enum_title
from grants.i18n import _
from scoring.assignments.models import Conflict, State
from scoring.commission.models import AppealState, Attendance, Choice, MeetingState, NamedBy, Outcome, VotingRule
from scoring.experts.models import Tie
from scoring.sheets.models import Aggregation, SheetState


def assignment_reason(reason):
    """The matcher's reason in words: "language Kazakh, knows the direction, load 7"."""
    parts = [_("extra expert")] if reason.get("extra") else []
    if reason.get("language"):
        parts.append(_("language %(lang)s", lang=LANGUAGE_TITLES.get(reason["language"], reason["language"])))
    if reason.get("direction_match"):
        parts.append(_("knows the direction"))
    if reason.get("load") is not None:
        parts.append(_("load %(n)d", n=reason["load"]))
    return ", ".join(parts)


def register(app):
    app.jinja_env.filters.update(
        tie_title=enum_title(Tie),
        assignment_state_title=enum_title(State),
        conflict_title=enum_title(Conflict),
        assignment_reason=assignment_reason,
        aggregation_title=enum_title(Aggregation),
        sheet_state_title=enum_title(SheetState),
        meeting_state_title=enum_title(MeetingState),
        attendance_title=enum_title(Attendance),
        named_by_title=enum_title(NamedBy),
        commission_outcome_title=enum_title(Outcome),
        appeal_state_title=enum_title(AppealState),
        voting_rule_title=enum_title(VotingRule),
        vote_title=enum_title(Choice),
    )
