"""Working days in Kazakhstan: Monday to Friday, less the public holidays and the days off they move to.

The holidays are the Law «О праздниках в Республике Казахстан» (art. 5) as the Labour Code applies them
(art. 84–85): 1–2 January (New Year), 7 January (Orthodox Christmas), 8 March, 21–23 March (Nauryz), 1 May,
7 May, 9 May, 6 July (Capital Day), 30 August (Constitution Day), 25 October (Republic Day, a holiday again since
2022), 16 December (Independence Day), and the first day of Kurban Ait.

A national holiday on a Saturday or Sunday moves its day off to the next working day after the holiday (Labour
Code art. 85): in 2026 8 March is a Sunday, so Monday 9 March is off; Nauryz falls on Saturday to Monday, so
Tuesday 24 and Wednesday 25 March are off too. The religious days — 7 January and Kurban Ait — do not move (the
Ministry of Labour, 2024: Kurban Ait on Sunday 16 June gave no extra day).

Kurban Ait follows the lunar calendar. Its first day is set each year by the Spiritual Administration of Muslims of
Kazakhstan (ДУМК) with the Ministry of Labour; KURBAN_AIT below holds the dates known. The government's yearly
decree that moves days off (art. 85 p. 3: a Saturday worked so that a bridge day between a holiday and a weekend is
off), and a Kurban Ait the table lacks or gets wrong, are configuration: the EXTRA_HOLIDAYS and WORKING_WEEKENDS
lists in config.py, which BAIQAU_EXTRA_HOLIDAYS and BAIQAU_WORKING_WEEKENDS extend without a deploy."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from flask import current_app

# (month, day, moves when it falls on a weekend)
FIXED = ((1, 1, True), (1, 2, True), (1, 7, False), (3, 8, True), (3, 21, True), (3, 22, True), (3, 23, True),
         (5, 1, True), (5, 7, True), (5, 9, True), (7, 6, True), (8, 30, True), (10, 25, True), (12, 16, True))

# The first day of Kurban Ait. 2024: ДУМК, June 2024 (the Ministry's calendar had said 17 June; ДУМК's 16 June, a
# Sunday, stood, and no day moved). 2025: ДУМК and the Ministry of Labour, Friday 6 June. 2026: ДУМК's calendar of
# 6 November 2025 and egov.kz's calendar for 2026, Wednesday 27 May. 2027 and 2028: the astronomical estimate of
# 10 Dhu al-Hijjah, PROVISIONAL until ДУМК publishes its calendar for the year — correct it here (or through
# EXTRA_HOLIDAYS) when it does.
KURBAN_AIT = {2024: date(2024, 6, 16), 2025: date(2025, 6, 6), 2026: date(2026, 5, 27),
              2027: date(2027, 5, 16), 2028: date(2028, 5, 5)}


def is_weekend(day):
    return day.weekday() >= 5


@cache
def days_off(year):
    """The year's holidays and the days off moved from those on a weekend, by the law alone (no decree)."""
    holidays = [(date(year, m, d), moves) for m, d, moves in FIXED]
    if year in KURBAN_AIT:
        holidays.append((KURBAN_AIT[year], False))
    off = {day for day, _moves in holidays}
    for day, moves in sorted(holidays):
        if moves and is_weekend(day):
            moved = day + timedelta(days=1)
            while is_weekend(moved) or moved in off:  # the next working day after the holiday
                moved += timedelta(days=1)
            off.add(moved)
    return frozenset(off)


@dataclass(frozen=True)
class Calendar:
    """The working-day calendar, with the decree's changes: extra days off and weekend days worked."""

    extra_holidays: frozenset = field(default_factory=frozenset)
    working_weekends: frozenset = field(default_factory=frozenset)

    def is_working(self, day):
        if day in self.working_weekends:
            return True
        if day in self.extra_holidays:
            return False
        return not is_weekend(day) and day not in days_off(day.year)

    def add(self, day, n):
        """The n-th working day after `day` (`day` itself is not counted): 10 working days after a Wednesday
        deadline is a Wednesday two weeks on, if no holiday comes between."""
        while n > 0:
            day += timedelta(days=1)
            n -= self.is_working(day)
        return day

    def count(self, after, through):
        """The working days after `after` up to and including `through`; none when `through` is not later."""
        n, day = 0, after
        while day < through:
            day += timedelta(days=1)
            n += self.is_working(day)
        return n


def calendar(app=None):
    """This app's calendar, from its EXTRA_HOLIDAYS and WORKING_WEEKENDS."""
    config = (app or current_app).config
    return Calendar(frozenset(config.get("EXTRA_HOLIDAYS", ())), frozenset(config.get("WORKING_WEEKENDS", ())))
