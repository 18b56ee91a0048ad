"""The flask commands a deployment scripts with."""

import sqlalchemy as sa

from grants.auth.models import Role, User
from grants.extensions import db
from grants.organizations.models import Organization
from tests.conftest import login


def test_create_user_with_several_roles_and_a_generated_password(app):
    result = app.test_cli_runner().invoke(args=["create-user", "aigerim@example.kz", "--role", "operator",
                                                "--role", "analyst"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().rsplit("password: ", 1)[1]
    user = db.session.execute(sa.select(User).where(User.email == "aigerim@example.kz")).scalar_one()
    assert user.roles == {Role.operator, Role.analyst}
    assert login(app.test_client(), "aigerim@example.kz", password).status_code == 302


def test_create_user_refuses_a_weak_password_and_a_duplicate(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "a@example.kz", "--role", "admin", "--password", "123"])
    assert result.exit_code != 0 and "at least 10" in result.output
    assert runner.invoke(args=["create-user", "a@example.kz", "--role", "admin"]).exit_code == 0
    again = runner.invoke(args=["create-user", "a@example.kz", "--role", "admin"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_user_refuses_an_unknown_role(app):
    result = app.test_cli_runner().invoke(args=["create-user", "a@example.kz", "--role", "king"])
    assert result.exit_code != 0


def test_seed_demo_gives_every_role_a_working_account_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for role in Role:
        assert f"{role.value}@baiqau.kz" in result.output or role == Role.applicant
    assert "ngo.kyzylorda@baiqau.kz" in result.output
    regions = db.session.execute(sa.select(sa.func.count(sa.distinct(Organization.region_id)))).scalar_one()
    assert regions >= 3
    assert login(app.test_client(), "operator@baiqau.kz", "baiqau-demo-2026").status_code == 302
    # The demo is consistent with its own reference data: every call's budget year has its MCI, and a
    # call's code names its budget year (an operator copying "2027-…" would otherwise meet a refusal).
    from grants.calls.models import Call
    from grants.reference.services import mrp_for

    calls = db.session.execute(sa.select(Call.code, Call.budget_year)).all()
    assert calls
    for code, year in calls:
        assert mrp_for(year) is not None, f"{code}: no MCI for {year}"
        assert code.startswith(f"{year}-"), f"{code} is a call of budget year {year}"
    # The state social order's plan takes proposals: one answered by the ministry (the customer), one awaiting.
    from grants.calls.models import Proposal

    sso = db.session.execute(sa.select(Call).where(Call.code == "2026-MCI-09")).scalar_one()
    assert sso.instrument == "sso" and sso.phase().value in ("announced", "open")
    customer = db.session.execute(sa.select(User).where(User.email == "customer@baiqau.kz")).scalar_one()
    answers = db.session.execute(sa.select(Proposal.answered_by_id).where(Proposal.call_id == sso.id)
                                 .order_by(Proposal.created_at)).scalars().all()
    assert answers == [customer.id, None] and customer.customer_body_id == sso.customer_id
    # The operator's Russian letter to a winner told the Pavlodar NGO of last year's award, filled in.
    from grants.mail import OutboxMessage

    award = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == "ngo.pavlodar@baiqau.kz",
                                                              OutboxMessage.subject.contains("грант присужден"))
                               ).scalar_one()
    assert "Сумма гранта: " in award.body and "₸" in award.body and "/scores" in award.body and "{" not in award.body
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in again.output


def test_seed_demo_is_refused_in_production(app):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "refused in production" in result.output
