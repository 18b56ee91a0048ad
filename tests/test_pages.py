"""Pages a slow rural connection can carry, with nothing fetched from outside."""

import re

from tests.conftest import PAGE_LIMIT, login, page_weight
from tests.factories import create_user


def test_home_page_is_light_and_self_contained(client):
    total, html = page_weight(client, "/")
    assert total < PAGE_LIMIT, f"home page weighs {total} bytes"
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html), "an asset comes from outside the site"


def test_admin_pages_are_light_too(client):
    create_user("admin", email="root@example.kz")
    login(client, "root@example.kz")
    for url in ("/admin/users/", "/admin/reference/regions/", "/admin/audit/"):
        total, _ = page_weight(client, url)
        assert total < PAGE_LIMIT, f"{url} weighs {total} bytes"


def test_pages_need_no_javascript(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "<script" not in html
