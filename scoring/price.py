"""A state social order's price points, computed from the offers by the formula the call states.

Price points are never an expert's mark. In each topic the lowest offer earns the call's price points P in
full and every other offer P × lowest ÷ its own total, rounded half up to the hundredth of a point: an offer
twice the lowest earns half. The offers compared are those of the applications the ranking lists (admitted to
scoring); an offer with no total yet earns nothing.
"""

from decimal import ROUND_HALF_UP, Decimal

from grants.i18n import _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def price_points(totals, points):
    """{key: price points} for {key: offer total} of one topic's offers, with at most `points` each."""
    points = Decimal(points)
    priced = {k: Decimal(t) for k, t in totals.items() if t is not None and Decimal(t) > 0}
    if not priced or points <= 0:
        return {k: ZERO for k in totals}
    lowest = min(priced.values())
    return {k: (points * lowest / priced[k]).quantize(CENT, rounding=ROUND_HALF_UP) if k in priced else ZERO
            for k in totals}


def formula(points):
    """The formula in words, as the call states it to the applicants, the experts and the commission."""
    return _("The lowest offer of a topic earns %(points)d price points; every other offer earns %(points)d × "
             "the lowest offer ÷ its own, rounded to hundredths. The price points are added to the experts' score.",
             points=points)
