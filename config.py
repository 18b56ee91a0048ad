"""Configuration read from the environment, with embedded defaults for development."""

import os
import secrets
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"

ENVIRONMENTS = ("development", "production", "test")

# The working-day calendar's changes by decree (grants/workdays.py holds the law's holidays): days off the government
# moved onto a working day, and the weekend days it made working in exchange; and a first day of Kurban Ait the
# table in grants/workdays.py lacks. Add each year's decree here; BAIQAU_EXTRA_HOLIDAYS and BAIQAU_WORKING_WEEKENDS
# add more without a deploy. 2025: the day off of Sunday 5 January moved to Friday 3 January (Ministry of Labour).
EXTRA_HOLIDAYS = (date(2025, 1, 3),)
WORKING_WEEKENDS = (date(2025, 1, 5),)

# Every key Baiqau reads. A BAIQAU_* variable not listed here stops the start:
# a typo in a deployment must not silently fall back to a default.
KNOWN_KEYS = {
    "BAIQAU_ENV": "development | production | test (default: production)",
    "SECRET_KEY": "signs sessions and CSRF tokens; required outside development",
    "DATABASE_URL": "PostgreSQL URL; unset means SQLite in instance/",
    "REDIS_URL": "Redis URL for RQ; unset means jobs run in-process",
    "BAIQAU_MAX_UPLOAD_MB": "largest request body in megabytes (default 25)",
    "BAIQAU_SESSION_HOURS": "how long a signed-in session lasts (default 8)",
    "BAIQAU_LOGIN_MAX_FAILURES": "failed logins before an address is locked (default 5)",
    "BAIQAU_LOGIN_LOCK_MINUTES": "how long the lock lasts (default 15)",
    "BAIQAU_TWO_FACTOR": "off | optional | required: two-factor sign-in (TOTP) for operator, administrator, expert, "
                         "commission and analyst accounts; required, they enrol before anything else (default: "
                         "required in production, optional elsewhere)",
    "BAIQAU_PROPOSALS_PER_HOUR": "proposals on an SSO plan one e-mail may send in an hour; four times as many from "
                                 "one address (default 5)",
    "BAIQAU_PROXIES": "reverse proxies in front that set X-Forwarded-For/-Proto/-Host (default 0: none trusted)",
    "BAIQAU_MAIL_SERVER": "SMTP host; unset means mail stays in the outbox the administrator reads",
    "BAIQAU_MAIL_PORT": "SMTP port (default 587)",
    "BAIQAU_MAIL_USERNAME": "SMTP user",
    "BAIQAU_MAIL_PASSWORD": "SMTP password",
    "BAIQAU_MAIL_USE_TLS": "1 to STARTTLS (default 1)",
    "BAIQAU_MAIL_FROM": "sender address (default noreply@baiqau.kz)",
    "BAIQAU_PUBLIC_URL": "the address people open, for links in mail, survey links and QR codes (default "
                         "http://127.0.0.1:5000; in development the port `flask run` serves, FLASK_RUN_PORT)",
    "BAIQAU_UPLOAD_FOLDER": "where uploaded documents are kept (default instance/uploads)",
    "BAIQAU_MAX_FILE_MB": "largest single uploaded document in megabytes (default 20)",
    "BAIQAU_S3_BUCKET": "keep documents in this S3-compatible bucket instead of a folder",
    "BAIQAU_S3_ENDPOINT_URL": "S3 endpoint (MinIO and the like)",
    "BAIQAU_S3_REGION": "S3 region",
    "BAIQAU_S3_ACCESS_KEY": "S3 access key",
    "BAIQAU_S3_SECRET_KEY": "S3 secret key",
    "BAIQAU_S3_PREFIX": "key prefix inside the bucket",
    "BAIQAU_LOG_FORMAT": "json (one JSON object per line; the default in production) or text",
    "BAIQAU_METRICS_TOKEN": "the bearer token Prometheus sends to /metrics; unset, /metrics answers 404",
    "BAIQAU_EDS_TRUST_ANCHORS": "ЭЦП trust anchors: PEM or DER files (or folders of them) holding the root and "
                                "intermediate certificates a signer's chain must lead to, separated by ':' "
                                "(production: НУЦ РК's RSA and GOST roots and its issuing certificates); unset, "
                                "every signature is refused as untrusted",
    "BAIQAU_EDS_OCSP_URL": "the OCSP responder asked of every ЭЦП certificate (production: НУЦ РК's, "
                           "http://ocsp.pki.gov.kz); unset, the one the certificate names (AIA)",
    "BAIQAU_EDS_CRL_URLS": "CRLs read when OCSP gives no answer, separated by spaces (production: НУЦ РК's full and "
                           "delta CRLs); unset, those the certificate names (CRL distribution points)",
    "BAIQAU_EDS_TIMEOUT_SECONDS": "how long one OCSP or CRL request may take (default 5)",
    "BAIQAU_EDS": "off | optional | required: sign-in with ЭЦП through NCALayer; optional offers it beside the "
                  "password, required makes the roles of BAIQAU_EDS_ROLES sign in with ЭЦП alone (default: optional "
                  "in development and tests, off in production until it is set; on in production, it needs "
                  "BAIQAU_EDS_TRUST_ANCHORS)",
    "BAIQAU_EDS_ROLES": "the roles that sign in with ЭЦП alone when BAIQAU_EDS=required, separated by spaces "
                        "(default: applicant operator commission)",
    "BAIQAU_OPERATOR_BIN": "the grant operator's BIN: where set, the operator signs agreements with ЭЦП only with a "
                           "certificate of this legal entity; unset, with any of its staff's own certificates",
    "BAIQAU_SCREENING_WORKING_DAYS": "working days the operator has for the eligibility check after a call's intake "
                                     "ends (default 10, the rules' term)",
    "BAIQAU_REPORT_REVIEW_WORKING_DAYS": "working days the operator has to review a submitted report (default 10, "
                                         "an assumption: no term is set by the rules we hold)",
    "BAIQAU_EXTRA_HOLIDAYS": "more days off, YYYY-MM-DD separated by spaces: a decree's moved day off, a Kurban Ait "
                             "(added to config.EXTRA_HOLIDAYS)",
    "BAIQAU_WORKING_WEEKENDS": "Saturdays or Sundays a decree made working days, YYYY-MM-DD separated by spaces "
                               "(added to config.WORKING_WEEKENDS)",
    "BAIQAU_EDS_DEMO": "a folder for the demo's test certification authority and test keys, offered as \"sign "
                       "with the demo test key\" (default in development: instance/eds-demo; refused in production)",
}


class ConfigError(RuntimeError):
    """A missing, malformed or unknown setting; the message says which and how to fix it."""


def _int(env, key, default, minimum=1):
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{key}={value} must be at least {minimum}")
    return value


def database_url(raw):
    """Normalise a PostgreSQL URL to the psycopg 3 driver; None means the embedded SQLite."""
    if not raw:
        return f"sqlite:///{INSTANCE / 'baiqau.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    if raw.startswith(("postgresql+psycopg://", "sqlite:")):
        return raw
    raise ConfigError(f"DATABASE_URL must be a PostgreSQL URL, got {raw.split(':')[0]!r}")


def public_url(env, name):
    """The address people open. Set, it is BAIQAU_PUBLIC_URL. Unset in development, it follows the port
    `flask run` serves (FLASK_RUN_PORT, which `make run` sets from PORT), so that links in mail, survey links and
    QR codes open the server that is running; elsewhere it is http://127.0.0.1:5000."""
    given = env.get("BAIQAU_PUBLIC_URL")
    if given:
        return given.rstrip("/")
    if name != "development":
        return "http://127.0.0.1:5000"
    return f"http://127.0.0.1:{_int(env, 'FLASK_RUN_PORT', 5000)}"  # make run serves on 127.0.0.1


def _dev_secret():
    """A development secret kept in instance/ so sessions survive a restart."""
    path = INSTANCE / "dev_secret_key"
    if not path.exists():
        INSTANCE.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _two_factor(env, name):
    value = env.get("BAIQAU_TWO_FACTOR") or ("required" if name == "production" else "optional")
    if value not in ("off", "optional", "required"):
        raise ConfigError(f"BAIQAU_TWO_FACTOR={value!r} must be off, optional or required")
    return value


EDS_MODES = ("off", "optional", "required")


def _eds(env, name):
    value = env.get("BAIQAU_EDS") or ("off" if name == "production" else "optional")
    if value not in EDS_MODES:
        raise ConfigError(f"BAIQAU_EDS={value!r} must be off, optional or required")
    if value != "off" and name == "production" and not env.get("BAIQAU_EDS_TRUST_ANCHORS"):
        raise ConfigError(f"BAIQAU_EDS={value} needs BAIQAU_EDS_TRUST_ANCHORS: НУЦ РК's root and issuing "
                          "certificates (pki.gov.kz), or every signature is refused")
    return value


def _bin(env, key):
    from grants.identifiers import check_digit

    value = (env.get(key) or "").strip()
    if not value:
        return None
    if len(value) != 12 or not value.isdigit() or check_digit(value[:11]) != int(value[11]):
        raise ConfigError(f"{key}={value!r} is not a BIN: 12 digits, the last its check digit")
    return value


def _eds_demo(env, name):
    value = env.get("BAIQAU_EDS_DEMO")
    if name == "production":
        if value:
            raise ConfigError("BAIQAU_EDS_DEMO is refused in production: its test keys would sign anyone in")
        return None
    if not value and name == "development":
        return str(INSTANCE / "eds-demo")
    return value or None


def _log_format(env, name):
    value = env.get("BAIQAU_LOG_FORMAT") or ("json" if name == "production" else "text")
    if value not in ("json", "text"):
        raise ConfigError(f"BAIQAU_LOG_FORMAT={value!r} must be json or text")
    return value


def _urls(env, key, single=False):
    """Space-separated http(s) addresses (revocation is fetched over HTTP, as НУЦ РК publishes it); single: one
    address or None."""
    urls = tuple((env.get(key) or "").split())
    wrong = [url for url in urls if not url.lower().startswith(("http://", "https://"))]
    if wrong:
        raise ConfigError(f"{key}: {', '.join(wrong)} must be http:// or https:// addresses")
    if single and len(urls) > 1:
        raise ConfigError(f"{key} takes one address, got {len(urls)}")
    return (urls[0] if urls else None) if single else urls


def _dates(env, key):
    """Dates written YYYY-MM-DD, separated by spaces."""
    try:
        return tuple(date.fromisoformat(d) for d in (env.get(key) or "").split())
    except ValueError as error:
        raise ConfigError(f"{key}: {error}; write dates as YYYY-MM-DD separated by spaces") from None


def _paths(env, key):
    """Files or folders separated by ':', each of which must exist now rather than at the first signature."""
    paths = tuple(p for p in (env.get(key) or "").split(os.pathsep) if p)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise ConfigError(f"{key}: {', '.join(missing)} not found")
    return paths


def from_environment(env=None):
    """Build the Flask config mapping from the environment, failing early on bad input."""
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith("BAIQAU_") and k not in KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            "Unknown setting(s): " + ", ".join(unknown) + ". Known: " + ", ".join(sorted(KNOWN_KEYS))
        )
    name = env.get("BAIQAU_ENV", "production")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"BAIQAU_ENV={name!r} must be one of {', '.join(ENVIRONMENTS)}")
    secret = env.get("SECRET_KEY")
    if not secret:
        if name == "production":
            raise ConfigError(
                "SECRET_KEY is required in production: set it to a long random string, "
                "e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        secret = _dev_secret() if name == "development" else "test-secret"
    session_hours = _int(env, "BAIQAU_SESSION_HOURS", 8)
    return {
        "ENV_NAME": name,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "MAX_CONTENT_LENGTH": _int(env, "BAIQAU_MAX_UPLOAD_MB", 25) * 1024 * 1024,
        "PERMANENT_SESSION_LIFETIME": session_hours * 3600,
        "WTF_CSRF_TIME_LIMIT": session_hours * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": name == "production",
        "REMEMBER_COOKIE_SECURE": name == "production",
        "LOGIN_MAX_FAILURES": _int(env, "BAIQAU_LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int(env, "BAIQAU_LOGIN_LOCK_MINUTES", 15),
        "PROPOSALS_PER_HOUR": _int(env, "BAIQAU_PROPOSALS_PER_HOUR", 5),
        "TWO_FACTOR": _two_factor(env, name),
        "PROXIES": _int(env, "BAIQAU_PROXIES", 0, minimum=0),
        "BABEL_DEFAULT_LOCALE": "kk",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": ("kk", "ru", "en"),
        "MAIL_SERVER": env.get("BAIQAU_MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "BAIQAU_MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("BAIQAU_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("BAIQAU_MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env.get("BAIQAU_MAIL_USE_TLS", "1") not in ("0", "false", "no"),
        "MAIL_FROM": env.get("BAIQAU_MAIL_FROM") or "noreply@baiqau.kz",
        "PUBLIC_URL": public_url(env, name),
        "UPLOAD_FOLDER": env.get("BAIQAU_UPLOAD_FOLDER") or str(INSTANCE / "uploads"),
        "MAX_FILE_BYTES": _int(env, "BAIQAU_MAX_FILE_MB", 20) * 1024 * 1024,
        "S3_BUCKET": env.get("BAIQAU_S3_BUCKET") or None,
        "S3_ENDPOINT_URL": env.get("BAIQAU_S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("BAIQAU_S3_REGION") or None,
        "S3_ACCESS_KEY": env.get("BAIQAU_S3_ACCESS_KEY") or None,
        "S3_SECRET_KEY": env.get("BAIQAU_S3_SECRET_KEY") or None,
        "S3_PREFIX": env.get("BAIQAU_S3_PREFIX") or "",
        "METRICS_TOKEN": env.get("BAIQAU_METRICS_TOKEN") or None,
        "LOG_FORMAT": _log_format(env, name),
        "EDS_TRUST_ANCHORS": _paths(env, "BAIQAU_EDS_TRUST_ANCHORS"),
        "EDS_OCSP_URL": _urls(env, "BAIQAU_EDS_OCSP_URL", single=True),
        "EDS_CRL_URLS": _urls(env, "BAIQAU_EDS_CRL_URLS"),
        "EDS_TIMEOUT": _int(env, "BAIQAU_EDS_TIMEOUT_SECONDS", 5),
        "EDS": _eds(env, name),
        "EDS_ROLES": tuple((env.get("BAIQAU_EDS_ROLES") or "applicant operator commission").split()),
        "EDS_DEMO": _eds_demo(env, name),
        "OPERATOR_BIN": _bin(env, "BAIQAU_OPERATOR_BIN"),
        "SCREENING_WORKING_DAYS": _int(env, "BAIQAU_SCREENING_WORKING_DAYS", 10),
        "REPORT_REVIEW_WORKING_DAYS": _int(env, "BAIQAU_REPORT_REVIEW_WORKING_DAYS", 10),
        "EXTRA_HOLIDAYS": EXTRA_HOLIDAYS + _dates(env, "BAIQAU_EXTRA_HOLIDAYS"),
        "WORKING_WEEKENDS": WORKING_WEEKENDS + _dates(env, "BAIQAU_WORKING_WEEKENDS"),
    }
