"""Configuration fails early and clearly."""

import pytest

import config
from grants.app import create_app


def test_production_without_a_secret_key_refuses_to_start():
    with pytest.raises(config.ConfigError, match="SECRET_KEY is required"):
        config.from_environment({"BAIQAU_ENV": "production"})


def test_an_unset_environment_means_production():
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.from_environment({})


def test_an_unknown_setting_stops_the_start():
    with pytest.raises(config.ConfigError, match="BAIQAU_SESION_HOURS"):
        config.from_environment({"BAIQAU_ENV": "test", "BAIQAU_SESION_HOURS": "4"})


def test_a_malformed_number_names_its_key():
    with pytest.raises(config.ConfigError, match="BAIQAU_MAX_UPLOAD_MB"):
        config.from_environment({"BAIQAU_ENV": "test", "BAIQAU_MAX_UPLOAD_MB": "lots"})


def test_embedded_default_is_sqlite_in_instance_and_jobs_in_process():
    settings = config.from_environment({"BAIQAU_ENV": "test"})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["SQLALCHEMY_DATABASE_URI"].endswith("instance/baiqau.sqlite3")
    assert settings["REDIS_URL"] is None


def test_postgres_urls_use_psycopg_3():
    assert config.database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(config.ConfigError):
        config.database_url("mysql://u@h/db")


def test_production_cookies_are_secure(monkeypatch):
    settings = config.from_environment({"BAIQAU_ENV": "production", "SECRET_KEY": "x" * 32})
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]


def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_create_app_takes_overrides(tmp_path):
    app = create_app({"ENV_NAME": "test", "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")


@pytest.mark.parametrize("proxies, seen", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_is_trusted_from_the_configured_proxies_only(tmp_path, proxies, seen):
    from grants.auth.models import LoginAttempt
    from grants.extensions import db
    from tests.conftest import build_schema, login, settings_for

    app = create_app(settings_for(f"sqlite:///{tmp_path}/p.db", PROXIES=proxies))
    build_schema(app)
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"  # what a proxy (or a forger) sends
    login(client, "nobody@example.kz", "wrong-password")
    with app.app_context():
        assert db.session.execute(db.select(LoginAttempt.ip)).scalars().all() == [seen]
        db.engine.dispose()


def test_proxies_must_be_a_count():
    assert config.from_environment({"BAIQAU_ENV": "test"})["PROXIES"] == 0
    with pytest.raises(config.ConfigError, match="BAIQAU_PROXIES"):
        config.from_environment({"BAIQAU_ENV": "test", "BAIQAU_PROXIES": "yes"})


def test_in_development_the_public_address_follows_the_port_served():
    assert config.from_environment({"BAIQAU_ENV": "development", "FLASK_RUN_PORT": "8000"})["PUBLIC_URL"] == (
        "http://127.0.0.1:8000")
    assert config.from_environment({"BAIQAU_ENV": "development"})["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert config.from_environment({"BAIQAU_ENV": "production", "SECRET_KEY": "s", "FLASK_RUN_PORT": "8000"})[
        "PUBLIC_URL"] == "http://127.0.0.1:5000"  # production names its address; the port proves nothing there
    # An address given is the address: behind a proxy the port served is not the port people open.
    assert config.from_environment({"BAIQAU_ENV": "development", "FLASK_RUN_PORT": "8000",
                                    "BAIQAU_PUBLIC_URL": "https://grants.example.kz/"})["PUBLIC_URL"] == (
        "https://grants.example.kz")
    with pytest.raises(config.ConfigError, match="FLASK_RUN_PORT"):
        config.from_environment({"BAIQAU_ENV": "development", "FLASK_RUN_PORT": "eighty"})


def test_make_run_serves_and_links_the_same_port():
    import subprocess

    commands = subprocess.run(["make", "-n", "run", "PORT=8000"], cwd=config.ROOT, capture_output=True, text=True,
                              check=True, timeout=60).stdout
    served = next(line for line in commands.splitlines() if "flask run" in line)
    assert "FLASK_RUN_PORT=8000" in served and "--port" not in served  # one setting for the port and the links



def test_the_eds_settings_name_files_that_exist_and_http_addresses(tmp_path):
    anchor = tmp_path / "root_rsa.cer"
    anchor.write_bytes(b"")
    settings = config.from_environment({
        "BAIQAU_ENV": "test", "BAIQAU_EDS_TRUST_ANCHORS": f"{anchor}:{tmp_path}",
        "BAIQAU_EDS_OCSP_URL": "http://ocsp.example.kz", "BAIQAU_EDS_TIMEOUT_SECONDS": "3",
        "BAIQAU_EDS_CRL_URLS": "http://crl.example.kz/full.crl  http://crl.example.kz/delta.crl"})
    assert settings["EDS_TRUST_ANCHORS"] == (str(anchor), str(tmp_path))
    assert settings["EDS_OCSP_URL"] == "http://ocsp.example.kz" and settings["EDS_TIMEOUT"] == 3
    assert settings["EDS_CRL_URLS"] == ("http://crl.example.kz/full.crl", "http://crl.example.kz/delta.crl")
    unset = config.from_environment({"BAIQAU_ENV": "test"})
    assert (unset["EDS_TRUST_ANCHORS"], unset["EDS_OCSP_URL"], unset["EDS_CRL_URLS"], unset["EDS_TIMEOUT"]) == (
        (), None, (), 5)  # the certificates' own addresses; no anchor, so every signature is refused


@pytest.mark.parametrize("key, value", [("BAIQAU_EDS_TRUST_ANCHORS", "/nonexistent/root.cer"),
                                        ("BAIQAU_EDS_OCSP_URL", "http://a.kz http://b.kz"),
                                        ("BAIQAU_EDS_CRL_URLS", "ldap://crl.example.kz/cn=nca"),
                                        ("BAIQAU_EDS_TIMEOUT_SECONDS", "0")])
def test_a_wrong_eds_setting_stops_the_start(key, value):
    with pytest.raises(config.ConfigError, match=key):
        config.from_environment({"BAIQAU_ENV": "test", key: value})
