"""The analyst's request for a workbook: the filters, as selects built from the reference data, and the language."""

import sqlalchemy as sa
from flask_babel import get_locale
from wtforms import SelectField

from grants.calls.models import INSTRUMENT_TITLES, FundingSource
from grants.db import utcnow
from grants.extensions import db
from grants.forms import Form, choices
from grants.i18n import LANGUAGE_NAMES, _, _l
from grants.reference.models import CustomerBody, Direction, Region
from reports.facts import facts
from reports.filters import ATTRIBUTES, Refused, read
from reports.workbook import LANGUAGES


def data_years():
    """From the first year with data (or this year) to next year: a select, never a typed number."""
    f = facts()
    first, last = db.session.execute(sa.select(sa.func.min(f.c.year), sa.func.max(f.c.year))).one()
    this_year = utcnow().year
    return list(range(min(first or this_year, this_year), max(last or this_year, this_year + 1) + 1))


class WorkbookForm(Form):
    year_from = SelectField(_l("From year"))
    year_to = SelectField(_l("To year"))
    instrument = SelectField(_l("Instrument"))
    customer = SelectField(_l("Customer"))
    funding_source = SelectField(_l("Funding source"))
    region = SelectField(_l("Region"))
    direction = SelectField(_l("Direction"))
    language = SelectField(_l("Language of the labels"), choices=choices(LANGUAGE_NAMES.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = ("", _("all"))
        years = [(str(y), str(y)) for y in data_years()]
        self.year_from.choices = choices([everything, *years])
        self.year_to.choices = choices([everything, *years])
        self.instrument.choices = choices([everything, *((k.value, str(v)) for k, v in INSTRUMENT_TITLES.items())])
        customers = db.session.execute(sa.select(CustomerBody).order_by(CustomerBody.level.desc(),
                                                                         CustomerBody.code)).scalars()
        self.customer.choices = choices([everything, *((c.code, c.name) for c in customers)])
        self.funding_source.choices = choices([everything, *((f.value, str(f.title)) for f in FundingSource)])
        regions = db.session.execute(sa.select(Region).order_by(Region.kato)).scalars()
        self.region.choices = choices([everything, *((r.kato, r.name) for r in regions)])
        directions = db.session.execute(sa.select(Direction).order_by(Direction.code)).scalars()
        self.direction.choices = choices([everything, *((str(d.code), f"{d.code}. {d.name}") for d in directions)])
        if not self.is_submitted():  # the interface's language unless the analyst chose another
            locale = str(get_locale() or "kk")
            self.language.data = locale if locale in LANGUAGES else "kk"

    def validate(self, extra_validators=None):
        """The selects' own checks, then the one reading of the statistics filters (reports.filters): its
        problems go on their fields, every one at once, a field the selects refused already left alone."""
        valid = super().validate(extra_validators)
        try:
            self._filters = read({name: getattr(self, attribute).data or "" for name, attribute in ATTRIBUTES.items()})
        except Refused as refused:
            for problem in refused.problems:
                # a rule of the statistics that names no argument goes on the first field, atop the form
                field = getattr(self, ATTRIBUTES[problem.name]) if problem.name else self.year_from
                if not field.errors:
                    field.errors = [*field.errors, problem.message]
            self._errors = None
            return False
        return valid

    def filters(self):
        """The choices as reports.stats.Filters, once the form validated."""
        return self._filters
