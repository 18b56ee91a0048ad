"""Deadline load: N NGOs sign in, save their drafts and submit in the last minute before a call's deadline.

`.venv/bin/python bench/deadline_load.py [--ngos 300] [--workers 2*cores+1] [--worker-class sync]
[--deadline-in 90] [--saves 3] [--keep] [--raw requests.csv]`

End to end, on this machine only (every address is loopback; the script refuses any other):
1. creates a fresh PostgreSQL database `load_<random>`, runs `flask db upgrade` and `flask load-reference`;
2. builds the world through the app's services: an operator, one published call with one topic, and N NGOs,
   each with one applicant and a filled draft that can be submitted;
3. starts gunicorn (BAIQAU_ENV=production, REDIS_URL on Redis so the receipt mail is queued to real RQ) on a
   free 127.0.0.1 port;
4. one thread per NGO, as a browser would. Sign-in first: the sign-in form, sign in, the application's edit
   page, at most --sign-in-concurrency users at a time. Then the countdown: the call's deadline is set
   --deadline-in seconds ahead, and each user autosaves --saves times, opens the overview page, presses submit
   and follows the redirect to the receipt. Submissions fall in the last minute (2/3 of the countdown when it
   is shorter), denser towards the deadline, the last on-time click 3 s before it. 5 % of the NGOs press
   submit 1-8 s after the deadline (the page opened before it) and must be refused; 10 % double-click (two
   concurrent submits from the same session) and must be counted once;
5. prints one JSON object: requests, duration, throughput, latency percentiles per kind, errors, outcomes, CPU
   use of the machine, and the checks made on the database, Redis and the server's logs afterwards;
6. stops gunicorn, deletes the mail jobs it queued and drops the database (all kept with --keep).
Exit status 1 when any check fails.

Sign-in throttling is left as production has it: it counts failed attempts only (per e-mail, and 4x as many per
address), and every virtual user signs in with the right password, so the shared 127.0.0.1 address is never
locked; the checks require that no request was answered 429. Sign-ins come before the countdown, a few at a
time, because each costs one scrypt verification (~0.11 s of CPU; ~0.13 s with its pages, so 300 at once would
be 40 s of a 2-core machine), and NGO staff are signed in well before the last minute anyway.

gunicorn runs sync workers (2*cores+1 by default, gunicorn's own advice): requests here are CPU-bound (templates,
password hashing) or wait on one PostgreSQL lock (the audit chain and the call's receipt counter serialise
submissions), so threads in one process add no throughput under the GIL; sync workers keep one database
connection each. --worker-class gthread --threads N is there to compare.

The client uses only the standard library (http.client, html.parser), with cookies kept by hand: the production
session cookie is Secure, and a browser sends Secure cookies to a loopback address over plain HTTP.
"""

import argparse
import csv
import datetime as dt
import http.client
import ipaddress
import json
import logging
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from functools import lru_cache
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "deadline-load-2026"  # noqa: S105 -- the virtual users' password, in a database made and dropped here
LATE_SHARE = 0.05
DOUBLE_SHARE = 0.10
SIGN_IN_LIMIT = 150  # seconds for every user to sign in before the countdown starts regardless
SUBMIT_MARGIN = 3.0  # the last on-time click is this many seconds before the deadline
REQUEST_TIMEOUT = 30  # seconds a virtual user waits for an answer before counting a connection error
KINDS = ("login_form", "login", "edit_page", "save", "review_page", "submit", "receipt")


def log(message):
    print(f"[deadline_load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def require_loopback(url, what):
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"{what} must be on this machine (loopback), not {host!r}")


# --- the database, the app and the world ----------------------------------------------------------------------------


def flask_command(env, *args):
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def make_bin(serial):
    """A valid resident legal entity BIN (fifth digit 4) with the given serial number."""
    from grants.identifiers import check_digit

    for month in range(1, 13):
        first11 = f"20{month:02d}40{serial:05d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise ValueError(f"no valid BIN for serial {serial}")


def build_world(ngos, seed):
    """The operator, one published call and N NGOs with a submittable draft each; returns (call id, users).

    Everything goes through the services, as the pages would do it. One thing is cut short: the password hash.
    Every account gets the same password, so it is hashed once (scrypt costs ~0.1 s) and the hash reused;
    the server still verifies it in full at every sign-in.
    """
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from grants.applications import readiness
    from grants.applications import services as applications
    from grants.auth import services as auth
    from grants.calls import services as calls
    from grants.db import utcnow
    from grants.demo import application_content
    from grants.extensions import db
    from grants.organizations import ownership
    from grants.organizations import services as organizations
    from grants.reference.models import CustomerBody, Direction, Region

    rng = random.Random(seed)
    with mock.patch.object(auth, "generate_password_hash", lru_cache(maxsize=4)(generate_password_hash)):
        operator, _password = auth.create_user("deadline-load", "operator@load.example.kz", "Load Operator",
                                               ["operator"], PASSWORD, "ru")
        db.session.flush()
        customer = db.session.execute(sa.select(CustomerBody).where(CustomerBody.code == "MCI")).scalar_one()
        direction = db.session.execute(sa.select(Direction).where(Direction.code == 11)).scalar_one()
        almaty = db.session.execute(sa.select(Region).where(Region.kato == "750000000")).scalar_one()
        now = utcnow()
        call = calls.create_call(operator, {
            "code": "LOAD-SG", "instrument": "state_grant", "customer_id": customer.id,
            "funding_source": "republican", "budget_year": now.year, "title_kk": "Жүктеме конкурсы",
            "title_ru": "Нагрузочный конкурс", "title_en": "Load call", "description_kk": "", "description_ru": "",
            "description_en": "", "opens_at": now - dt.timedelta(days=30), "deadline_at": now + dt.timedelta(hours=2),
            "accepts_kk": True, "accepts_ru": True, "experts_per_application": 3, "criteria_set": "grant"})
        db.session.flush()
        topic = calls.save_topic(operator, call, None, {
            "direction_id": direction.id, "title_kk": "Жастардың еріктілік бастамалары",
            "title_ru": "Волонтерские инициативы молодежи", "title_en": "Youth volunteering",
            "goal_kk": "Еріктілік", "goal_ru": "Волонтерство", "tasks_kk": "", "tasks_ru": "", "results_kk": "",
            "results_ru": "", "indicators_kk": "", "indicators_ru": "", "grant_type": "short",
            "duration_months": 10, "amount_cap": Decimal("10000000.00"), "grants_count": 20}, [almaty])
        calls.publish(operator, call)
        db.session.commit()
        users = []
        for i in range(1, ngos + 1):
            language = "kk" if rng.random() < 0.3 else "ru"
            email = f"ngo{i:04d}@load.example.kz"
            user, _password = auth.create_user("deadline-load", email, f"NGO staff {i}", ["applicant"], PASSWORD,
                                               language)
            db.session.flush()
            org = organizations.register(user, make_bin(i), {
                "name_kk": f"Жүктеме ҮЕҰ {i}", "name_ru": f"НПО нагрузки {i}", "legal_form": "Қоғамдық бірлестік",
                "region_id": almaty.id, "address": "Алматы", "head_name": f"Head {i}", "phone": "+7 700 000 00 00",
                "email": email, "registry_year": now.year}, [direction])
            ownership.verify_by_documents(operator, org, "load test: documents taken as checked")
            application = applications.start(user, topic, org, language)
            db.session.flush()
            data, activities, indicators, budget = application_content(language)
            applications.save(user, application, data, activities=activities, indicators=indicators, budget=budget)
            problems = readiness.problems(application)
            if problems:
                raise SystemExit(f"the draft of NGO {i} cannot be submitted: {problems}")
            users.append({"index": i, "email": email, "app_id": application.id, "language": language,
                          "summary": data["summary"]})
            if i % 100 == 0:
                db.session.commit()
                log(f"world: {i} NGOs")
        db.session.commit()
        return call.id, users


def set_deadline(call_id, deadline):
    """The deadline moved to its place in the run: a fixture's clock, not an operator's act (no audit)."""
    from grants.calls.models import Call
    from grants.extensions import db

    db.session.get(Call, call_id).deadline_at = deadline
    db.session.commit()
    db.session.remove()


# --- gunicorn -------------------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1, its log in a file; the worker pids read from that log."""

    def __init__(self, env, workers, worker_class, threads, folder):
        self.port = free_port()
        self.log_path = Path(folder) / "gunicorn.log"
        self.workers = workers
        command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", worker_class,
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "10",
                   "--log-level", "info", "--error-logfile", str(self.log_path)]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        command.append("wsgi:app")
        self.app_log_path = Path(folder) / "app.log"
        with self.app_log_path.open("wb") as app_log:  # the app's own logging goes to the workers' stderr
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=app_log,  # noqa: S603
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_errors(self):
        """Lines of gunicorn's log and the app's that tell of an error: ERROR, CRITICAL, tracebacks, timeouts."""
        lines = []
        for path in (self.log_path, self.app_log_path):
            if path.exists():
                lines += path.read_text(errors="replace").splitlines()
        marks = (" ERROR ", "[ERROR]", "[CRITICAL]", "Traceback", "WORKER TIMEOUT")
        return [line for line in lines if any(mark in line for mark in marks)]

    def worker_pids(self):
        return [int(p) for p in re.findall(r"Booting worker with pid: (\d+)", self.log_text())]

    def wait_ready(self, timeout=120):
        """Every worker booted and answering."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            if len(self.worker_pids()) >= self.workers:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    conn.request("GET", "/auth/login")
                    status = conn.getresponse().status
                    conn.close()
                except OSError:
                    status = None
                if status == 200:
                    # one page per worker (and some), so the first real requests do not pay for cold caches
                    for _ in range(self.workers * 4):
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                        conn.request("GET", "/auth/login")
                        conn.getresponse().read()
                        conn.close()
                    return
            time.sleep(0.3)
        raise SystemExit("gunicorn did not start in time")

    def cpu_seconds(self):
        """CPU time of the live workers (utime + stime from /proc)."""
        total = 0
        for pid in set(self.worker_pids()):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own session: gunicorn and its workers only
                self.process.wait(timeout=10)


def machine_busy_seconds():
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


# --- the client -----------------------------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page as a browser would send them: inputs, checked boxes, textareas, selected options."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = self._textarea = self._select = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if not attrs.get("name") or kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"].append([attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), []]
        elif tag == "select":
            self._select = {"name": attrs.get("name"), "value": None, "first": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["value"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea[1])
            text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
            if self._form is not None and self._textarea[0]:
                self._form["fields"].append([self._textarea[0], text])
            self._textarea = None
        elif tag == "select" and self._select is not None:
            value = self._select["value"] if self._select["value"] is not None else self._select["first"]
            if self._form is not None and self._select["name"] and value is not None:
                self._form["fields"].append([self._select["name"], value])
            self._select = None
        elif tag == "form":
            self._form = None


def find_form(html, predicate):
    for form in Forms(html).forms:
        if predicate(form):
            return form
    return None


def with_values(form, **values):
    return [[name, values.get(name, value)] for name, value in form["fields"]]


FLASH = re.compile(r'class="flash flash-(\w+)"')


class Failed(Exception):
    """A virtual user met an answer it did not expect; recorded, and that user stops."""


class Recorder:
    """Every request as (kind, start on the monotonic clock, latency s or None, status, error, user index)."""

    def __init__(self):
        self.rows = []
        self.lock = threading.Lock()
        self.t0 = None  # when the countdown to the deadline started (monotonic); set before `go`
        self.stop_at = None  # no new request after this
        self.go = threading.Event()

    def add(self, *row):
        with self.lock:
            self.rows.append(row)


class Browser:
    """One tab: its own keep-alive connection and cookie jar."""

    def __init__(self, port, recorder, user_index, cookies=None):
        self.port = port
        self.recorder = recorder
        self.user_index = user_index
        self.cookies = dict(cookies or {})
        self.conn = None
        self.last_used = 0.0

    def copy(self):
        return Browser(self.port, self.recorder, self.user_index, self.cookies)

    def request(self, kind, method, path, fields=None, headers=None, expect=(200,)):
        body = urlencode([(name, value) for name, value in fields]).encode() if fields is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        if started - self.last_used > 1.0:
            self.close()  # an idle keep-alive connection may be closed by the server (gthread: after 2 s)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.recorder.add(kind, started, None, None, type(exc).__name__, self.user_index)
            self.close()
            raise Failed(f"{kind}: {type(exc).__name__}: {exc}") from exc
        self.last_used = time.monotonic()
        self.recorder.add(kind, started, self.last_used - started, response.status, None, self.user_index)
        for header in response.msg.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        if response.status not in expect:
            raise Failed(f"{kind} {method} {path}: HTTP {response.status}")
        return response, data.decode("utf-8", errors="replace")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def location_path(response):
    parts = urlsplit(response.getheader("Location") or "")
    return parts.path + (f"?{parts.query}" if parts.query else "")


class VirtualUser(threading.Thread):
    """One NGO's staff member: signs in (at most `gate` at a time), then follows its plan once the countdown runs.

    The plan's times are seconds from the countdown's start (recorder.t0).
    """

    def __init__(self, user, plan, port, recorder, gate):
        super().__init__(name=f"ngo-{user['index']}", daemon=True)
        self.user = user
        self.plan = plan
        self.browser = Browser(port, recorder, user["index"])
        self.recorder = recorder
        self.gate = gate
        self.signed_in = threading.Event()  # set when the sign-in is over, whether it worked or not
        self.form = None
        self.clicks = []  # per click: (accepted | already | refused | unexpected, detail, answered, s from t0)
        self.saves_done = 0
        self.last_summary = user["summary"]
        self.failure = None
        self.submit_sent_at = None

    def wait_until(self, offset):
        delay = self.recorder.t0 + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() > self.recorder.stop_at:
            raise Failed("the run's time limit passed")

    def run(self):
        try:
            try:
                with self.gate:
                    self.sign_in()
            finally:
                self.signed_in.set()
            if not self.recorder.go.wait(timeout=SIGN_IN_LIMIT + 60) or self.recorder.t0 is None:
                raise Failed("the countdown never started")
            self.countdown()
        except Failed as failure:
            self.failure = str(failure)
        except Exception as exc:  # a bug here, or a page we cannot read: counted as unexpected, the run goes on
            self.failure = f"{type(exc).__name__}: {exc}"
        finally:
            self.browser.close()

    def sign_in(self):
        """The sign-in form, signing in, and the application's edit page, which stays open in the tab."""
        user, browser = self.user, self.browser
        _r, page = browser.request("login_form", "GET", "/auth/login")
        form = find_form(page, lambda f: any(name == "password" for name, _v in f["fields"]))
        if form is None:
            raise Failed("no sign-in form")
        browser.request("login", "POST", "/auth/login", with_values(form, email=user["email"], password=PASSWORD),
                        expect=(302,))
        _r, page = browser.request("edit_page", "GET", f"/applications/{user['app_id']}/edit")
        self.form = find_form(page, lambda f: f["attrs"].get("id") == "application-form")
        if self.form is None:
            raise Failed("no application form on the edit page")

    def countdown(self):
        user, plan, browser, form = self.user, self.plan, self.browser, self.form
        fields = form["fields"]
        for n, at in enumerate(plan["saves"], 1):
            self.wait_until(at)
            summary = user["summary"] + (f" {n}-түзету." if user["language"] == "kk" else f" Уточнение {n}.")
            for field in fields:
                if field[0] == "summary":
                    field[1] = summary
            _r, body = browser.request("save", "POST", form["attrs"]["data-autosave"], fields,
                                       headers={"X-Requested-With": "fetch"})
            answer = json.loads(body)
            if not answer.get("saved"):
                raise Failed(f"autosave refused: {answer}")
            for field in fields:
                if field[0] == "revision":
                    field[1] = str(answer["revision"])
            self.last_summary = summary
            self.saves_done += 1
        self.wait_until(plan["review_at"])
        _r, page = browser.request("review_page", "GET", f"/applications/{user['app_id']}")
        form = find_form(page, lambda f: f["attrs"].get("action", "").endswith("/submit"))
        if form is None:
            raise Failed("no submit button on the overview page")
        self.wait_until(plan["submit_at"])
        self.submit_sent_at = time.monotonic() - self.recorder.t0
        if not plan["double"]:
            self.clicks.append(self.click(browser, form))
            return
        # A double click: two requests with the same session at the same moment, each tab following its answer.
        other = browser.copy()
        barrier = threading.Barrier(2, timeout=REQUEST_TIMEOUT)
        second = []
        helper = threading.Thread(target=lambda: second.append(self.click(other, form, barrier)), daemon=True)
        helper.start()
        try:
            self.clicks.append(self.click(browser, form, barrier))
        finally:
            helper.join(timeout=3 * REQUEST_TIMEOUT)
            other.close()
        self.clicks.extend(second)

    def click(self, browser, form, barrier=None):
        try:
            if barrier is not None:
                barrier.wait()
            response, _page = browser.request("submit", "POST", form["attrs"]["action"], form["fields"],
                                              expect=(302,))
            target = location_path(response)
            kind = "receipt" if target.endswith("/receipt") else "review_page"
            answered = time.monotonic() - self.recorder.t0
            _r, page = browser.request(kind, "GET", target)
        except (Failed, threading.BrokenBarrierError) as failure:
            return ("unexpected", str(failure), None)
        flashes = FLASH.findall(page)
        if kind == "receipt" and "success" in flashes:
            return ("accepted", target, answered)
        if kind == "receipt" and "info" in flashes:
            return ("already", target, answered)
        if kind == "review_page" and "error" in flashes:
            return ("refused", target, answered)
        return ("unexpected", f"{target} flashes {flashes}", answered)


def submit_window(deadline_in):
    return min(60.0, deadline_in * 2 / 3)


def plan_users(users, deadline_in, saves, seed):
    """When each user saves, opens the overview and clicks submit, in seconds from the countdown's start."""
    rng = random.Random(seed)
    order = list(range(len(users)))
    rng.shuffle(order)
    late = set(order[:max(1, round(len(users) * LATE_SHARE))])
    double = set(order[len(late):len(late) + max(1, round(len(users) * DOUBLE_SHARE))])
    window = submit_window(deadline_in)
    plans = []
    for i in range(len(users)):
        if i in late:
            submit_at = deadline_in + rng.uniform(1, 8)
            review_at = deadline_in - rng.uniform(3, 12)  # the page was opened before the deadline
        else:
            # denser towards the deadline: the density falls linearly from the margin back to the window's start
            back = SUBMIT_MARGIN + (window - SUBMIT_MARGIN) * (1 - math.sqrt(rng.random()))
            submit_at = deadline_in - back
            review_at = submit_at - rng.uniform(1, 5)
        save_times = sorted(rng.uniform(0.5, review_at - 0.5) for _ in range(saves))
        plans.append({"saves": save_times, "review_at": review_at, "submit_at": submit_at,
                      "late": i in late, "double": i in double})
    return plans


# --- the figures and the checks -------------------------------------------------------------------------------------


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(rows, t0, accepted_times):
    """Latency per kind over the whole run; request and submission rates over the countdown."""
    latency = {}
    for kind in KINDS:
        values = sorted(r[2] for r in rows if r[0] == kind and r[2] is not None)
        if values:
            latency[kind] = {"n": len(values), **{f"p{p}": round(percentile(values, p) * 1000, 1)
                                                  for p in (50, 95, 99)},
                             "max": round(values[-1] * 1000, 1)}
    countdown = [r for r in rows if r[1] >= t0]
    duration = max((r[1] + (r[2] or 0) - t0 for r in countdown), default=0)
    per_second = {}
    for t in accepted_times:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    span = (max(accepted_times) - min(accepted_times)) if len(accepted_times) > 1 else 0
    return {
        "requests": len(rows),
        "requests_in_countdown": len(countdown),
        "duration_s": round(duration, 1),
        "throughput": {
            "requests_per_s": round(len(countdown) / duration, 1) if duration else None,
            "submissions_accepted": len(accepted_times),
            "submissions_per_s_mean": round(len(accepted_times) / span, 2) if span else None,
            "submissions_per_s_peak_1s": max(per_second.values(), default=0),
            "submit_span_s": round(span, 1),
        },
        "latency_ms": latency,
    }


def database_checks(users, vus, deadline):
    """What the database, the audit chain and Redis hold, against what the client was told."""
    import sqlalchemy as sa

    from grants import audit
    from grants.applications.models import Application, Status, Version
    from grants.audit import AuditEvent
    from grants.extensions import db
    from grants.mail import OutboxMessage

    ids = [u["app_id"] for u in users]
    rows = {a.id: a for a in db.session.execute(sa.select(Application).where(Application.id.in_(ids))).scalars()}
    versions = {}
    for version in db.session.execute(sa.select(Version).where(Version.application_id.in_(ids))).scalars():
        versions.setdefault(version.application_id, []).append(version)
    submit_events = dict(db.session.execute(
        sa.select(AuditEvent.object_id, sa.func.count()).where(AuditEvent.verb == "application.submit")
        .group_by(AuditEvent.object_id)).all())
    mails = dict(db.session.execute(sa.select(OutboxMessage.to, sa.func.count()).group_by(OutboxMessage.to)).all())
    accepted = {vu.user["app_id"] for vu in vus if any(c[0] == "accepted" for c in vu.clicks)}
    submitted = {i for i, a in rows.items() if a.status == Status.submitted}
    by_email = {vu.user["app_id"]: vu.user["email"] for vu in vus}
    problems = {}

    def fail(check, detail):
        problems.setdefault(check, []).append(detail)

    for app_id in accepted:
        application = rows[app_id]
        mine = versions.get(app_id, [])
        if application.status != Status.submitted or len(mine) != 1 or application.version_count != 1:
            fail("accepted_in_db_exactly_once", f"app {app_id}: {application.status}, {len(mine)} versions")
        if submit_events.get(str(app_id)) != 1:
            fail("one_audit_event_per_submission", f"app {app_id}: {submit_events.get(str(app_id))}")
        if mails.get(by_email[app_id]) != 1:
            fail("one_receipt_mail_per_submission", f"app {app_id}: {mails.get(by_email[app_id])}")
    if submitted != accepted:
        fail("db_submitted_equals_client_accepted",
             f"in db not seen accepted: {sorted(submitted - accepted)[:10]}; seen not in db: "
             f"{sorted(accepted - submitted)[:10]}")
    for app_id in submitted:
        application = rows[app_id]
        times = [application.submitted_at] + [v.submitted_at for v in versions.get(app_id, [])]
        if any(t >= deadline for t in times):
            fail("none_submitted_after_deadline", f"app {app_id} at {application.submitted_at.isoformat()}")
    for vu in vus:
        app_id = vu.user["app_id"]
        outcomes = sorted(c[0] for c in vu.clicks)
        if vu.plan["late"]:
            # every click refused; a late user who never got to click (its page came after the deadline) is
            # counted under no_unexpected_answers
            if any(o != "refused" for o in outcomes):
                fail("late_attempts_all_refused", f"app {app_id}: {vu.clicks}")
            if rows[app_id].status != Status.draft or versions.get(app_id):
                fail("late_attempts_all_refused", f"app {app_id} is {rows[app_id].status} in the db")
            continue
        if outcomes.count("accepted") != 1:
            fail("on_time_submissions_all_accepted", f"app {app_id}: {vu.clicks} {vu.failure or ''}")
        if vu.plan["double"] and "accepted" in outcomes and outcomes != ["accepted", "already"]:
            fail("double_clicks_counted_once", f"app {app_id}: {vu.clicks}")
        content = versions[app_id][0].content["sections"] if versions.get(app_id) else rows[app_id].sections
        if content.get("summary") != vu.last_summary:
            fail("last_autosave_is_what_was_submitted", f"app {app_id}")
    numbers = sorted(int(rows[i].receipt_number.rsplit("-", 1)[1]) for i in submitted)
    if numbers != list(range(1, len(numbers) + 1)):
        fail("receipt_numbers_unique_without_gaps", f"{numbers[:5]}...")
    checked, broken, why = audit.verify()
    if broken is not None:
        fail("audit_chain_intact", f"broken at #{broken.id}: {why}")
    db.session.remove()
    return problems, {"db_submitted": len(submitted), "db_versions": sum(len(v) for v in versions.values()),
                      "audit_events_verified": checked}


def mail_queue(redis_url):
    from redis import Redis
    from rq import Queue

    return Queue("mail", connection=Redis.from_url(redis_url))


# --- the run --------------------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ngos", type=int, default=300, help="NGOs, one virtual user each (default 300)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread (default 4)")
    parser.add_argument("--deadline-in", type=float, default=90.0,
                        help="seconds from the load's start to the deadline (default 90, at least 45)")
    parser.add_argument("--saves", type=int, default=3, help="autosaves per user before submitting (default 3)")
    parser.add_argument("--sign-in-concurrency", type=int,
                        help="users signing in at the same time before the countdown (default: --workers)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="Redis URL for the RQ queues")
    parser.add_argument("--keep", action="store_true", help="keep the database, the queued mail and the log")
    parser.add_argument("--raw", type=Path, help="also write every request to this CSV file (kind, start offset s, "
                        "latency s, status, error, user)")
    args = parser.parse_args(argv)
    if args.deadline_in < 45:
        parser.error("--deadline-in must be at least 45 seconds")
    args.sign_in_concurrency = args.sign_in_concurrency or args.workers
    if args.ngos < 20:
        parser.error("--ngos must be at least 20")
    require_loopback(args.postgres, "PostgreSQL")
    require_loopback(args.redis, "Redis")
    return args


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the app and the tests' helpers, as the script runs from bench/
    import sqlalchemy as sa

    from tests.databases import throwaway_database

    started = time.monotonic()
    loadavg_before = os.getloadavg()
    folder = tempfile.mkdtemp(prefix="deadline_load_")
    try:
        with throwaway_database(args.postgres, "load", keep=args.keep, say=log) as db_url:
            report, problems = setup_and_run(args, started, folder, db_url)
            if args.keep:
                report["kept"] = {"database": sa.make_url(db_url).database, "logs": folder}
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    report["total_s"] = round(time.monotonic() - started, 1)
    report["machine"]["loadavg_before"] = [round(x, 2) for x in loadavg_before]
    report["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    report["ok"] = all(report["checks"].values())
    if problems:
        report["problems"] = {k: v[:10] for k, v in problems.items()}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["ok"] else 1


def setup_and_run(args, started, folder, db_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAIQAU_")}
    env.update(BAIQAU_ENV="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=db_url,
               REDIS_URL=args.redis, BAIQAU_UPLOAD_FOLDER=str(Path(folder) / "uploads"))
    flask_command(env, "db", "upgrade")
    log("migrated")
    log(flask_command(env, "load-reference"))
    for key in [k for k in os.environ if k.startswith("BAIQAU_")]:
        del os.environ[key]
    os.environ.update(env)  # create_app() below reads the same settings as gunicorn
    from grants.app import create_app
    from grants.extensions import db

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)  # the builder's own audit lines are not worth reading
    queue = mail_queue(args.redis)
    queued_before = set(queue.get_job_ids())
    # gunicorn's workers import the app while the world is built
    server = Server(env, args.workers, args.worker_class, args.threads, folder)
    try:
        with app.app_context():
            call_id, users = build_world(args.ngos, args.seed)
            db.session.remove()
            db.engine.dispose()
        log(f"world built: {len(users)} NGOs")
        server.wait_ready()
        setup_s = time.monotonic() - started
        log(f"gunicorn ready on 127.0.0.1:{server.port} ({args.workers} {args.worker_class} workers); "
            f"setup took {setup_s:.0f} s")
        report, problems = run_load(args, app, call_id, users, server, queue, queued_before)
    finally:
        server.stop()
        if not args.keep:
            for job_id in set(queue.get_job_ids()) - queued_before:  # this run's receipt mail: never to be sent
                job = queue.fetch_job(job_id)
                if job is not None:
                    job.delete()
    report["setup_s"] = round(setup_s, 1)
    errors_in_log = server.log_errors()
    report["errors"]["server_log_errors"] = len(errors_in_log)
    report["checks"]["server_log_clean"] = not errors_in_log
    if errors_in_log:
        problems["server_log_clean"] = errors_in_log[:10]
    return report, problems


def run_load(args, app, call_id, users, server, queue, queued_before):
    """Sign everyone in, start the countdown, let the users save and submit, then gather figures and checks."""
    plans = plan_users(users, args.deadline_in, args.saves, args.seed)
    recorder = Recorder()
    gate = threading.BoundedSemaphore(args.sign_in_concurrency)
    vus = [VirtualUser(user, plan, server.port, recorder, gate) for user, plan in zip(users, plans, strict=True)]
    busy_before, total_before = machine_busy_seconds()
    client_before, server_before = time.process_time(), server.cpu_seconds()
    log(f"sign-in: {len(vus)} users, {args.sign_in_concurrency} at a time")
    sign_in_started = time.monotonic()
    for vu in vus:
        vu.start()
    for vu in vus:
        vu.signed_in.wait(timeout=max(0.0, sign_in_started + SIGN_IN_LIMIT - time.monotonic()))
    sign_in_s = time.monotonic() - sign_in_started
    signed_in = sum(vu.form is not None for vu in vus)
    recorder.t0 = t0 = time.monotonic() + 1.0
    recorder.stop_at = t0 + args.deadline_in + 30
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.0 + args.deadline_in)
    with app.app_context():
        set_deadline(call_id, deadline)
    log(f"{signed_in} signed in in {sign_in_s:.0f} s; countdown: deadline in {args.deadline_in:.0f} s")
    recorder.go.set()
    for vu in vus:
        vu.join(timeout=max(0.0, recorder.stop_at + 3 * REQUEST_TIMEOUT - time.monotonic()))
    stragglers = sum(vu.is_alive() for vu in vus)
    end = time.monotonic()
    busy_after, total_after = machine_busy_seconds()
    client_cpu, server_cpu = time.process_time() - client_before, server.cpu_seconds() - server_before
    rows = sorted(recorder.rows, key=lambda r: r[1])
    if args.raw:
        with args.raw.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(("kind", "start_s_from_countdown", "latency_s", "status", "error", "user"))
            writer.writerows((r[0], round(r[1] - t0, 4), *r[2:]) for r in rows)
    accepted_at = sorted(c[2] for vu in vus for c in vu.clicks if c[0] == "accepted")
    logins = [r for r in rows if r[0] == "login" and r[3] == 302]
    report = {"ngos": args.ngos, "workers": args.workers, "worker_class": args.worker_class,
              "threads": args.threads if args.worker_class == "gthread" else 1, "deadline_in_s": args.deadline_in,
              "saves_per_user": args.saves, "submit_window_s": round(submit_window(args.deadline_in), 1),
              "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "sign_in": {"signed_in": signed_in, "duration_s": round(sign_in_s, 1),
                          "concurrency": args.sign_in_concurrency,
                          "per_s": round(len(logins) / sign_in_s, 1) if sign_in_s else None},
              **summarise(rows, t0, accepted_at)}
    # the submit requests answered 302 include the losing half of double clicks and the late ones
    report["throughput"]["submit_requests_answered"] = sum(1 for r in rows if r[0] == "submit" and r[3] == 302)
    statuses = [r[3] for r in rows if r[3] is not None]
    failures = [vu.failure for vu in vus if vu.failure]
    unexpected_clicks = [c for vu in vus for c in vu.clicks if c[0] == "unexpected"]
    report["errors"] = {
        "5xx": sum(s >= 500 for s in statuses),
        "429": statuses.count(429),
        "connection": sum(1 for r in rows if r[4] is not None),
        "unexpected_answers": len(failures) + len(unexpected_clicks),
        "users_unfinished": stragglers,
        "first_failures": (failures + [c[1] for c in unexpected_clicks])[:5],
    }
    late = [vu for vu in vus if vu.plan["late"]]
    on_time_sent = [vu.submit_sent_at for vu in vus if not vu.plan["late"] and vu.submit_sent_at is not None]
    report["outcomes"] = {
        "on_time_users": len(vus) - len(late),
        "accepted": sum(any(c[0] == "accepted" for c in vu.clicks) for vu in vus),
        "double_clicks": sum(vu.plan["double"] for vu in vus),
        "double_clicks_second_saw_already": sum(
            sorted(c[0] for c in vu.clicks) == ["accepted", "already"] for vu in vus if vu.plan["double"]),
        "late_attempts": len(late),
        "late_refused": sum(bool(vu.clicks) and all(c[0] == "refused" for c in vu.clicks) for vu in late),
        "autosaves": sum(vu.saves_done for vu in vus),
        "last_on_time_click_s_before_deadline": round(args.deadline_in - max(on_time_sent), 2)
        if on_time_sent else None,
        "last_acceptance_s_before_deadline": round(args.deadline_in - max(accepted_at), 2) if accepted_at else None,
    }
    with app.app_context():
        problems, db_figures = database_checks(users, vus, deadline)
    report["database"] = db_figures
    queued = len(set(queue.get_job_ids()) - queued_before)
    report["database"]["mail_jobs_queued_in_redis"] = queued
    if queued != report["outcomes"]["accepted"]:
        problems.setdefault("one_mail_job_in_redis_per_submission", []).append(f"{queued} jobs")
    busy = busy_after - busy_before
    report["machine"] = {
        "cores": os.cpu_count(),
        "cpu_busy_pct": round(100 * busy / (total_after - total_before), 1),
        "client_cpu_s": round(client_cpu, 1),
        "gunicorn_workers_cpu_s": round(server_cpu, 1),
        "other_cpu_s": round(busy - client_cpu - server_cpu, 1),
        "wall_s": round(end - sign_in_started, 1),
    }
    names = ("no_5xx", "no_connection_errors", "no_429", "no_unexpected_answers", "accepted_in_db_exactly_once",
             "db_submitted_equals_client_accepted", "none_submitted_after_deadline", "late_attempts_all_refused",
             "double_clicks_counted_once", "on_time_submissions_all_accepted", "last_autosave_is_what_was_submitted",
             "receipt_numbers_unique_without_gaps", "one_audit_event_per_submission", "one_receipt_mail_per_submission",
             "one_mail_job_in_redis_per_submission", "audit_chain_intact")
    errors = report["errors"]
    if errors["5xx"]:
        problems["no_5xx"] = [f"{errors['5xx']} answers"]
    if errors["connection"]:
        problems["no_connection_errors"] = [f"{errors['connection']} requests"]
    if errors["429"]:
        problems["no_429"] = [f"{errors['429']} answers"]
    if errors["unexpected_answers"] or stragglers:
        problems["no_unexpected_answers"] = errors["first_failures"] or [f"{stragglers} users unfinished"]
    report["checks"] = {name: name not in problems for name in names}
    return report, problems


if __name__ == "__main__":
    sys.exit(main())
