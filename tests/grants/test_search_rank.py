"""The search's order and count: the most relevant first (an exact number before any word), newest first when the
address asks for it, an exact count up to 1,000 and an honest "more than 1,000" past it; snippets in the case the
NGO wrote them, marked and escaped. Each world is built so that its order can be told by reading it."""

import html
import re

import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal

from grants.extensions import db
from grants.search.models import SearchEntry
from tests.conftest import ON_POSTGRES, login, translated
from tests.factories import create_call, create_user, end_intake
from tests.grants.test_search import found, hits, receipts, written

FILLER = "Занятия проходят по субботам в районном доме культуры с опытными наставниками"


def order(page):
    """The receipt numbers of the hits, in the order shown."""
    return list(dict.fromkeys(re.findall(r"T\d+-SG-\d+", hits(page))))


@pytest.fixture
def staff(app):
    client = app.test_client()
    login(client, create_user("operator", locale="ru").email)
    return client


@pytest.fixture
def hippodrome(app):
    """Two Russian applications of the same length: `often` has the word in its title and three times in its
    summary, `once` mentions it once and is written after it (so it is the newer); a third never mentions it."""
    call = create_call()
    often = written(call, "ru", f"Ипподром открыт детям. На ипподроме работают тренеры. Ипподрома ждут. {FILLER}",
                    title="Ипподром для детей")
    once = written(call, "ru", f"Один раз съездим на ипподром. Кружок для детей работает зимой. {FILLER}")
    other = written(call, "ru", f"Шахматный кружок для детей в сельской школе. {FILLER}")
    end_intake(call)
    db.session.commit()
    return often, once, other


def test_the_record_that_says_the_word_more_and_in_its_title_comes_first(staff, hippodrome):
    often, once, other = hippodrome
    _status, page = found(staff, q="ипподромы")
    assert order(page) == [often.receipt_number, once.receipt_number]
    assert other.receipt_number not in page


def test_newest_first_is_a_sort_the_shared_link_keeps(staff, hippodrome):
    often, once, _other = hippodrome
    _status, page = found(staff, q="ипподромы", sort="newest")
    assert order(page) == [once.receipt_number, often.receipt_number]
    assert re.search(r'<option value="newest" selected', page)
    link = html.unescape(re.search(r'<a href="([^"]+)" id="share">', page).group(1))
    assert "sort=newest" in link
    assert order(staff.get(link).get_data(as_text=True)) == [once.receipt_number, often.receipt_number]
    _status, page = found(staff, q="ипподромы")  # no sort in the address: the most relevant first
    assert "sort=" not in html.unescape(re.search(r'<a href="([^"]+)" id="share">', page).group(1))


def test_an_unknown_order_is_refused_in_the_users_language(staff, app):
    status, page = found(staff, q="школа", sort="oldest")
    assert status == 400
    assert translated("ru", "There is no such sorting: choose the most relevant first or the newest "
                            "first.") in html.unescape(page)


def test_an_exact_receipt_number_comes_before_a_text_that_quotes_it_three_times(staff, app):
    call = create_call()
    exact = written(call, "ru", f"Шахматный кружок для детей. {FILLER}")
    quoting = written(call, "ru", f"Продолжение заявки {exact.receipt_number}: как в {exact.receipt_number}, "
                                  f"по образцу {exact.receipt_number}. {FILLER}", title=exact.receipt_number)
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q=exact.receipt_number)
    assert order(page) == [exact.receipt_number, quoting.receipt_number]
    _status, page = found(staff, q=exact.receipt_number, sort="newest")  # the number first in either order
    assert order(page) == [exact.receipt_number, quoting.receipt_number]


@pytest.mark.skipif(not ON_POSTGRES, reason="trigram similarity is PostgreSQL's (pg_trgm)")
def test_on_postgresql_a_kazakh_word_in_the_form_typed_comes_before_another_word_of_the_same_start(staff, app):
    call = create_call()
    typed = written(call, "kk", "Ауылдағы балаларға шахмат үйретеміз, сабақ сенбі сайын өтеді.")
    other = written(call, "kk", "Ауылдағы балабақшада шахмат үйретеміз, сабақ сенбі сайын өтеді.")  # the newer
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q="балаларға")
    assert order(page) == [typed.receipt_number, other.receipt_number]


@pytest.mark.skipif(not ON_POSTGRES, reason="words inside words are found by pg_trgm's trigrams")
def test_on_postgresql_a_stem_found_inside_words_ranks_by_how_often_it_occurs(staff, app):
    call = create_call()
    often = written(call, "kk", "Шахматүйірмесі, шахматүйірмесі және тағы шахматүйірмесі ашылады.")
    once = written(call, "kk", "Шахматүйірмесі бір рет ашылады, сабақ сенбі сайын өтеді.")  # the newer
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q="үйірмесі")
    assert order(page) == [often.receipt_number, once.receipt_number]


def _entries(n, words="шахматный кружок"):
    db.session.execute(sa.insert(SearchEntry), [
        {"kind": "organization", "object_id": 100000 + i, "words": words, "numbers": ""} for i in range(n)])
    db.session.commit()


def test_up_to_a_thousand_the_count_is_exact(staff, app):
    _entries(1000)
    _status, page = found(staff, q="кружок")
    count = format_decimal(1000, format="#,##0.##", locale="ru")  # in the reader's digits: 1 000
    assert translated("ru", "Found: %(count)s", count=count) in html.unescape(page)
    assert translated("ru", "Page %(n)s of %(total)s", n=1, total=50) in html.unescape(page)


def test_past_a_thousand_the_page_says_more_than_a_thousand_and_pages_only_those_listed(staff, app):
    _entries(1001)
    limit = format_decimal(1000, format="#,##0.##", locale="ru")
    status, page = found(staff, q="кружок")
    text = html.unescape(page)
    assert status == 200
    assert translated("ru", "Found: more than %(limit)s. Only %(limit)s of them are ranked by relevance and listed: "
                            "narrow the search so that none is left out.", limit=limit) in text
    assert translated("ru", "Page %(n)s of %(total)s", n=1, total=50) in text  # not 51: the 1,001st is not listed
    _status, page = found(staff, q="кружок", page=51)
    assert translated("ru", "Page %(n)s of %(total)s", n=50, total=50) in html.unescape(page)
    _status, page = found(staff, q="кружок", sort="newest")
    text = html.unescape(page)
    assert translated("ru", "Found: more than %(limit)s. Only the newest %(limit)s of them are listed: narrow the "
                            "search to see the others.", limit=limit) in text
    assert translated("ru", "Page %(n)s of %(total)s", n=1, total=50) in text


def test_a_snippet_keeps_the_case_written_and_a_script_in_the_title_stays_text(staff, app):
    call = create_call()
    application = written(call, "ru", "Шахматный Кружок при сельской школе: ТРЕНЕРЫ и родители вместе.",
                          title="<script>alert('x')</script> Шахматный кружок")
    kazakh = written(call, "kk", "Ауылдағы Балаларға арналған шахмат үйірмесі.")
    end_intake(call)
    db.session.commit()
    _status, page = found(staff, q="тренеры кружок")
    listed = hits(page)
    assert receipts(page) == {application.receipt_number}
    assert "<script>" not in page and "&lt;script&gt;alert(" in listed
    assert "<mark>Кружок</mark>" in listed and "<mark>ТРЕНЕРЫ</mark>" in listed
    assert "<mark>кружок</mark>" in listed  # the title's own, as written
    _status, page = found(staff, q="балалар")
    assert receipts(page) == {kazakh.receipt_number} and "<mark>Балаларға</mark>" in hits(page)


def test_the_page_costs_the_same_statements_with_two_hits_as_with_a_full_page(staff, app):
    from tests.grants.test_big_lists import costs_do_not_grow

    call = create_call()
    written(call, "ru", f"Шахматный кружок для детей. {FILLER}")
    written(call, "kk", "Ауылдағы балаларға арналған шахмат үйірмесі.")
    end_intake(call)
    db.session.commit()

    def grow():
        more = create_call()
        for n in range(23):
            written(more, "kk" if n % 3 else "ru", f"Шахматный кружок номер {n}. {FILLER}" if not n % 3 else
                    f"Шахмат үйірмесі {n}: ауылдағы балаларға.")
        end_intake(more)
        db.session.commit()

    costs_do_not_grow(staff, ["/search/?q=шахмат", "/search/?q=шахмат&sort=newest"], grow,
                      {"Application": 20})
