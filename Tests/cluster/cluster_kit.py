"""Clients for the cluster tests: a board watcher that follows a campaign topic (snapshot, deltas, resume with
`since` and `epoch` after a dropped connection), voters and letter writers that retry their unacknowledged write with
the same client id after reconnecting (docs/PROTOCOL.md), and the checks against PostgreSQL."""
from __future__ import annotations

import asyncio
import copy
import json
import random
import time
import urllib.request

import websockets

from conftest import CAMPAIGN, http

DROPPED = (OSError, asyncio.TimeoutError, websockets.ConnectionClosed, websockets.InvalidHandshake, websockets.InvalidURI)
TALLY_FIELDS = ("participants", "counts", "likes", "suggestions")


def new_citizen(base: str) -> str:
    """A new citizen's `lw_citizen=…` cookie from GET /api/session."""
    with urllib.request.urlopen(base + "/api/session", timeout=10) as response:
        for header in response.headers.get_all("Set-Cookie"):
            if header.startswith("lw_citizen="):
                return header.split(";", 1)[0]
    raise RuntimeError("no citizen cookie")


def token_of(cookie: str) -> str:
    return cookie.split("=", 1)[1].split(".", 1)[0]


def slugs(base: str) -> list[str]:
    status, answer, _ = http("GET", f"{base}/api/campaigns/{CAMPAIGN}")
    assert status == 200, answer
    return [project["slug"] for project in answer["projects"]]


def open_letter(base: str, cookie: str, subject: str, body: str, client_id: str) -> str:
    status, answer, _ = http("POST", base + "/api/threads", {"id": client_id, "kind": "enquiry", "subject": subject,
                                                             "body": body, "publish": False}, {"Cookie": cookie})
    assert status in (200, 201), (status, answer)
    return answer["thread"]["code"]


class Board:
    """A campaign topic as a page keeps it: the snapshot, deltas merged in order, resubscribing with `since` on a gap
    and without on another epoch."""

    def __init__(self, topic: str = f"campaign:{CAMPAIGN}"):
        self.topic = topic
        self.state: dict | None = None
        self.seq: int | None = None
        self.epoch: str | None = None
        self.snapshots = 0
        self.deltas = 0
        self.resumes = 0
        self.updated = asyncio.Event()

    def subscribe_message(self) -> dict:
        message = {"type": "subscribe", "topic": self.topic}
        if self.seq is not None:
            message.update(since=self.seq, epoch=self.epoch)
            self.resumes += 1
        return message

    def handle(self, message: dict) -> dict | None:
        """Applies a snapshot or delta; returns a subscribe message to send when the client must ask again."""
        if message.get("topic") != self.topic:
            return None
        if message["type"] == "snapshot":
            self.state = copy.deepcopy(message["data"])
            self.seq, self.epoch = message["seq"], message["epoch"]
            self.snapshots += 1
        elif message["type"] == "delta":
            if self.state is None or message["epoch"] != self.epoch:
                self.seq = self.epoch = None
                return {"type": "subscribe", "topic": self.topic}
            if message["seq"] <= self.seq:
                return None
            if message["seq"] > self.seq + 1:
                return self.subscribe_message()
            for key, value in message["data"].items():
                if key == "projects":
                    for slug, fields in value.items():
                        self.state.setdefault("projects", {}).setdefault(slug, {}).update(fields)
                else:
                    self.state[key] = value
            self.seq = message["seq"]
            self.deltas += 1
        else:
            return None
        self.updated.set()
        return None

    def tally(self, slug: str) -> dict | None:
        if self.state is None:
            return None
        project = self.state.get("projects", {}).get(slug)
        return {field: project.get(field) for field in TALLY_FIELDS} if project else None


class Watcher:
    """A board page: one WebSocket to `url`, watching the campaign; reconnects (to `url` again: through the proxy,
    another node) and resumes with `since` and `epoch` when its connection drops."""

    def __init__(self, url: str, name: str = ""):
        self.url, self.name = url, name
        self.board = Board()
        self.connections = 0
        self.drops = 0
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with websockets.connect(self.url, open_timeout=5) as ws:
                    self.connections += 1
                    await ws.send(json.dumps(self.board.subscribe_message()))
                    self.connected.set()
                    while not stop.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), 0.25)
                        except asyncio.TimeoutError:
                            continue
                        again = self.board.handle(json.loads(raw))
                        if again:
                            await ws.send(json.dumps(again))
            except DROPPED:
                self.connected.clear()
                self.drops += 1
                await asyncio.sleep(0.1)

    async def wait_for(self, predicate, timeout: float = 10, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not (self.board.state is not None and predicate(self.board)):
            if time.monotonic() > deadline:
                raise AssertionError(f"watcher {self.name}: {what} not seen within {timeout} s; board "
                                     f"{json.dumps(self.board.state, ensure_ascii=False)[:1500]}")
            self.board.updated.clear()
            try:
                await asyncio.wait_for(self.board.updated.wait(), 0.2)
            except asyncio.TimeoutError:
                pass


class Counts:
    def __init__(self):
        self.retries = self.duplicates = self.reconnects = self.refused = 0
        self.refusals: dict[str, int] = {}

    def refuse(self, code: str) -> None:
        self.refused += 1
        self.refusals[code] = self.refusals.get(code, 0) + 1


async def voter(index: int, url: str, cookie: str, project_slugs: list[str], acknowledged: dict, stop: asyncio.Event,
                counts: Counts, board: Board | None = None) -> None:
    """Rates and likes over one WebSocket through `url`, also watching the board; after a drop, reconnects, resumes the
    board with `since`, and sends its unacknowledged write again with the same id."""
    rng = random.Random(index)
    pending = None
    sequence = 0
    board = board or Board()
    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers={"Cookie": cookie}, open_timeout=5) as ws:
                await ws.send(json.dumps(board.subscribe_message()))
                while not stop.is_set():
                    if pending is None:
                        sequence += 1
                        project = rng.choice(project_slugs)
                        if rng.random() < 0.2:
                            pending = {"type": "like", "id": f"v{index}-{sequence}", "project": project,
                                       "liked": rng.random() < 0.7}
                        else:
                            pending = {"type": "rate", "id": f"v{index}-{sequence}", "project": project,
                                       "level": rng.randint(1, 5),
                                       "suggestion": f"集群建议 {index}-{sequence}" if rng.random() < 0.2 else None}
                    else:
                        counts.retries += 1
                    await ws.send(json.dumps(pending))
                    while True:
                        reply = json.loads(await asyncio.wait_for(ws.recv(), 15))
                        again = board.handle(reply)
                        if again:
                            await ws.send(json.dumps(again))
                        if reply.get("id") == pending["id"] and reply.get("type") in ("ack", "error"):
                            break
                    if reply["type"] == "ack":
                        acknowledged[(cookie, pending["id"])] = pending
                        counts.duplicates += reply["status"] == "duplicate"
                        pending = None
                        await asyncio.sleep(rng.uniform(0.01, 0.05))
                    else:
                        counts.refuse(reply.get("error", "?"))
                        if reply.get("error", "").startswith(("limit.", "server.")):
                            await asyncio.sleep(0.1)
                        else:
                            pending = None
        except DROPPED:
            counts.reconnects += 1
            await asyncio.sleep(0.1)


async def writer(index: int, url: str, cookie: str, code: str, acknowledged: dict, received: dict, stop: asyncio.Event,
                 counts: Counts) -> None:
    """Posts messages in its letter over one WebSocket through `url`, watching the thread; after a drop, reconnects,
    subscribes again with the last `seq` it saw and sends its unacknowledged message again with the same id."""
    topic = "thread:" + code
    pending = None
    sequence = 0
    seen = received.setdefault(code, [])
    while not stop.is_set():
        try:
            async with websockets.connect(url, additional_headers={"Cookie": cookie}, open_timeout=5) as ws:
                await ws.send(json.dumps({"type": "subscribe", "topic": topic, "since": seen[-1] if seen else 0}))
                while True:  # the entries missed, then caught_up
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 15))
                    if reply.get("type") == "entry" and reply["entry"]["seq"] > (seen[-1] if seen else 0):
                        seen.append(reply["entry"]["seq"])
                    if reply.get("type") == "caught_up":
                        break
                while not stop.is_set():
                    if pending is None:
                        sequence += 1
                        pending = {"type": "post", "id": f"w{index}-{sequence}", "topic": topic,
                                   "body": f"集群消息 {index}-{sequence}"}
                    else:
                        counts.retries += 1
                    await ws.send(json.dumps(pending))
                    while True:
                        reply = json.loads(await asyncio.wait_for(ws.recv(), 15))
                        if reply.get("type") == "entry" and reply["entry"]["seq"] > (seen[-1] if seen else 0):
                            seen.append(reply["entry"]["seq"])
                            continue
                        if reply.get("id") == pending["id"] and reply.get("type") in ("ack", "error"):
                            break
                    if reply["type"] == "ack":
                        acknowledged[(cookie, pending["id"])] = (code, reply["entry"]["seq"], pending["body"])
                        counts.duplicates += reply["status"] == "duplicate"
                        pending = None
                        await asyncio.sleep(random.uniform(0.02, 0.08))
                    else:
                        counts.refuse(reply.get("error", "?"))
                        if reply.get("error", "").startswith(("limit.", "server.")):
                            await asyncio.sleep(0.1)
                        else:
                            pending = None
        except DROPPED:
            counts.reconnects += 1
            await asyncio.sleep(0.1)


# -- checks against PostgreSQL ---------------------------------------------------------------------------------------

def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def check_acknowledged_writes(cluster, ratings: dict, messages: dict) -> None:
    """Every acknowledged rating and like is applied once with what was acknowledged, each (citizen, project)'s rating
    is the latest acknowledged one, and every acknowledged message is stored once with its acknowledged seq and text,
    in threads numbered without gaps."""
    applied = {(row[0], row[1]): row[2:] for row in cluster.psql(
        "SELECT c.token, a.client_id, p.slug, a.kind, coalesce(a.level::text, ''), coalesce(a.suggestion, ''), "
        "coalesce(a.liked::text, '') FROM applied_action a JOIN citizen c ON c.id = a.citizen JOIN project p ON p.id = a.project")}
    problems = []
    latest: dict = {}
    for (cookie, client_id), message in ratings.items():
        row = applied.get((token_of(cookie), client_id))
        if message["type"] == "rate":
            expected = [message["project"], "rate", str(message["level"]), message["suggestion"] or "", ""]
        else:
            expected = [message["project"], "like", "", "", "1" if message["liked"] else "0"]
        if row != expected:
            problems.append(f"{client_id}: acknowledged {expected}, stored {row}")
        if message["type"] == "rate":
            number = int(client_id.rsplit("-", 1)[1])
            key = (token_of(cookie), message["project"])
            if key not in latest or latest[key][0] < number:
                latest[key] = (number, message)
    stored = {(row[0], row[1]): row[2:] for row in cluster.psql(
        "SELECT c.token, p.slug, r.level::text, coalesce(r.suggestion, '') FROM rating r JOIN citizen c ON c.id = r.citizen "
        "JOIN project p ON p.id = r.project")}
    for key, (_, message) in latest.items():
        if stored.get(key) != [str(message["level"]), message["suggestion"] or ""]:
            problems.append(f"rating {key}: latest acknowledged {message}, stored {stored.get(key)}")
    entries: dict = {}
    for token, client_id, code, seq, body in cluster.psql(
            "SELECT c.token, e.client_id, t.code, e.seq::text, e.body FROM thread_entry e JOIN thread t ON t.id = e.thread "
            "JOIN citizen c ON c.id = e.citizen WHERE e.client_id IS NOT NULL"):
        entries.setdefault((token, client_id), []).append((code, int(seq), body))
    for (cookie, client_id), (code, seq, body) in messages.items():
        if entries.get((token_of(cookie), client_id)) != [(code, seq, body)]:
            problems.append(f"message {client_id}: acknowledged {(code, seq, body)}, stored {entries.get((token_of(cookie), client_id))}")
    for code in {code for code, _, _ in messages.values()}:
        seqs = [int(row[0]) for row in cluster.psql(
            f"SELECT e.seq FROM thread_entry e JOIN thread t ON t.id = e.thread WHERE t.code = {sql_text(code)} ORDER BY e.seq")]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"thread {code} numbered {seqs}")
    assert not problems, f"{len(problems)} acknowledged writes not stored as acknowledged:\n" + "\n".join(problems[:30])


def postgres_board(cluster) -> dict:
    """The campaign's tallies as PostgreSQL has them, in the board's shape."""
    projects = {}
    for slug, l1, l2, l3, l4, l5, likes, suggestions, participants in cluster.psql(
            "SELECT p.slug, t.level1, t.level2, t.level3, t.level4, t.level5, t.likes, t.suggestions, "
            "(SELECT count(*) FROM rating r WHERE r.project = p.id) FROM project p JOIN tally t ON t.project = p.id "
            f"WHERE p.campaign = {sql_text(CAMPAIGN)}"):
        projects[slug] = {"participants": int(participants), "counts": [int(l1), int(l2), int(l3), int(l4), int(l5)],
                          "likes": int(likes), "suggestions": int(suggestions)}
    participants = cluster.psql(f"SELECT participants FROM campaign_tally WHERE campaign = {sql_text(CAMPAIGN)}")
    return {"participants": int(participants[0][0]) if participants else 0, "projects": projects}


def board_view(board: Board) -> dict:
    return {"participants": board.state.get("participants"),
            "projects": {slug: board.tally(slug) for slug in board.state.get("projects", {})}}


async def fresh_board(url: str, timeout: float = 10) -> Board:
    """A snapshot of the campaign from a new connection to `url`."""
    board = Board()
    async with websockets.connect(url, open_timeout=5) as ws:
        await ws.send(json.dumps(board.subscribe_message()))
        while board.state is None:
            board.handle(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
    return board
