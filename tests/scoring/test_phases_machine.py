"""A call driven through its phases by every role, in any order; after each step nothing closed has changed.

Hypothesis's state machine acts as the applicant, the operator, the experts and the commission on
one call of three applications, one action per step, each action in a savepoint of its own (as a
request is a transaction of its own: a refusal undoes only that step). After every step it checks,
from the rows themselves, what the phases promise: once a protocol is approved nothing of scoring
or eligibility of its applications changes and every ranked application in it is decided; once
results are published no decision changes; a published outcome is the application's status.
Each example is rolled back, so examples never see each other; the world of people is built once
per test (committed: on PostgreSQL inside the test's rolled-back transaction).
"""

from collections import Counter
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from grants.applications import eligibility
from grants.applications import services as app_services
from grants.applications.models import DECIDED, Application, EligibilityReview, Status
from grants.calls import services as call_services
from grants.calls.models import Call, Topic
from grants.db import utcnow
from grants.demo import application_content
from grants.extensions import db
from grants.reference.models import Region
from grants.refusals import Refusal
from scoring import ranking
from scoring.assignments import services as assignments
from scoring.assignments.models import Assignment, State
from scoring.commission import appeals
from scoring.commission import services as commission
from scoring.commission.models import Appeal, Decision, Meeting, MeetingState
from scoring.sheets import services as sheets
from scoring.sheets.models import ScoreLine, ScoreSheet
from tests.factories import call_data, create_organization, create_user, end_intake, operator, roll_call, topic_data
from tests.worlds import ALL_PASS, enrol

N_APPS = 3
N_EXPERTS = 3
CONFLICTS = (None, "member", "paid")
OUTCOMES = ("eligible", "ineligible", "returned")
VERDICTS = ("awarded", "reserve", "rejected")
REACHED = Counter()  # what the examples got to, so the test proves it exercised the late phases


def world():
    """The people of every example: the operator, experts, commission members, three NGOs."""
    return {
        "operator": operator(),
        "experts": [enrol() for _ in range(N_EXPERTS)],
        "members": [create_user("commission") for _ in range(3)],
        "panelist": create_user("commission"),  # the call's appeals panel: no member of its commission
        "ngos": [create_organization(owner=create_user("applicant")) for _ in range(N_APPS)],
    }


class PhasesMachine(RuleBasedStateMachine):
    people = None  # set by the test: the committed world

    def __init__(self):
        super().__init__()
        self.op = self.people["operator"]
        self.call = self._call()
        self.apps = [self._submitted(org) for org in self.people["ngos"]]
        end_intake(self.call)  # sealed until the deadline: the operator checks them once it has passed
        sheets.use_default_criteria(self.op, self.call)
        appeals.name_panelist(self.op, self.call, self.people["panelist"])
        db.session.flush()
        self.frozen_scoring = {}  # application id -> its scoring rows when its protocol was approved
        self.frozen_eligibility = None  # the call's eligibility when the first protocol was approved
        self.frozen_decisions = {}  # meeting id -> its decisions when it was approved
        self.published_decisions = None  # every decision of the call once results are published

    def teardown(self):
        db.session.rollback()  # the example leaves nothing behind

    # --- the example's call ------------------------------------------------------------------

    def _call(self):
        call = call_services.create_call(self.op, call_data(experts_per_application=1))
        db.session.flush()
        regions = db.session.execute(sa.select(Region).limit(2)).scalars().all()
        call_services.save_topic(self.op, call, None, topic_data(grants_count=1), regions)
        call_services.publish(self.op, call)
        db.session.flush()
        return call

    def _submitted(self, org):
        owner = org.memberships[0].user
        application = app_services.start(owner, self.call.topics[0], org, "ru")
        db.session.flush()
        data, activities, indicators, budget = application_content("ru")
        app_services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
        app_services.submit(owner, application)
        db.session.flush()
        return application

    def act(self, name, fn, *args, **kwargs):
        """One request: its own savepoint; a refusal undoes it and is counted, anything else fails the test."""
        closed_before = self._any_approved()
        try:
            with db.session.begin_nested():
                fn(*args, **kwargs)
        except Refusal:
            REACHED["refused after approval" if closed_before else "refused"] += 1
            return False
        REACHED[name] += 1
        return True

    def _assignments(self):
        return assignments.call_assignments(self.call)

    def _pick(self, rows, k):
        return rows[k % len(rows)] if rows else None

    def _meetings(self):
        return db.session.execute(sa.select(Meeting).where(Meeting.call_id == self.call.id)
                                  .order_by(Meeting.id)).scalars().all()

    def _any_approved(self):
        return any(m.state != MeetingState.planned for m in self._meetings())

    # --- the applicant ------------------------------------------------------------------------

    @rule(i=st.integers(0, N_APPS - 1))
    def applicant_resubmits(self, i):
        application = self.apps[i]
        self.act("resubmit", app_services.submit, application.organization.memberships[0].user, application)

    @rule(i=st.integers(0, N_APPS - 1))
    def applicant_appeals(self, i):
        application = self.apps[i]
        self.act("appeal", appeals.file_appeal, application.organization.memberships[0].user, application,
                 "Просим пересмотреть оценку")

    # --- the operator -------------------------------------------------------------------------

    @rule(i=st.integers(0, N_APPS - 1), outcome=st.sampled_from(OUTCOMES))
    def operator_checks(self, i, outcome):
        reasons, comment = ([], "") if outcome == "eligible" else (["BUDGET"], "Уточните бюджет")
        self.act("check", eligibility.review, self.op, self.apps[i], outcome, ALL_PASS, reasons, comment,
                 5 if outcome == "returned" else None)

    @rule()
    def operator_runs_the_matcher(self):
        self.act("matcher", assignments.assign, self.op, self.call)

    @rule(i=st.integers(0, N_APPS - 1), e=st.integers(0, N_EXPERTS - 1))
    def operator_assigns_by_hand(self, i, e):
        self.act("by hand", assignments.assign_by_hand, self.op, self.apps[i], self.people["experts"][e],
                 "Нужен ещё один эксперт")

    @rule(i=st.integers(0, N_APPS - 1))
    def operator_adds_an_expert(self, i):
        self.act("extra", assignments.assign_extra, self.op, self.apps[i])

    @rule(k=st.integers(0, 20))
    def operator_recuses(self, k):
        assignment = self._pick(self._assignments(), k)
        if assignment is not None:
            self.act("recuse", assignments.recuse, self.op, assignment, "Связь с заявителем")

    @rule(k=st.integers(0, 20))
    def operator_reopens(self, k):
        sheet = self._pick(self._sheets(), k)
        if sheet is not None:
            self.act("reopen", sheets.reopen, self.op, sheet, "Эксперт перепутал критерии")

    @rule(k=st.integers(0, 5), upheld=st.booleans(), by_operator=st.booleans())
    def panel_answers_an_appeal(self, k, upheld, by_operator):
        """The appeals panel answers (the operator tries to, and is refused); upheld, it sets aside the first sheet
        that counts, and a new expert from the matcher scores the application again."""
        appeal = self._pick(db.session.execute(sa.select(Appeal).where(Appeal.application_id.in_(
            [a.id for a in self.apps])).order_by(Appeal.id)).scalars().all(), k)
        if appeal is not None:
            contested = appeals.contested_sheets(appeal.application)
            self.act("answer appeal", appeals.resolve_appeal, self.op if by_operator else self.people["panelist"],
                     appeal, upheld, "Оценка проверена", set_aside=contested[0].assignment if contested else None)

    def _reopened(self):
        """Applications an upheld appeal reopened: scored again, awaiting a rehearing this machine never holds."""
        return set(db.session.execute(sa.select(Appeal.application_id).where(
            Appeal.application_id.in_([a.id for a in self.apps]), Appeal.state == "upheld")).scalars())

    # --- the experts --------------------------------------------------------------------------

    @rule(k=st.integers(0, 20), conflict=st.sampled_from(CONFLICTS))
    def expert_declares(self, k, conflict):
        assignment = self._pick(self._assignments(), k)
        if assignment is not None:
            self.act("declare", assignments.declare, assignment.expert.user, assignment, conflict, "")

    @rule(k=st.integers(0, 20), points=st.lists(st.integers(4, 10), min_size=4, max_size=4), submit=st.booleans())
    def expert_scores(self, k, points, submit):
        assignment = self._pick(self._assignments(), k)
        if assignment is not None:
            self.act("submit sheet" if submit else "save sheet", self._score, assignment, points, submit)

    def _score(self, assignment, points, submit):
        user = assignment.expert.user
        sheet = sheets.sheet_for(user, assignment)
        db.session.flush()
        values = {c.id: (Decimal(p), False, "") for c, p in zip(sheets.criteria(self.call), points, strict=True)}
        sheets.save(user, sheet, values)
        if submit:
            sheets.submit(user, sheet)

    # --- the commission -----------------------------------------------------------------------

    @rule()
    def operator_convenes(self):
        if len(self._meetings()) < 2:
            self.act("convene", self._convene)

    def _convene(self):
        members = self.people["members"]
        meeting = commission.convene(self.op, self.call, utcnow(), "Астана",
                                     [(u, "ngos", n == 0) for n, u in enumerate(members)])
        db.session.flush()
        commission.record_attendance(self.op, meeting, {m.id: "in_person" for m in meeting.members})

    @rule(m=st.integers(0, 1), i=st.integers(0, N_APPS - 1), verdict=st.sampled_from(VERDICTS))
    def commission_decides(self, m, i, verdict):
        meeting = self._pick(self._meetings(), m)
        if meeting is not None:
            self.act("decide", roll_call, meeting, self.apps[i], verdict, "Решение комиссии", actor=self.op)

    @rule(m=st.integers(0, 1))
    def commission_decides_by_the_ranking(self, m):
        """The whole agenda at once: every ranked application as its rank says."""
        meeting = self._pick(self._meetings(), m)
        if meeting is None:
            return
        for row in [r for rows in ranking.ranking(self.call).values() for r in rows if r.rank is not None]:
            self.act("decide", roll_call, meeting, row.application, commission.expected_outcome(row), actor=self.op)

    @rule(m=st.integers(0, 1))
    def commission_approves(self, m):
        meeting = self._pick(self._meetings(), m)
        if meeting is not None:
            self.act("approve", commission.approve, self.op, meeting)

    @rule(m=st.integers(0, 1))
    def operator_publishes(self, m):
        meeting = self._pick(self._meetings(), m)
        if meeting is not None:
            self.act("publish", commission.publish, self.op, meeting)

    @rule(steps=st.integers(1, 16))
    def everyone_does_the_next_thing(self, steps):
        """The happy path, `steps` phases of it: so that examples reach the late phases often."""
        for _ in range(steps):
            self._next_thing()

    def _next_thing(self):
        submitted = [a for a in self.apps if a.status == Status.submitted]
        if submitted:
            return self.act("check", eligibility.review, self.op, submitted[0], "eligible", ALL_PASS)
        if not self._assignments():
            return self.act("matcher", assignments.assign, self.op, self.call)
        waiting = [a for a in self._assignments() if a.state == State.awaiting_declaration]
        if waiting:
            return self.act("declare", assignments.declare, waiting[0].expert.user, waiting[0])
        done = {s.assignment_id for s in self._sheets() if s.state == "submitted"}
        unscored = [a for a in self._assignments() if a.state == State.accepted and a.id not in done]
        if unscored and not self._any_approved():
            return self.act("submit sheet", self._score, unscored[0], [8, 7, 9, 6], True)
        meetings = self._meetings()
        if not meetings:
            return self.act("convene", self._convene)
        meeting = meetings[-1]
        if meeting.state == MeetingState.planned:
            decided = {d.application_id for d in meeting.decisions}
            ranked = [r for rows in ranking.ranking(self.call).values() for r in rows
                      if r.rank is not None and r.application.id not in decided]
            if ranked:
                return self.act("decide", roll_call, meeting, ranked[0].application,
                                commission.expected_outcome(ranked[0]), actor=self.op)
            return self.act("approve", commission.approve, self.op, meeting)
        if meeting.state == MeetingState.approved:
            return self.act("publish", commission.publish, self.op, meeting)
        filed = db.session.execute(sa.select(Appeal).where(Appeal.application_id.in_([a.id for a in self.apps]))
                                   .order_by(Appeal.id)).scalars().all()
        if not filed and meeting.decisions:
            application = meeting.decisions[0].application
            return self.act("appeal", appeals.file_appeal, application.organization.memberships[0].user, application,
                            "Просим пересмотреть оценку")
        waiting = [a for a in filed if a.state == "filed"]
        if waiting:
            contested = appeals.contested_sheets(waiting[0].application)
            return self.act("answer appeal", appeals.resolve_appeal, self.people["panelist"], waiting[0], True,
                            "Довод обоснован", set_aside=contested[0].assignment if contested else None)
        return None

    # --- what the rows must show after every step ----------------------------------------------

    def _sheets(self):
        return db.session.execute(
            sa.select(ScoreSheet).join(Assignment).where(Assignment.application_id.in_([a.id for a in self.apps]))
            .order_by(ScoreSheet.id)).scalars().all()

    def _scoring_rows(self, application_id):
        """Everything scoring holds for one application: assignments, declarations, sheets and their lines."""
        rows = db.session.execute(
            sa.select(Assignment.id, Assignment.expert_id, Assignment.state, Assignment.conflict,
                      Assignment.declared_at, ScoreSheet.state, ScoreSheet.total)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .where(Assignment.application_id == application_id).order_by(Assignment.id)).all()
        lines = db.session.execute(
            sa.select(ScoreLine.criterion_id, ScoreLine.points, ScoreLine.not_applicable)
            .join(ScoreSheet, ScoreSheet.id == ScoreLine.sheet_id).join(Assignment)
            .where(Assignment.application_id == application_id).order_by(ScoreLine.id)).all()
        return [tuple(r) for r in rows], [tuple(r) for r in lines]

    def _eligibility_rows(self):
        """Each application's eligibility: its status (an outcome counts as eligible) and its reviews."""
        apps = db.session.execute(sa.select(Application.id, Application.status).join(Topic)
                                  .where(Topic.call_id == self.call.id).order_by(Application.id)).all()
        reviews = db.session.execute(
            sa.select(EligibilityReview.application_id, sa.func.count()).where(
                EligibilityReview.application_id.in_([a.id for a in apps]))
            .group_by(EligibilityReview.application_id)).all()
        return ([(i, Status.eligible if s in DECIDED else s) for i, s in apps], sorted(tuple(r) for r in reviews))

    def _decisions(self, meeting_ids):
        return sorted(db.session.execute(
            sa.select(Decision.meeting_id, Decision.application_id, Decision.outcome, Decision.rank, Decision.score,
                      Decision.votes_for, Decision.votes_against, Decision.votes_abstained, Decision.reason)
            .where(Decision.meeting_id.in_(meeting_ids))).all())

    @invariant()
    def nothing_closed_has_changed(self):
        if not hasattr(self, "call"):
            return
        db.session.expire_all()
        meetings = self._meetings()
        final = [m for m in meetings if m.state != MeetingState.planned]
        published = [m for m in meetings if m.state == MeetingState.published]
        # Eligibility: frozen from the first approved protocol; the call carries the mark.
        if final:
            assert db.session.get(Call, self.call.id).commission_decided_at is not None
            if self.frozen_eligibility is None:
                self.frozen_eligibility = self._eligibility_rows()
            assert self._eligibility_rows() == self.frozen_eligibility
        else:
            assert db.session.get(Call, self.call.id).commission_decided_at is None
        # Scoring: frozen for every application a final meeting covers (these meetings cover the whole call), but
        # for one an upheld appeal reopened.
        reopened = self._reopened()
        for application in self.apps:
            if application.id not in reopened and any(m.covers(application) for m in final):
                now = self._scoring_rows(application.id)
                assert now == self.frozen_scoring.setdefault(application.id, now)
        # An approved protocol's decisions never change, and every ranked application in it is decided.
        for meeting in final:
            now = self._decisions([meeting.id])
            assert now == self.frozen_decisions.setdefault(meeting.id, now)
            decided = {d[1] for d in now}
            ranked = {r.application.id for rows in ranking.ranking(self.call).values() for r in rows
                      if r.rank is not None and meeting.covers(r.application)}
            assert ranked <= decided, f"undecided in an approved protocol: {ranked - decided}"
        # After publication no decision of the call changes, in any meeting.
        if published:
            now = self._decisions([m.id for m in meetings])
            if self.published_decisions is None:
                self.published_decisions = now
            assert now == self.published_decisions
        # A published outcome is the application's status, and only a published one; an upheld appeal makes it
        # eligible again, to be scored and decided anew.
        outcome = {d[1]: d[2] for d in self._decisions([m.id for m in published])}
        for application_id, status in db.session.execute(
                sa.select(Application.id, Application.status).where(
                    Application.id.in_([a.id for a in self.apps]))).all():
            if application_id in reopened:
                assert status == Status.eligible and application_id in outcome
            elif status in DECIDED:
                assert outcome.get(application_id) == status
            else:
                assert application_id not in outcome


def test_a_call_driven_through_its_phases_in_any_order_keeps_what_is_closed(app):
    PhasesMachine.people = world()
    REACHED.clear()
    run_state_machine_as_test(PhasesMachine, settings=settings(
        max_examples=12, stateful_step_count=30, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    # The machine got where the rules matter: protocols approved and published, and actions refused after.
    assert REACHED["approve"] and REACHED["publish"] and REACHED["refused after approval"], str(dict(REACHED))
    assert REACHED["answer appeal"], dict(REACHED)
