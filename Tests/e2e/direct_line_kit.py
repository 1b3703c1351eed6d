"""Helpers of the direct line's browser tests: users made with the server's own command line, a small HTTP client
for what a test does behind a page's back (a citizen's letter, a colleague's action), and signing in on the console.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar

from playwright.sync_api import Page

from conftest import REPO, cluster_postgres

# The direct line's limits for tests that write many letters from one address (one machine plays every citizen).
LIMITS = ("directLine: {threadsPerCitizenPerHour: 100, threadsPerIpPerHour: 1000, messagesPerCitizenPerMinute: 100, "
          "messagesPerIpPerMinute: 1000, codeLookupsPerIpPerMinute: 1000}")

PASSWORD = "e2e-Console-Passw0rd-2026"


def add_user(server, name: str, role: str = "staff", departments: tuple[str, ...] = (), display: str | None = None,
             password: str = PASSWORD) -> str:
    """`lastword user add` against the running server's database (SQLite in WAL mode lets a second process write; on
    PostgreSQL any node's process may)."""
    command = [server.binary, "user", "add", name, "--role", role, "--password-stdin",
               "--config", str(server.config), "--database", server.database]
    for department in departments:
        command += ["--department", department]
    if display:
        command += ["--display-name", display]
    result = subprocess.run(command, input=password, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, f"lastword user add {name} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return name


def change_password(server, name: str, password: str) -> None:
    """`lastword user passwd`: every session of the user ends, even on the running server."""
    result = subprocess.run(
        [server.binary, "user", "passwd", name, "--password-stdin", "--config", str(server.config),
         "--database", server.database],
        input=password, capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert result.returncode == 0, f"lastword user passwd {name} failed:\n{result.stdout}\n{result.stderr}"


class Client:
    """One person's HTTP session (cookies kept), without an Origin header (a script, which the server lets through)."""

    def __init__(self, server):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with self.opener.open(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {"raw": text}

    def ok(self, method: str, path: str, body: dict | None = None) -> dict | None:
        status, answer = self.call(method, path, body)
        assert 200 <= status < 300, f"{method} {path} → {status} {answer}"
        return answer


def citizen_letter(server, subject: str, body: str, kind: str = "enquiry") -> dict:
    """A new citizen writes a letter (to the mayor's office); returns the CitizenThread."""
    citizen = Client(server)
    citizen.ok("GET", "/api/session")
    answer = citizen.ok("POST", "/api/threads", {"id": f"t-e2e-{uuid.uuid4().hex[:16]}", "kind": kind, "subject": subject,
                                                "body": body, "publish": False})
    return answer["thread"]


def staff_client(server, name: str, password: str = PASSWORD) -> Client:
    client = Client(server)
    client.ok("POST", "/api/staff/login", {"name": name, "password": password})
    return client


def thread_id(staff: Client, code: str) -> int:
    threads = staff.ok("GET", "/api/staff/threads?limit=200")["threads"]
    return next(t["id"] for t in threads if t["code"] == code)


def action_id() -> str:
    """A fresh client id for a write (the same id again would be the same write)."""
    return f"x-e2e-{uuid.uuid4().hex[:16]}"


def sign_in(page: Page, server, name: str, password: str = PASSWORD, path: str = "/staff/login") -> None:
    page.goto(server.url + path)
    page.locator("#staff-name").fill(name)
    page.locator("#staff-password").fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(server.url + "/staff**")
    page.wait_for_selector('body[data-inbox-loaded="true"]')


def citizen_writes(server, subject: str, body: str, kind: str = "enquiry", publish: bool = False,
                   contact: str | None = None, project: str | None = None) -> tuple[Client, dict]:
    """A new citizen writes a letter; returns the citizen's own HTTP session (to rate the answer later) and the
    CitizenThread."""
    citizen = Client(server)
    citizen.ok("GET", "/api/session")
    letter = {"id": f"t-e2e-{uuid.uuid4().hex[:16]}", "kind": kind, "subject": subject, "body": body, "publish": publish}
    if contact:
        letter["contact"] = contact
    if project:
        letter["project"] = project
    return citizen, citizen.ok("POST", "/api/threads", letter)["thread"]


def answer_letter(staff: Client, code: str, body: str) -> int:
    """A staff member answers a letter (its status becomes answered, `firstAnswerAt` is set); returns its id."""
    identifier = thread_id(staff, code)
    staff.ok("POST", f"/api/staff/threads/{identifier}/messages", {"id": action_id(), "body": body})
    return identifier


def sign_in_moderation(page: Page, server, name: str, password: str = PASSWORD) -> None:
    """Opens /moderate signed out: the login page (with ?next=/moderate) brings the moderator back to the queue."""
    page.goto(server.url + "/moderate")
    page.wait_for_url("**/staff/login?next=%2Fmoderate")
    page.locator("#staff-name").fill(name)
    page.locator("#staff-password").fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(server.url + "/moderate")
    page.wait_for_selector('body[data-queue-loaded="true"]')


def backdate_letter(server, code: str, days: float) -> None:
    """Moves a letter's arrival `days` into the past in the running server's database (SQLite in WAL mode lets a second
    process write; in a cluster, psql on its PostgreSQL database): its deadlines, which the server computes from the
    arrival, have then passed. Test data, as a letter written days ago would be; the server computes everything else
    as usual."""
    shift = int(days * 86_400_000)
    if server.database.startswith("postgres"):
        changed = cluster_postgres().execute(
            server.database, "UPDATE thread SET created_at = created_at - :shift WHERE code = :'code' RETURNING 1;",
            shift=str(shift), code=code)
        assert changed.split() == ["1"], f"no letter {code}"
        return
    database = sqlite3.connect(server.database, timeout=10)
    try:
        with database:
            changed = database.execute("UPDATE thread SET created_at = created_at - ? WHERE code = ?", (shift, code)).rowcount
        assert changed == 1, f"no letter {code}"
    finally:
        database.close()
