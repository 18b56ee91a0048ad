"""The working-day calendar: the law's holidays, a weekend holiday's day off moved, the decree's changes.

Every expected date here was worked out by hand from the days of the week and matches the official 2026 calendar
on egov.kz (8 March on Sunday: 9 March off; Nauryz on Saturday–Monday: 24 and 25 March off; 9 May on Saturday:
11 May off), not computed with the code under test."""

from datetime import date

import pytest

import config
from grants.workdays import Calendar, calendar

LAW = Calendar()  # the law alone, no decree


def off(*days):
    return [d for d in days if LAW.is_working(d)]


def test_the_fixed_holidays_of_2026_that_fall_on_working_days_are_off():
    assert off(date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 7), date(2026, 3, 23), date(2026, 5, 1),
               date(2026, 5, 7), date(2026, 7, 6), date(2026, 12, 16)) == []


def test_the_first_day_of_kurban_ait_is_off():
    assert off(date(2024, 6, 16), date(2025, 6, 6), date(2026, 5, 27)) == []
    assert LAW.is_working(date(2026, 5, 26)) and LAW.is_working(date(2026, 5, 28))


def test_a_national_holiday_on_a_weekend_moves_its_day_off_to_the_next_working_day():
    assert not LAW.is_working(date(2026, 3, 9))  # 8 March 2026 is a Sunday
    assert not LAW.is_working(date(2026, 5, 11))  # 9 May 2026 is a Saturday
    assert not LAW.is_working(date(2026, 8, 31))  # 30 August 2026 is a Sunday
    assert not LAW.is_working(date(2026, 10, 26))  # Republic Day, 25 October 2026, is a Sunday
    assert LAW.is_working(date(2026, 3, 10)) and LAW.is_working(date(2026, 5, 12))


def test_nauryz_on_a_weekend_moves_past_its_own_monday():
    # 21 and 22 March 2026 are Saturday and Sunday, 23 March a Monday holiday: Tuesday and Wednesday are off
    assert [LAW.is_working(date(2026, 3, d)) for d in range(19, 28)] == [
        True, True, False, False, False, False, False, True, True]


def test_new_year_on_a_weekend_moves_to_monday_and_tuesday():
    # 1 and 2 January 2028 are Saturday and Sunday
    assert [LAW.is_working(date(2028, 1, d)) for d in range(3, 8)] == [False, False, True, True, False]


def test_religious_holidays_on_a_weekend_do_not_move():
    assert LAW.is_working(date(2024, 6, 17))  # Kurban Ait 2024 was Sunday 16 June
    assert LAW.is_working(date(2024, 1, 8))  # 7 January 2024 was a Sunday


def test_ten_working_days_after_18_march_2026_skip_nauryz():
    # Thu 19, Fri 20; 21–25 March off; Thu 26, Fri 27, Mon 30, Tue 31, Wed 1, Thu 2, Fri 3 April, Mon 6 April
    assert LAW.add(date(2026, 3, 18), 10) == date(2026, 4, 6)
    assert LAW.add(date(2026, 3, 18), 2) == date(2026, 3, 20)
    assert LAW.add(date(2026, 3, 18), 3) == date(2026, 3, 26)


def test_ten_working_days_after_a_friday_skip_kurban_ait():
    # Fri 22 May 2026: Mon 25, Tue 26, (Wed 27 off), Thu 28, Fri 29, Mon 1 … Fri 5, Mon 8 June
    assert LAW.add(date(2026, 5, 22), 10) == date(2026, 6, 8)


def test_counting_working_days_between_two_days():
    assert LAW.count(date(2026, 3, 20), date(2026, 3, 26)) == 1
    assert LAW.count(date(2026, 4, 6), date(2026, 4, 8)) == 2
    assert LAW.count(date(2026, 4, 8), date(2026, 4, 6)) == 0
    assert LAW.count(date(2026, 4, 3), date(2026, 4, 5)) == 0  # a weekend


def test_a_decree_s_working_weekend_and_moved_day_off_come_from_configuration(app):
    # 2025: the day off of Sunday 5 January moved to Friday 3 January
    assert LAW.is_working(date(2025, 1, 3)) and not LAW.is_working(date(2025, 1, 5))
    cal = calendar(app)
    assert not cal.is_working(date(2025, 1, 3)) and cal.is_working(date(2025, 1, 5))
    app.config["WORKING_WEEKENDS"] = (date(2026, 4, 4),)  # a Saturday
    app.config["EXTRA_HOLIDAYS"] = (date(2026, 4, 2),)  # a Thursday
    cal = calendar(app)
    assert cal.is_working(date(2026, 4, 4)) and not cal.is_working(date(2026, 4, 2))
    # Thu 2 April off, Fri 3, Sat 4 worked, Mon 6
    assert cal.add(date(2026, 4, 1), 3) == date(2026, 4, 6)


def test_the_environment_adds_days_to_the_decree_lists_and_refuses_a_malformed_date():
    settings = config.from_environment({"BAIQAU_ENV": "test", "BAIQAU_EXTRA_HOLIDAYS": "2027-05-17 2027-05-18",
                                        "BAIQAU_WORKING_WEEKENDS": "2027-05-22"})
    assert date(2027, 5, 18) in settings["EXTRA_HOLIDAYS"] and date(2025, 1, 3) in settings["EXTRA_HOLIDAYS"]
    assert settings["WORKING_WEEKENDS"][-1] == date(2027, 5, 22)
    assert settings["SCREENING_WORKING_DAYS"] == settings["REPORT_REVIEW_WORKING_DAYS"] == 10
    with pytest.raises(config.ConfigError, match="BAIQAU_EXTRA_HOLIDAYS"):
        config.from_environment({"BAIQAU_ENV": "test", "BAIQAU_EXTRA_HOLIDAYS": "17.05.2027"})
