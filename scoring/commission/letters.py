"""The commission's results and the appeals panel's answers as decision letters: the outcomes scoring adds to the
operator's letters page (grants.letters), each with only its own fields, and the letters sent with them. Without
the operator's letter for the outcome and the reader's language, the platform's own mail goes as before."""

from flask import url_for

from grants import mail
from grants.i18n import _, _l, format_datetime, format_money, format_number, pgettext
from grants.letters import services as letters
from scoring.commission.models import AppealState, Outcome

# The letter's outcome for each of the commission's decisions, and for each answer of the appeals panel.
RESULTS = {Outcome.awarded: "awarded", Outcome.reserve: "reserve", Outcome.rejected: "not_awarded"}
ANSWERS = {AppealState.upheld: "appeal_upheld", AppealState.dismissed: "appeal_dismissed"}

SCORES = {"link": _l("the address of the application's scores and the experts' comments on the platform")}
RESULT_FIELDS = {
    **letters.COMMON, **SCORES,
    "place": _l("the application's place in its topic's ranking"),
    "score": _l("the application's total score"),
    "reasons": _l("the commission's reason where its decision departs from the ranking (else nothing)"),
    "appeal_deadline": _l("the date and time until which the result may be appealed (Astana time)"),
}
AWARD_FIELDS = {**RESULT_FIELDS, "amount": _l("the amount awarded, in tenge (for an award, the winner's share)")}
APPEAL_FIELDS = {**letters.COMMON, **SCORES, "reasons": _l("the appeals panel's answer, with its reasons")}
EXAMPLE = {
    "kk": {"link": "https://baiqau.kz/applications/1/scores", "place": "2", "score": "31,5",
           "amount": "4 500 000,00\u00a0₸", "appeal_deadline": "20.12.2026 18:00",
           "reasons": "Жоба облыстың ауылдық аудандарындағы жалғыз жоба."},
    "ru": {"link": "https://baiqau.kz/applications/1/scores", "place": "2", "score": "31,5",
           "amount": "4 500 000,00\u00a0₸", "appeal_deadline": "20.12.2026 18:00",
           "reasons": "Проект единственный в сельских районах области."},
}
APPEAL_EXAMPLE = {
    "kk": {**EXAMPLE["kk"], "reasons": "Дәлел негізді: қолдау хаттары бағалауда қаралмаған."},
    "ru": {**EXAMPLE["ru"], "reasons": "Довод обоснован: письма поддержки при оценке не рассмотрены."},
}


def register(app):
    """The outcomes on the operator's letters page, after the eligibility check's."""
    def results():
        return _("The commission's results")

    def answers():
        return _("Appeals")

    for outcome, key in RESULTS.items():
        fields = AWARD_FIELDS if outcome == Outcome.awarded else RESULT_FIELDS
        letters.add_to(app, letters.Kind(key, lambda outcome=outcome: outcome.title, results, fields, EXAMPLE))
    letters.add_to(app, letters.Kind(ANSWERS[AppealState.upheld], lambda: pgettext("letter", "Appeal upheld"),
                                     answers, APPEAL_FIELDS, APPEAL_EXAMPLE))
    letters.add_to(app, letters.Kind(ANSWERS[AppealState.dismissed], lambda: pgettext("letter", "Appeal dismissed"),
                                     answers, APPEAL_FIELDS, APPEAL_EXAMPLE))


def amount(application):
    """What the winner is paid: an award's share once settled, else the price it asked (its budget or offer)."""
    return application.awarded_amount if application.awarded_amount is not None else application.price


def send_result(user, decision, meeting):
    """The commission's published decision to one member of the NGO (after award shares are settled)."""
    from scoring.commission.appeals import appeal_deadline  # appeals answers with services', which send this

    application = decision.application

    def extra(_language):
        values = {"link": url_for("commission.my_scores", app_id=application.id, _external=True),
                  "place": str(decision.rank) if decision.rank is not None else "",
                  "score": format_number(decision.score), "reasons": decision.reason or "",
                  "appeal_deadline": format_datetime(appeal_deadline(meeting))}
        if decision.outcome == Outcome.awarded:
            values["amount"] = format_money(amount(application))
        return values

    return letters.deliver(user, RESULTS[Outcome(decision.outcome)], application, extra, lambda: mail.queue_mail(
        user.email, "results_published", user.locale or application.language, application=application,
        decision=decision, meeting=meeting))


def send_answer(user, appeal):
    """The appeals panel's answer to the member of the NGO who filed the appeal."""
    application = appeal.application

    def extra(_language):
        return {"link": url_for("commission.my_scores", app_id=application.id, _external=True),
                "reasons": appeal.resolution}

    return letters.deliver(user, ANSWERS[AppealState(appeal.state)], application, extra, lambda: mail.queue_mail(
        user.email, "appeal_resolved", user.locale or application.language, appeal=appeal))
