"""What stops an application's submission, in words the applicant can act on; read by the pages and by submit."""

from decimal import Decimal

from grants.appforms import blocks
from grants.applications.models import INSTITUTIONAL_SHARE_LIMIT, Status
from grants.applications.phases import eligibility_open
from grants.db import utcnow
from grants.i18n import _, format_datetime, format_money, ngettext
from grants.organizations import ownership
from grants.textcheck.language import language_mismatch


def language_warning(application):
    """The language the text seems to be in, when it is not the declared one."""
    return language_mismatch(application.language, application.text())


def problems(application, now=None):
    """Everything that stops submission, each in words the applicant can act on."""
    found = []
    unproven = ownership.submit_problem(application.organization)
    if unproven:
        found.append(unproven)
    topic = application.topic
    definition = application.call.application_form
    answers = application.sections or {}
    if not application.title:
        found.append(_("Give the project a title."))
    for block in blocks.blocks(definition):
        if block.is_value and block.required and block.empty(answers.get(block.code)):
            found.append(_("Fill in the section “%(section)s”.", section=block.label))
        elif block.kind == "plan" and not application.activities:
            found.append(_("Add at least one activity to the calendar plan."))
        elif block.kind == "indicators" and not application.indicators:
            found.append(_("Add at least one indicator of the expected results."))
        elif block.kind == "budget" and not application.budget_lines:
            found.append(_("Add the budget lines."))
        elif block.kind == "offer":
            found += _offer_problems(application)
        elif block.kind == "document":
            found += _slot_problems(application, block)
    if blocks.has(definition, "plan"):
        months = application.duration_months
        if months and any(a.end_month > months for a in application.activities):
            found.append(_("An activity ends after the project's last month (%(n)d).", n=months))
        if months and months > topic.duration_months:
            found.append(_("The project lasts %(n)d months; the topic allows at most %(max)d.", n=months,
                           max=topic.duration_months))
    for kind, rows in (("indicators", application.indicators), ("budget", application.budget_lines)):
        planned = blocks.years(definition, kind)
        for year in range(1, planned + 1) if planned > 1 else ():
            if not any(r.year == year for r in rows):
                found.append(_("Year %(n)d has no indicator yet.", n=year) if kind == "indicators"
                             else _("Year %(n)d has no budget line yet.", n=year))
    if blocks.has(definition, "budget"):
        total = application.budget_total
        if total > topic.amount_cap:
            found.append(_("The budget total %(total)s is above the topic's cap of %(cap)s.",
                           total=format_money(total), cap=format_money(topic.amount_cap)))
        if application.institutional_share > INSTITUTIONAL_SHARE_LIMIT:
            found.append(_("Institutional development is %(share)s%% of the budget; at most 10%% is allowed.",
                           share=(application.institutional_share * 100).quantize(Decimal("0.1"))))
    if not application.language_confirmed and language_warning(application) is not None:
        found.append(_("The text does not seem to be written in the language you declared. Check the language, "
                       "or confirm that it is right."))
    deadline = submission_deadline(application)
    if deadline is not None and (now or utcnow()) >= deadline:
        found.append(_("The deadline (%(deadline)s) has passed.", deadline=format_datetime(deadline)))
    if application.status == Status.returned and not (still := eligibility_open(application.call)):
        found.append(still.reason)  # a revision would come back to a check that is over
    return found


def _offer_problems(application):
    """Every service of the specification answered: how, the volume committed and the price per unit; the total
    within the topic's amount."""
    found = []
    lines = {line.spec_item_id: line for line in application.offer_lines}
    for n, item in enumerate(application.topic.spec_items, start=1):
        line = lines.get(item.id)
        if line is None or line.volume is None or line.unit_price is None or not line.approach:
            found.append(_("Offer, service %(n)d (%(service)s): say how it will be delivered, the volume you commit "
                           "to and your price per unit.", n=n, service=item.service))
    if application.offer_total > application.topic.amount_cap:
        found.append(_("The offer's total %(total)s is above the topic's amount of %(cap)s.",
                       total=format_money(application.offer_total), cap=format_money(application.topic.amount_cap)))
    return found


def _slot_problems(application, slot):
    """A document slot with fewer files than it requires, or more than it allows."""
    count = sum(1 for d in application.documents if d.kind == slot.code)
    if count < slot.limit("min"):
        return [ngettext("Attach %(num)d file under “%(slot)s”.", "Attach %(num)d files under “%(slot)s”.",
                         slot.limit("min"), slot=slot.label)]
    if count > slot.limit("max"):
        return [ngettext("At most %(num)d file is allowed under “%(slot)s”; remove the extra ones.",
                         "At most %(num)d files are allowed under “%(slot)s”; remove the extra ones.",
                         slot.limit("max"), slot=slot.label)]
    return []


def submission_deadline(application):
    if application.status == Status.returned:
        return application.revision_deadline
    return application.call.deadline_at
