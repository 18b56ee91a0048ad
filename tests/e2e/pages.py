"""The demo world's pages that the layout and accessibility tests open, found by what they are, not by fixed ids."""

import sqlalchemy as sa

from grants.extensions import db

OPERATOR, ADMIN, NGO = "operator@baiqau.kz", "admin@baiqau.kz", "ngo.almaty@baiqau.kz"
EXPERT, COMMISSION, ANALYST = "expert@baiqau.kz", "commission@baiqau.kz", "analyst@baiqau.kz"
OBSERVER, CUSTOMER, PUBLIC = "observer@baiqau.kz", "customer@baiqau.kz", None


def _one(sql, **params):
    value = db.session.execute(sa.text(sql), params).scalar()
    assert value is not None, f"the demo world has no row for: {sql} {params}"
    return value


def demo_ids(site):
    """Ids of the rows the pages show, read from the seeded database."""
    with site.app_context():
        ids = dict(
            open_call=_one("select id from calls where code = '2026-MCI-02'"),
            past_call=_one("select id from calls where code = '2025-MCI-04'"),
            old_call=_one("select id from calls where code = '2024-MCI-07'"),
            sso_call=_one("select id from calls where code = '2026-MCI-09'"),
            agreement=_one("select id from agreements order by number limit 1"),
            draft=_one("select a.id from applications a join memberships m on m.organization_id = a.organization_id "
                       "join users u on u.id = m.user_id where a.status = 'draft' and u.email = :email "
                       "order by a.id limit 1", email=NGO),
            # sealed until the deadline but for the one the operator opened early
            submitted=_one("select id from applications where status = 'submitted' and opened_early_at is not null "
                           "order by id limit 1"),
            sealed=_one("select id from applications where status = 'submitted' and opened_early_at is null "
                        "order by id limit 1"),
            awarded=_one("select id from applications where status = 'awarded' order by id limit 1"),
            organization=_one("select m.organization_id from memberships m join users u on u.id = m.user_id "
                              "where u.email = :email", email=NGO),
            report=_one("select id from reports where status = 'accepted' order by id limit 1"),
            meeting=_one("select id from commission_meetings order by id limit 1"),
            assignment=_one("select a.id from assignments a join experts e on e.id = a.expert_id "
                            "join users u on u.id = e.user_id where u.email = :email order by a.id limit 1",
                            email=EXPERT),
            expert=_one("select id from experts order by id limit 1"),
            visit=_one("select id from site_visits order by id limit 1"),
            user=_one("select id from users where email = :email", email=NGO),
        )
        db.session.remove()
    return ids


def heaviest(ids):
    """The widest pages of each kind: (who, name, path)."""
    return [
        (OPERATOR, "monitoring-board", "/manage/agreements"),
        (OPERATOR, "call-applications", f"/manage/calls/{ids['past_call']}/applications"),
        (OPERATOR, "operator-call", f"/manage/calls/{ids['open_call']}"),
        (OPERATOR, "ranking", f"/manage/calls/{ids['past_call']}/ranking"),
        (OPERATOR, "agreement", f"/manage/agreements/{ids['agreement']}"),
        (ADMIN, "users", "/admin/users/"),
        (ADMIN, "audit-log", "/admin/audit/"),
        (ADMIN, "regions", "/admin/reference/regions/"),
        (NGO, "application-form", f"/applications/{ids['draft']}/edit"),
        (ANALYST, "dashboard", "/analyst/dashboard/"),
    ]


def by_role(ids):
    """Pages across every role, for axe: {who: (interface language, [path, ...])}."""
    past, meeting = ids["past_call"], ids["meeting"]
    return {
        PUBLIC: ("kk", ["/", "/calls/", f"/calls/{ids['open_call']}", f"/calls/{past}/results", "/open-data/",
                        "/auth/login", "/auth/register", f"/calls/{ids['sso_call']}"]),
        NGO: ("kk", ["/", "/applications/", f"/applications/{ids['draft']}/edit", "/agreements",
                     f"/agreements/{ids['agreement']}", f"/organizations/{ids['organization']}"]),
        OPERATOR: ("ru", ["/manage/agreements", "/manage/calls/", f"/manage/calls/{ids['open_call']}",
                          f"/manage/calls/{past}/applications", f"/manage/calls/{past}/ranking",
                          f"/manage/calls/{past}/assignments", f"/manage/calls/{past}/scoring",
                          f"/manage/commission/{meeting}", f"/manage/applications/{ids['submitted']}/review",
                          f"/manage/applications/{ids['sealed']}/open-early",
                          f"/manage/calls/{ids['open_call']}/applications",
                          f"/manage/reports/{ids['report']}", "/manage/overdue", f"/manage/experts/{ids['expert']}",
                          "/manage/calls/new", f"/manage/visits/{ids['visit']}", "/manage/tranches/pay"]),
        ADMIN: ("kk", ["/admin/users/", f"/admin/users/{ids['user']}", "/admin/audit/",
                       "/admin/reference/regions/", "/admin/outbox/"]),
        EXPERT: ("kk", ["/expert/", f"/expert/assignments/{ids['assignment']}"]),
        COMMISSION: ("ru", ["/"]),
        ANALYST: ("en", ["/analyst/", "/analyst/dashboard/"]),
        OBSERVER: ("kk", [f"/agreements/{ids['agreement']}"]),
        CUSTOMER: ("ru", ["/agreements", f"/manage/calls/{ids['sso_call']}/proposals"]),
    }
