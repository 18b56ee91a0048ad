"""What changed: a revision submitted after a return is shown against the version before it, block by block, the
changed words marked, to the NGO and to the operator."""

import re

from grants.applications import eligibility
from grants.applications import services as app_services
from grants.applications.changes import mark
from grants.applications.models import CHECKLIST
from grants.demo import RU_TEXT, application_content
from grants.extensions import db
from tests.factories import create_application, create_user, end_intake, operator, signed_in

NEW_SUMMARY = RU_TEXT["summary"].replace("пожилым людям", "одиноким пожилым людям")


def revised_application():
    application = create_application(submit=True)
    end_intake(application.call)
    owner = application.created_by
    eligibility.review(operator(), application, "returned", {c: True for c, _l in CHECKLIST}, ["BUDGET"],
                       "Уточните смету", revision_days=5)
    data, activities, indicators, budget = application_content()
    data["summary"] = NEW_SUMMARY
    budget[0]["quantity"] = 12  # twelve training days instead of ten
    app_services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
    app_services.submit(owner, application)
    db.session.commit()
    return application, owner


def test_the_words_changed_are_marked_and_the_rest_kept_whole():
    marked = str(mark("Обучим сто волонтеров", "Обучим сто двадцать волонтеров"))
    assert marked.startswith("Обучим сто ") and marked.endswith("волонтеров")
    assert "<ins>" in marked and "двадцать" in marked and "<del>" not in marked
    assert "&lt;b&gt;" in str(mark("", "<b>жирный</b>"))  # what the NGO typed is escaped


def changed_parts(html):
    """The headings of the page's changed parts (the unchanged are listed apart, under their own heading)."""
    return [h.strip() for h in re.findall(r"<h2>([^<]*)</h2>", html)]


def test_the_revision_shows_each_changed_block_against_the_version_before(app):
    application, owner = revised_application()
    for user, lang in ((owner, "ru"), (operator(), "ru")):
        html = signed_in(app, user, lang).get(f"/applications/{application.id}/versions/2/changes").get_data(
            as_text=True)
        # the summary and the budget changed, written here as the form names them; nothing else did
        assert changed_parts(html) == ["Краткое описание проекта", "Смета расходов"]
        unchanged = html[html.index('id="unchanged"'):].split("<p>", 1)[1].split("</p>", 1)[0].split(", ")
        assert "Цель и задачи" in unchanged
        assert f"Изменены 2 части из {2 + len(unchanged)}" in html
        summary = html[html.index("Краткое описание проекта"):html.index("Проблема и ее актуальность")]
        assert re.search(r"<ins><span[^>]*>[^<]*</span>\s*одиноким\s*</ins>", summary)
        budget = html[html.index("Смета расходов</h2>"):]
        assert re.search(r"<del><span[^>]*>[^<]*</span>10</del><ins><span[^>]*>[^<]*</span>12</ins>", budget)


def test_the_review_page_links_the_changes_and_a_first_version_has_none(app):
    application, _owner = revised_application()
    client = signed_in(app, operator(), "ru")
    page = client.get(f"/manage/applications/{application.id}/review").get_data(as_text=True)
    assert f"/applications/{application.id}/versions/2/changes" in page
    assert client.get(f"/applications/{application.id}/versions/1/changes").status_code == 404
    stranger = signed_in(app, create_user("applicant"), "ru")
    assert stranger.get(f"/applications/{application.id}/versions/2/changes").status_code == 403
