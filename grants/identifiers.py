"""The one validator of Kazakhstan's 12-digit BIN and IIN check digit."""

from grants.i18n import _

_FIRST = tuple(range(1, 12))
_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first11):
    """The check digit for 11 digits, or None when the number cannot be valid."""
    digits = [int(c) for c in first11]
    r = sum(d * w for d, w in zip(digits, _FIRST, strict=True)) % 11
    if r == 10:
        r = sum(d * w for d, w in zip(digits, _SECOND, strict=True)) % 11
    return None if r == 10 else r


def number_problem(value, kind="bin"):
    """A translated reason a 12-digit number is malformed, or None; kind is "bin", "iin" or "either"."""
    value = value or ""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return {"bin": _("A BIN must have exactly 12 digits."), "iin": _("An IIN must have exactly 12 digits."),
                "either": _("A BIN or IIN must have exactly 12 digits.")}[kind]
    expected = check_digit(value[:11])
    if expected is None or expected != int(value[11]):
        return {"bin": _("The BIN's check digit does not match: please check the number for a typo."),
                "iin": _("The IIN's check digit does not match: please check the number for a typo."),
                "either": _("The check digit does not match: please check the number for a typo.")}[kind]
    return None


def bin_problem(value, resident_legal_entity=True):
    """As number_problem, and an NGO's BIN must name a resident legal entity (5th digit 4)."""
    problem = number_problem(value)
    if problem is None and resident_legal_entity and value[4] != "4":
        return _("The fifth digit of an NGO's BIN must be 4 (a resident legal entity).")
    if problem is None and int(value[2:4]) not in range(1, 13):
        return _("The BIN's third and fourth digits must be a month of registration (01–12).")
    return problem
