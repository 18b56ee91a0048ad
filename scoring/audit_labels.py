"""Scoring's words for its audit events: experts, assignments, score sheets, the commission and appeals."""

from grants.audit_display import describe
from grants.i18n import _l
from scoring.assignments.models import Conflict, State
from scoring.commission.models import AppealState, Choice, MeetingState, Outcome, VotingRule
from scoring.experts.models import Tie
from scoring.sheets.models import SheetState

describe(
    verbs={
        "expert.enrol": _l("Expert added to the register"),
        "expert.update": _l("Expert's details edited"),
        "expert.add_affiliation": _l("Expert's tie to an organization recorded"),
        "expert.remove_affiliation": _l("Expert's tie to an organization removed"),
        "expert.add_relative": _l("Expert's close relative recorded"),
        "expert.remove_relative": _l("Expert's close relative removed"),
        "call.assign_experts": _l("Experts assigned by the matcher"),
        "call.set_criteria": _l("Criteria of the call set"),
        "call.set_scoring_rules": _l("Scoring rules of the call set"),
        "criterion.save": _l("Criterion saved"),
        "criterion.delete": _l("Criterion removed"),
        "assignment.by_hand": _l("Expert assigned by hand"),
        "assignment.extra": _l("Extra expert assigned"),
        "assignment.declare": _l("Conflict of interest declaration made"),
        "assignment.recuse": _l("Expert recused"),
        "sheet.submit": _l("Score sheet submitted"),
        "sheet.reopen": _l("Score sheet reopened"),
        "commission.convene": _l("Commission meeting convened"),
        "commission.attendance": _l("Attendance recorded"),
        "commission.declare": _l("Conflicts of interest declared by a member"),
        "commission.propose": _l("Decision put to the vote"),
        "commission.vote": _l("Vote recorded"),
        "commission.decide": _l("Commission's decision recorded"),
        "commission.approve": _l("Commission's protocol approved"),
        "commission.sign_protocol": _l("Protocol signed with EDS by a member"),
        "commission.publish": _l("Results of the commission published"),
        "appeal.file": _l("Appeal filed"),
        "appeal.resolve": _l("Appeal decided"),
        "appeal.panel_name": _l("Member of the appeals panel named"),
        "appeal.panel_remove": _l("Member of the appeals panel removed"),
        "assignment.set_aside": _l("Score sheet set aside by an upheld appeal"),
        "assignment.appeal": _l("Expert assigned to score again after an upheld appeal"),
        "application.reopened": _l("Application scored again after an upheld appeal"),
    },
    objects={"Expert": _l("Expert"), "Assignment": _l("Assignment"), "ScoreSheet": _l("Score sheet"),
             "Meeting": _l("Commission meeting"), "Appeal": _l("Appeal")},
    fields={"state": _l("Status"), "conflict": _l("Conflict of interest"), "note": _l("Note"),
            "total": _l("Total"), "tie": _l("Tie"), "relation": _l("Relation"), "until": _l("Until"),
            "reads_kk": _l("Reads Kazakh"), "reads_ru": _l("Reads Russian"), "user": _l("Account"),
            "call": _l("Call"), "held_at": _l("Held at"), "members": _l("Members"), "outcome": _l("Outcome"),
            "rank": _l("Place in the ranking"), "votes": _l("Votes for, against, abstained"),
            "shortfalls": _l("Applications short of experts"), "seed": _l("Seed of the matcher"),
            "kept": _l("Assignments kept"), "added": _l("Assignments added"), "member": _l("Member"),
            "conflicts": _l("Conflicts of interest"), "detected": _l("Found by the platform"),
            "choice": _l("Vote"), "remote": _l("Voted remotely"),
            "conflicted": _l("Members with a conflict of interest"), "voting_rule": _l("Voting rule"),
            "panelist": _l("Member of the appeals panel"), "appeal": _l("Appeal"),
            "rehearing": _l("Applications heard again")},
    values={("assignment", "state"): State, ("assignment", "conflict"): Conflict, ("sheet", "state"): SheetState,
            ("commission", "state"): MeetingState, ("commission", "outcome"): Outcome,
            ("commission", "choice"): Choice, ("commission", "voting_rule"): VotingRule,
            ("appeal", "state"): AppealState, ("expert", "tie"): Tie},
)
