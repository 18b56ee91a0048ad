"""The form each instrument starts with; the operator copies it into a call and edits it there.

Labels are written here once, as messages of our catalogues, and copied into the call in Kazakh,
Russian and English (`materialize`): from then on the call's form is the operator's text, and a later
change of a catalogue does not rewrite a published form.
"""

import copy

from flask_babel import force_locale

from grants.appforms.blocks import LANGUAGES
from grants.i18n import _l


def _t(kind, code, label, hint=None, required=True, **limits):
    block = {"code": code, "kind": kind, "label": label, "required": required, **limits}
    if hint is not None:
        block["hint"] = hint
    return block


def _doc(code, label, hint=None, required=0, most=5):
    return _t("document", code, label, hint, required=required > 0, min=required, max=most)


def _structured(kind, label, hint=None, code=None):
    return _t(kind, code or kind, label, hint)


PLAN = _structured("plan", _l("Calendar plan"))
INDICATORS = _structured("indicators", _l("Indicators"))
PARTNERS = _structured("partners", _l("Project partners"),
                       _l("Organizations and people you carry the project out with. Experts tied to them will "
                          "not score your application."))
# "budget" is taken by the document slot of the budget table, a stored kind of document.
BUDGET = _structured("budget", _l("Budget"), code="costs")
OFFER = _structured("offer", _l("Offer on the technical specification"),
                    _l("Your price is scored by the call's formula: the lowest offer gets the most points."))

SUMMARY = _t("long_text", "summary", _l("Short summary of the project"),
             _l("What you will do, for whom and what will change — in a few sentences. Experts see it first."),
             max_length=2000)
PROJECT = [
    SUMMARY,
    _t("long_text", "problem", _l("Problem and relevance"), _l("The social problem, with facts and figures for your "
                                                                "region."), max_length=20000),
    _t("long_text", "goal", _l("Goal and tasks"), _l("One goal and the tasks that lead to it."), max_length=20000),
    _t("long_text", "target_groups", _l("Target groups"), _l("Who benefits: age, situation, where they live."),
       max_length=20000),
    _t("number", "beneficiaries", _l("Number of beneficiaries"), _l("Unique people who will benefit directly."),
       min=0, max=10**8),
    _t("long_text", "risks", _l("Risks"), _l("What may go wrong and what you will do about it."), max_length=20000),
    _t("long_text", "sustainability", _l("Sustainability"), _l("What remains after the grant ends."),
       max_length=20000),
    _t("long_text", "team", _l("Team and partners"), _l("Who does the work and who helps; their experience."),
       required=False, max_length=20000),
]
# The kinds of document an application has always had; their codes are the documents' stored kinds.
GRANT_DOCUMENTS = [
    _doc("charter", _l("Charter")),
    _doc("bank_details", _l("Bank details")),
    _doc("support_letter", _l("Letter of support")),
    _doc("cv", _l("CV")),
    _doc("budget", _l("Budget table")),
    _doc("other", _l("Other document"), most=10),
]
STATE_GRANT = PROJECT + [PLAN, INDICATORS, PARTNERS, BUDGET] + GRANT_DOCUMENTS

SSO = [
    SUMMARY,
    _t("long_text", "problem", _l("Problem and relevance"), _l("The social problem, with facts and figures for your "
                                                                "region."), max_length=20000),
    _t("long_text", "approach", _l("How the services will be delivered"),
       _l("Methods, place and schedule of the services the technical specification asks for."), max_length=20000),
    _t("long_text", "target_groups", _l("Target groups"), _l("Who benefits: age, situation, where they live."),
       max_length=20000),
    _t("number", "beneficiaries", _l("Number of beneficiaries"), _l("Unique people who will benefit directly."),
       min=0, max=10**8),
    _t("long_text", "team", _l("Team and partners"), _l("Who does the work and who helps; their experience."),
       max_length=20000),
    # The specification's services and volumes become the contract's indicators; the offer prices each one.
    PLAN, PARTNERS, OFFER,
    _doc("charter", _l("Charter"), required=1, most=1),
    _doc("cv", _l("CV"), _l("The CVs of the specialists who will deliver the services."), most=20),
    _doc("other", _l("Other document"), most=10),
]

AWARD = [
    _t("long_text", "achievements", _l("Achievements over the period"),
       _l("What the NGO achieved over the period the call names: projects, services, changes, with dates and "
          "figures."), max_length=20000),
    _t("number", "reached", _l("Beneficiaries reached"), _l("People the NGO helped directly over the period."),
       min=0, max=10**8),
    _t("long_text", "references", _l("References"),
       _l("Who can confirm the achievements: organization, person, position and contacts."), max_length=5000),
    _t("long_text", "development", _l("Use of the award"),
       _l("How the award will serve the NGO's institutional development."), max_length=5000),
    _doc("evidence", _l("Evidence of achievements"),
         _l("Reports, publications, letters of thanks, photos: at least one file."), required=1, most=10),
    _doc("support_letter", _l("Letter of support"), most=5),
    _doc("charter", _l("Charter"), required=1, most=1),
]

# Three years: a budget and indicators for each, and an agreement with a tranche a year.
STRATEGIC_PARTNERSHIP = PROJECT + [PLAN, {**INDICATORS, "years": 3}, PARTNERS, {**BUDGET, "years": 3}] + GRANT_DOCUMENTS

TEMPLATES = {
    "state_grant": STATE_GRANT,
    "non_state_grant": STATE_GRANT,
    "sso": SSO,
    "award": AWARD,
    "strategic_partnership": STRATEGIC_PARTNERSHIP,
}
# The scoring criteria each instrument starts with (scoring/sheets/defaults.py).
CRITERIA = {"state_grant": "grant", "non_state_grant": "grant", "sso": "sso", "award": "award",
            "strategic_partnership": "grant"}


def _texts(value):
    if value is None or isinstance(value, dict):
        return copy.deepcopy(value)
    texts = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            texts[lang] = str(value)
    return texts


def materialize(template):
    """A template's blocks with every label and hint written out in kk, ru and en."""
    out = []
    for block in template:
        block = copy.deepcopy({k: v for k, v in block.items() if k not in ("label", "hint")}) | {
            "label": _texts(block["label"])}
        if "hint" in template[len(out)]:
            block["hint"] = _texts(template[len(out)]["hint"])
        out.append(block)
    return out


def for_instrument(instrument):
    """A new call's form: its instrument's template, in three languages."""
    return materialize(TEMPLATES[str(instrument)])
