"""Reference data: loaded from the project's files, edited by the administrator, audited."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.extensions import db
from grants.reference.models import CustomerBody, Direction, MrpRate, Region
from grants.reference.services import DATA, ReferenceFileError, load_reference, mrp_for, read_rows
from tests.conftest import login, post_form, translated
from tests.factories import create_user


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_the_law_s_16_directions_and_20_regions_are_loaded():
    assert count(Direction) == 16
    assert count(Region) == 20
    astana = db.session.execute(sa.select(Region).where(Region.kato == "710000000")).scalar_one()
    assert (astana.iso, astana.kind, astana.name_kk) == ("KZ-71", "city", "Астана қаласы")
    assert mrp_for(2026) == Decimal("4325.00")
    assert mrp_for(2024) == Decimal("3692.00")


def test_reloading_adds_nothing_and_keeps_an_administrators_edit():
    direction = db.session.execute(sa.select(Direction).where(Direction.code == 1)).scalar_one()
    direction.name_en = "Education (edited)"
    db.session.commit()
    assert load_reference() == {"directions": 0, "regions": 0, "mrp": 0, "customers": 0, "reasons": 0}
    assert db.session.get(Direction, direction.id).name_en == "Education (edited)"


def admin_client(app):
    create_user("admin", email="root@example.kz")
    client = app.test_client()
    login(client, "root@example.kz")
    client.get("/?lang=en")
    return client


def test_admin_renames_a_direction_and_the_audit_keeps_before_and_after(app):
    client = admin_client(app)
    direction = db.session.execute(sa.select(Direction).where(Direction.code == 13)).scalar_one()
    url = f"/admin/reference/directions/{direction.id}"
    response = post_form(client, url, {"name_kk": "Еріктілік бастамаларын қолдау", "name_ru": direction.name_ru,
                                       "name_en": direction.name_en, "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Direction, direction.id).name_kk == "Еріктілік бастамаларын қолдау"
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.verb == "reference.directions.update")
    ).scalar_one()
    assert event.before == {"name_kk": "Еріктілер бастамаларын қолдау"}
    assert event.after == {"name_kk": "Еріктілік бастамаларын қолдау"}


def test_admin_adds_the_mrp_of_a_new_year(app):
    client = admin_client(app)
    response = post_form(client, "/admin/reference/mrp/new", {"year": "2027", "amount": "4500.00"})
    assert response.status_code == 302
    assert mrp_for(2027) == Decimal("4500.00")


def test_english_pages_say_mci_not_the_russian_abbreviation(app):
    """«МРП by year» on an English page: in English it is the MCI (monthly calculation index)."""
    client = admin_client(app)
    for url in ("/admin/reference/mrp/?lang=en", "/admin/reference/mrp/new?lang=en"):
        page = client.get(url).get_data(as_text=True)
        assert "MCI" in page and "МРП" not in page, url
    page = client.get("/admin/reference/mrp/?lang=ru").get_data(as_text=True)
    assert "МРП" in page


def test_a_second_mrp_for_the_same_year_is_refused_with_a_message(app):
    client = admin_client(app)
    response = post_form(client, "/admin/reference/mrp/new", {"year": "2026", "amount": "9999"})
    assert response.status_code == 400
    assert "already has this value: 2026" in response.get_data(as_text=True)
    assert mrp_for(2026) == Decimal("4325.00")


def test_mrp_that_is_not_a_number_is_refused_and_the_input_kept(app):
    client = admin_client(app)
    response = post_form(client, "/admin/reference/mrp/new", {"year": "2027", "amount": "four thousand"})
    assert response.status_code == 400
    assert 'value="2027"' in response.get_data(as_text=True)
    assert mrp_for(2027) is None


def test_a_local_customer_body_needs_a_region(app):
    client = admin_client(app)
    data = {"code": "SHY-IP", "level": "local", "region_id": "", "name_kk": "Шымкент қаласының басқармасы",
            "name_ru": "Управление города Шымкент", "name_en": "Shymkent City Department", "active": "y"}
    response = post_form(client, "/admin/reference/customers/new", data)
    assert response.status_code == 400
    assert "A local body belongs to a region" in response.get_data(as_text=True)
    shymkent = db.session.execute(sa.select(Region).where(Region.kato == "790000000")).scalar_one()
    response = post_form(client, "/admin/reference/customers/new", {**data, "region_id": str(shymkent.id)})
    assert response.status_code == 302
    body = db.session.execute(sa.select(CustomerBody).where(CustomerBody.code == "SHY-IP")).scalar_one()
    assert body.region.kato == "790000000" and body.level == "local"


def test_directions_and_regions_cannot_be_added_only_edited(app):
    client = admin_client(app)
    assert client.get("/admin/reference/directions/new").status_code == 404
    assert client.get("/admin/reference/nonsense/").status_code == 404
    assert count(MrpRate) == 7


def test_every_reference_file_reads_through_the_loader_with_every_cell_in_its_column():
    files = sorted(DATA.glob("*.csv"))
    assert {f.name for f in files} >= {"directions.csv", "regions.csv", "mrp.csv", "customers.csv", "reasons.csv"}
    for path in files:
        rows = list(read_rows(path.name))
        assert rows, f"{path.name} has no rows"
        for row in rows:
            assert None not in row and None not in row.values(), f"{path.name}: {row}"
            for column in ("name_kk", "name_ru", "name_en"):
                if column in row:
                    assert row[column] == row[column].strip() and row[column], f"{path.name}: {row}"
    fifteen = next(r for r in read_rows("directions.csv") if r["code"] == "15")
    assert fifteen["name_ru"] == "Социально-правовая помощь лицам, состоящим на учете службы пробации"
    assert fifteen["name_kk"] == "Пробация қызметінің есебінде тұрған адамдарға әлеуметтік-құқықтық көмек"


def test_direction_15_is_loaded_whole_in_every_language():
    direction = db.session.execute(sa.select(Direction).where(Direction.code == 15)).scalar_one()
    assert direction.name_ru == "Социально-правовая помощь лицам, состоящим на учете службы пробации"
    assert direction.name_kk == "Пробация қызметінің есебінде тұрған адамдарға әлеуметтік-құқықтық көмек"
    assert direction.name_en == "Social and legal assistance to persons registered with the probation service"


def test_the_loader_refuses_a_row_whose_column_count_differs_from_the_header_naming_file_and_line(tmp_path):
    (tmp_path / "broken.csv").write_text("code,name_en,name_ru,name_kk\n1,A,Б,В\n2,B,Г, Д,Е\n", encoding="utf-8")
    with pytest.raises(ReferenceFileError) as refused:
        list(read_rows("broken.csv", folder=tmp_path))
    assert "broken.csv" in str(refused.value) and "line 3" in str(refused.value)
    (tmp_path / "short.csv").write_text("code,name_en,name_ru,name_kk\n1,A,Б\n", encoding="utf-8")
    with pytest.raises(ReferenceFileError, match=r"short\.csv, line 2"):
        list(read_rows("short.csv", folder=tmp_path))


def test_a_region_whose_registered_ngos_are_not_entered_shows_a_dash_and_why(app):
    client = admin_client(app)
    page = client.get("/admin/reference/regions/").get_data(as_text=True)
    assert "None" not in page
    # 15 of the 20 regions have no count in the reference data; DOMAIN.md gives five.
    assert page.count("— not entered") == 15
    assert "3554" in page or "3,554" in page  # Astana's is entered
    kk = client.get("/admin/reference/regions/?lang=kk").get_data(as_text=True)
    assert kk.count("— " + translated("kk", "not entered")) == 15


def test_no_template_shows_python_s_none(app):
    from flask import render_template_string

    assert render_template_string("<td>{{ value }}</td>", value=None) == "<td>—</td>"
    assert render_template_string("{{ value|or_missing(reason) }}", value=None, reason="not entered") == (
        '<span class="muted">— not entered</span>')
    assert render_template_string("{{ value|or_missing('x') }}", value=0) == "0"  # zero is a figure
