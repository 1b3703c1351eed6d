"""Helpers of the public pages' browser tests (test_public_pages.py): what happens behind the pages' backs over the
server's HTTP API (docs/PROTOCOL.md "Public replies, moderation and the openness figures") — a citizen's letter that
may be published, the office's answer and public version, a moderator's decision, the citizen's rating of the answer —
and the checks every public page gets (no horizontal overflow, the smallest text).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from playwright.sync_api import Page

from direct_line_kit import Client, action_id, add_user, staff_client

LIMITS = ("directLine: {threadsPerCitizenPerHour: 1000, threadsPerIpPerHour: 10000, messagesPerCitizenPerMinute: 1000, "
          "messagesPerIpPerMinute: 10000, codeLookupsPerIpPerMinute: 1000}")

OFFICE = "pub.office"  # the mayor's office (triage: answers and writes public versions for every department)
MODERATOR = "pub.moderator"


def add_people(server) -> tuple[Client, Client]:
    """The office clerk and the moderator, signed in: (office, moderator)."""
    add_user(server, OFFICE, "staff", ("mayors-office",), "李公开")
    add_user(server, MODERATOR, "moderator", (), "陈明审")
    return staff_client(server, OFFICE), staff_client(server, MODERATOR)


@dataclass
class Letter:
    citizen: Client
    code: str
    id: int


def write_letter(server, office: Client, subject: str, body: str, kind: str = "enquiry", project: str | None = None,
                 publish: bool = True, contact: str | None = None) -> Letter:
    """A new citizen writes to the mayor (agreeing to publication by default); returns the letter with its staff id."""
    citizen = Client(server)
    citizen.ok("GET", "/api/session")
    draft = {"id": f"t-pub-{uuid.uuid4().hex[:16]}", "kind": kind, "subject": subject, "body": body, "publish": publish}
    if project:
        draft["project"] = project
    if contact:
        draft["contact"] = contact
    thread = citizen.ok("POST", "/api/threads", draft)["thread"]
    threads = office.ok("GET", "/api/staff/threads?limit=200")["threads"]
    staff_id = next(t["id"] for t in threads if t["code"] == thread["code"])
    return Letter(citizen, thread["code"], staff_id)


def route(office: Client, letter: Letter, department: str) -> None:
    office.ok("POST", f"/api/staff/threads/{letter.id}/route", {"id": action_id(), "department": department, "note": "转办"})


def answer(office: Client, letter: Letter, text: str) -> None:
    office.ok("POST", f"/api/staff/threads/{letter.id}/messages", {"id": action_id(), "body": text})


def submit_public(office: Client, letter: Letter, question: str, reply: str) -> int:
    """The office writes the public version; returns its id (the moderation item)."""
    return office.ok("POST", f"/api/staff/threads/{letter.id}/public",
                     {"id": action_id(), "question": question, "answer": reply})["version"]["id"]


def approve(moderator: Client, version: int, question: str | None = None, reply: str | None = None) -> dict:
    body: dict = {"id": action_id()}
    if question is not None:
        body["question"] = question
    if reply is not None:
        body["answer"] = reply
    moderator.ok("POST", f"/api/moderation/items/{version}/open")
    return moderator.ok("POST", f"/api/moderation/items/{version}/approve", body)["version"]


def decide(moderator: Client, version: int, action: str, category: str, note: str) -> dict:
    """reject (a pending item, opened first) or withdraw (an approved one), with a category and a note for the author
    (never public)."""
    if action == "reject":
        moderator.ok("POST", f"/api/moderation/items/{version}/open")
    return moderator.ok("POST", f"/api/moderation/items/{version}/{action}",
                        {"id": action_id(), "category": category, "note": note})["version"]


def rate_answer(letter: Letter, level: int) -> dict:
    return letter.citizen.ok("POST", f"/api/threads/{letter.code}/satisfaction", {"level": level})["thread"]


def published_letter(server, office: Client, moderator: Client, question: str, reply: str, *, kind: str = "enquiry",
                     project: str | None = None, department: str | None = None) -> tuple[Letter, int]:
    """A letter written, routed (if a department is given), answered, its public version submitted and approved as
    written: (the letter, the version's id)."""
    letter = write_letter(server, office, question[:30], question, kind=kind, project=project)
    if department:
        route(office, letter, department)
    answer(office, letter, reply)
    version = submit_public(office, letter, question, reply)
    approve(moderator, version)
    return letter, version


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than its viewport (0: nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def smallest_text(page: Page) -> float:
    """The smallest computed font size (px) of any visible element holding text of its own."""
    return page.evaluate(
        """() => {
          let smallest = Infinity;
          for (const node of document.querySelectorAll('body *')) {
            const own = Array.from(node.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim());
            if (!own) continue;
            const box = node.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) continue;
            const style = getComputedStyle(node);
            if (style.visibility === 'hidden' || style.clipPath === 'inset(50%)' || node.closest('.visually-hidden')) continue;
            smallest = Math.min(smallest, parseFloat(style.fontSize));
          }
          return smallest;
        }"""
    )
