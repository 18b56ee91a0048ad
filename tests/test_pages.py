"""Pages a slow rural connection can carry, with nothing fetched from outside."""

import re

from tests.conftest import login
from tests.factories import create_user

LIMIT = 150 * 1024


def page_weight(client, url):
    """The HTML plus every stylesheet, script and image it links to, as transferred."""
    html = client.get(url).get_data()
    total = len(html)
    for asset in set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)):
        with client.get(asset.decode()) as response:
            assert response.status_code == 200, asset
            total += len(response.get_data())
    return total, html.decode()


def test_home_page_is_light_and_self_contained(client):
    total, html = page_weight(client, "/")
    assert total < LIMIT, f"home page weighs {total} bytes"
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html), "an asset comes from outside the site"


def test_admin_pages_are_light_too(client):
    create_user("admin", email="root@example.kz")
    login(client, "root@example.kz")
    for url in ("/admin/users/", "/admin/reference/regions/", "/admin/audit/"):
        total, _ = page_weight(client, url)
        assert total < LIMIT, f"{url} weighs {total} bytes"


def test_pages_need_no_javascript(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "<script" not in html
