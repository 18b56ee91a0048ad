"""Template filters: enum titles in the interface language, and plain text shown as paragraphs."""


from markupsafe import Markup, escape

from grants.appforms import blocks as form_blocks
from grants.applications.models import Outcome, Status
from grants.applications.phases import eligibility_open
from grants.calls.models import FundingSource, GrantType, Instrument
from grants.i18n import MISSING, _l, format_number, missing
from grants.organizations.models import LEGAL_FORMS
from grants.signatures.identity import HolderRole

LANGUAGE_TITLES = {"kk": _l("Kazakh"), "ru": _l("Russian")}


def paragraphs(text):
    """Plain text typed by a person, escaped, its blank-line breaks kept as paragraphs."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    # each block is escaped before it is wrapped, so the Markup holds only our own tags
    return Markup("".join(f"<p>{escape(b)}</p>".replace("\n", "<br>") for b in blocks))  # noqa: S704  # nosec B704


def enum_title(enum_cls):
    def title(value):
        try:
            return enum_cls(value).title
        except ValueError:
            return value

    return title


def or_missing(value, reason=None):
    """The value, or where it is None a dash with the reason:
    {{ region.ngos_registered|or_missing(_("not entered")) }} shows "— not entered"."""
    if value is not None:
        return value
    return Markup('<span class="muted">%s</span>') % missing(reason)


def finalize(value):
    """Every {{ … }} that comes out None shows a dash: Python's None never reaches a person."""
    return MISSING if value is None else value


def register(app):
    app.jinja_env.finalize = finalize
    app.jinja_env.filters.update(
        or_missing=or_missing,
        paragraphs=paragraphs,
        instrument_title=enum_title(Instrument),
        funding_title=enum_title(FundingSource),
        grant_type_title=enum_title(GrantType),
        language_title=lambda code: LANGUAGE_TITLES.get(code, code),
        status_title=enum_title(Status),
        outcome_title=enum_title(Outcome),
        form_blocks=form_blocks.blocks,
        form_slots=form_blocks.slots,
        number=format_number,
        holder_role_title=enum_title(HolderRole),
    )
    from grants.applications.outcome import award_share  # the services need the app's pieces loaded first

    app.jinja_env.globals.update(legal_forms=LEGAL_FORMS, award_share=award_share,
                                 eligibility_open=eligibility_open)
