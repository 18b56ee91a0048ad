"""The BIN check digit, as DOMAIN.md gives it."""

import pytest

from grants.identifiers import bin_problem, check_digit, number_problem
from tests.factories import make_bin


def test_the_published_example_is_valid():
    assert number_problem("061211600012") is None


@pytest.mark.parametrize("value", ["061211600013", "06121160001", "0612116000123", "06121160001a", "", None,
                                   "０６１２１１６０００１２"])
def test_malformed_numbers_are_refused(app, value):
    with app.test_request_context():
        assert number_problem(value) is not None


def test_second_weighting_is_used_when_the_first_gives_ten():
    # 061211600012: the first weighting gives 10, the second gives 2
    assert check_digit("06121160001") == 2


def test_a_number_whose_both_weightings_give_ten_is_never_valid(app):
    impossible = next(f"{n:011d}" for n in range(10**6, 10**7) if check_digit(f"{n:011d}") is None)
    with app.test_request_context():
        for digit in "0123456789":
            assert number_problem(impossible + digit) is not None


def test_an_ngo_bin_names_a_resident_legal_entity(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert bin_problem(make_bin(7)) is None
        assert "fifth digit" in bin_problem("061211600012")
        assert bin_problem("061211600012", resident_legal_entity=False) is None
