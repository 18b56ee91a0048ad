"""The statistics filters read from a request's arguments: one reading for the API, the dashboard and the workbook form.

`read(args)` turns the arguments (the API's names: from, to, instrument, customer, funding_source, region,
direction) into reports.stats.Filters, or raises Refused with every problem at once, each message in the
current locale and naming its argument. Directions, regions and customers are those of the reference tables.

Two readers, two manners (`exact`):
- a page's form (the default): a blank argument means "all", surrounding white space is dropped, and a region
  or customer must be one of the reference tables (the form offered only those);
- the API (`exact=True`), as its OpenAPI document states: every argument once and never blank, a region or a
  customer checked for its form only — a code no row has matches no rows, it is not an error.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa

from grants.extensions import db
from grants.i18n import _, _l
from grants.reference.models import CustomerBody, Direction, Region
from reports import openapi, stats
from reports.models import FUNDING_SOURCES, INSTRUMENTS

# argument → the attribute of stats.Filters it fills
ATTRIBUTES = dict(zip(openapi.FILTERS, ("year_from", "year_to", "instrument", "customer", "funding_source",
                                        "region", "direction"), strict=True))
LABELS = {"from": _l("From (year)"), "to": _l("To (year)"), "instrument": _l("Instrument"),
          "customer": _l("Customer"), "funding_source": _l("Funding source"), "region": _l("Region"),
          "direction": _l("Direction")}
SHOWN = 40  # characters of a refused value repeated in its message


@dataclass(frozen=True)
class Problem:
    name: str | None  # the argument, or None for a rule of the statistics that names none
    message: str


class Refused(ValueError):
    """The arguments do not make filters; `problems` says every reason."""

    def __init__(self, problems):
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems


def typed(args):
    """The arguments as a page's form shows them again: trimmed, shortened, "" where absent."""
    return {name: (args.get(name) or "").strip()[:SHOWN] for name in ATTRIBUTES}


def echo(filters):
    """The filters under the arguments' names, those set only (the API's `filters` in every answer)."""
    found = {name: getattr(filters, attribute) for name, attribute in ATTRIBUTES.items()}
    return {name: value for name, value in found.items() if value is not None}


def read(args, *, exact=False):
    """stats.Filters from `args` (a request's MultiDict or a plain dict), or Refused (see the module)."""
    problems, values = [], {}
    for name, raw in _given(args, exact, problems).items():
        try:
            values[ATTRIBUTES[name]] = _READERS[name](raw, exact, name if exact else LABELS[name])
        except _Unreadable as unreadable:
            problems.append(Problem(name, str(unreadable)))
    first, last = values.get("year_from"), values.get("year_to")
    if first is not None and last is not None and first > last:
        problems.append(Problem("from", _("%(field)s: The first year (%(first)s) is after the last (%(last)s). The "
                                          "last year must not be before the first.",
                                          field="from" if exact else LABELS["from"], first=first, last=last)))
    if problems:
        raise Refused(problems)
    try:
        return stats.Filters(**values)
    except stats.BadFilter as bad:  # a rule of the statistics this reading does not know yet
        raise Refused([Problem(None, str(bad))]) from None


def _given(args, exact, problems):
    """{argument: its text} for the arguments given; in the exact manner a repeated or blank one is a problem."""
    if not exact:
        return {name: value for name, value in typed(args).items() if value}
    given = {}
    for name in ATTRIBUTES:
        values = args.getlist(name) if hasattr(args, "getlist") else [args[name]] if name in args else []
        if len(values) > 1:
            problems.append(Problem(name, _("%(field)s is given more than once; give it once.", field=name)))
        elif values and not values[0]:
            problems.append(Problem(name, _("%(field)s is empty; leave it out to count every value.", field=name)))
        elif values:
            given[name] = values[0]
    return given


class _Unreadable(ValueError):
    """One argument's refusal, its message written already."""


def _year(raw, exact, field):
    if re.fullmatch(r"[0-9]{4}", raw) and openapi.YEAR_MIN <= int(raw) <= openapi.YEAR_MAX:
        return int(raw)
    raise _Unreadable(_("%(field)s: “%(value)s” is not a year. Write four digits between %(first)s and %(last)s, "
                        "such as 2023.", field=field, value=raw[:SHOWN], first=openapi.YEAR_MIN,
                        last=openapi.YEAR_MAX))


def _instrument(raw, exact, field):
    if raw in INSTRUMENTS:
        return raw
    raise _Unreadable(_("%(field)s: “%(value)s” is not one of the instruments (%(choices)s).", field=field,
                        value=raw[:SHOWN], choices=", ".join(INSTRUMENTS)))


def _funding_source(raw, exact, field):
    if raw in FUNDING_SOURCES:
        return raw
    raise _Unreadable(_("%(field)s: “%(value)s” is not one of republican, local or non-state funds (%(choices)s).",
                        field=field, value=raw[:SHOWN], choices=", ".join(FUNDING_SOURCES)))


def _customer(raw, exact, field):
    if exact:
        if re.fullmatch(openapi.CUSTOMER_PATTERN, raw):
            return raw
        raise _Unreadable(_("%(field)s: “%(value)s” is not a customer body's code: Latin letters, digits and "
                            "hyphens, such as MCI.", field=field, value=raw[:SHOWN]))
    if db.session.execute(sa.select(CustomerBody.id).where(CustomerBody.code == raw)).first():
        return raw
    raise _Unreadable(_("%(field)s: there is no customer with the code “%(value)s”. Choose one from the list.",
                        field=field, value=raw[:SHOWN]))


def _region(raw, exact, field):
    if exact:
        if re.fullmatch(openapi.KATO_PATTERN, raw):
            return raw
        raise _Unreadable(_("%(field)s: “%(value)s” is not a KATO code: nine digits, such as 750000000.",
                            field=field, value=raw[:SHOWN]))
    if db.session.execute(sa.select(Region.id).where(Region.kato == raw)).first():
        return raw
    raise _Unreadable(_("%(field)s: there is no region with the KATO code “%(value)s”. Choose one from the list.",
                        field=field, value=raw[:SHOWN]))


def _direction(raw, exact, field):
    """A direction's number among those of the reference table, in both manners (the API's document bounds it)."""
    if re.fullmatch(r"[0-9]{1,2}", raw) and db.session.execute(
            sa.select(Direction.id).where(Direction.code == int(raw))).first():
        return int(raw)
    codes = db.session.execute(sa.select(Direction.code).order_by(Direction.code)).scalars().all()
    if codes and codes == list(range(codes[0], codes[-1] + 1)):
        choices = f"{codes[0]}–{codes[-1]}"
    else:
        choices = ", ".join(str(code) for code in codes)
    raise _Unreadable(_("%(field)s: “%(value)s” is not a direction. Write the number of one of them: %(choices)s.",
                        field=field, value=raw[:SHOWN], choices=choices))


_READERS = {"from": _year, "to": _year, "instrument": _instrument, "customer": _customer,
            "funding_source": _funding_source, "region": _region, "direction": _direction}
