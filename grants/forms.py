"""Form pieces shared by every package."""

import flask_babel
import wtforms
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from grants.i18n import _


class _Catalogues:
    """WTForms' own messages ("Number must be between…", "Not a valid decimal value.") read from our
    catalogues in the page's language. Flask-WTF would use WTForms' bundled catalogues, and only for
    top-level forms: the rows of a FieldList (plain wtforms.Form) spoke English on Kazakh pages."""

    def gettext(self, string):
        return flask_babel.get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return flask_babel.get_translations().ngettext(singular, plural, n)


CATALOGUES = _Catalogues()


def _one_message_for_unreadable_values(form):
    """A value that could not be read ("abc" for a number) says so, and only that: WTForms would add
    "Number must be between 1 and 60." for the same field, a second message about a number never typed."""
    for field in form:
        typed = any(isinstance(raw, str) and raw.strip() for raw in (field.raw_data or ()))
        if typed and field.errors and field.process_errors:  # empty: Optional/DataRequired say it better
            field.errors = list(field.process_errors)
    form._errors = None


class _OurMessages:
    """For both kinds of form below: WTForms' messages from our catalogues, one message for a value that
    could not be read. (WTForms gathers Meta from every class of the MRO, this one included.)"""

    class Meta:
        def get_translations(self, form):
            return CATALOGUES

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        _one_message_for_unreadable_values(self)
        return valid


class Form(_OurMessages, FlaskForm):
    """Every page's form: Flask-WTF's CSRF, with every message through our catalogues."""


class RowForm(_OurMessages, wtforms.Form):
    """A line of a table inside a Form (FieldList of FormField): no CSRF of its own, the same catalogues."""


class Problem:
    """One message of a form, for the summary above it: which field (its label and id) and what is wrong."""

    def __init__(self, field_id, label, message):
        self.field_id, self.label, self.message = field_id, label, message


def form_problems(form):
    """Every field's messages in page order, the lines of its tables included, each with the field's id.

    The CSRF field is left out: the summary says in words that the form has expired.
    """
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        if isinstance(field, FieldList):
            for n, entry in enumerate(field, start=1):
                inner = entry.form if isinstance(entry, FormField) else None
                for sub in (inner if inner is not None else [entry]):
                    label = _("%(table)s, line %(n)d: %(column)s", table=field.label.text, n=n,
                              column=sub.label.text)
                    for message in sub.errors:
                        yield Problem(sub.id, label, message)
            continue
        for message in field.errors if isinstance(field.errors, (list, tuple)) else []:
            yield Problem(field.id, field.label.text, message)


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckbox(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, clearer than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def typed(field):
    """Whether someone typed something in the field, even something that could not be read ("abc")."""
    return field.data not in (None, "") or any((raw or "").strip() for raw in (field.raw_data or ()))


def written_rows(rows, keys):
    """(row form, its data) for each line written in; blank lines are dropped."""
    for entry in rows:
        data = {k: v for k, v in entry.form.data.items() if k != "csrf_token"}
        if any(typed(entry.form[k]) for k in keys):
            yield entry.form, data


class DecimalField(wtforms.DecimalField):
    """WTForms' DecimalField for numbers people type: a finite number with at most `places` decimals.

    Python's Decimal also reads "NaN", "sNaN" and "Infinity": a signalling NaN made WTForms'
    NumberRange raise (a 500), the others only a puzzling range message. And a third decimal
    would be rounded away silently by the Numeric(…, 2) column: "12.345" is refused instead.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        value = self.data
        if value is None:
            return
        if not value.is_finite():
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid decimal value."))
        if self.places is not None and _decimals(value) > self.places:
            self.data = None
            raise ValueError(_("At most %(n)d digits after the decimal point.", n=self.places))


def _decimals(value):
    """Digits after the point that matter: 12.340 has 2, 1E+5 has 0; no arithmetic, so no context limits."""
    _sign, digits, exponent = value.as_tuple()
    if not any(digits):
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing))


class DateTimeLocalField(wtforms.DateTimeLocalField):
    """WTForms' DateTimeLocalField for a moment typed in Astana time, within the years this service plans for.

    Python reads "0001-01-01T00:00", but has no UTC moment five hours before it: converting it
    (grants.i18n.local_to_utc) raised OverflowError, a 500. A typo of that kind is refused instead.
    """

    YEARS = (2000, 2100)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        first, last = self.YEARS
        if self.data is not None and not first <= self.data.year <= last:
            self.data = None
            raise ValueError(_("Give a date between the years %(first)d and %(last)d.", first=first, last=last))
