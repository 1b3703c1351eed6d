"""Backups and restore with the built binary, while citizens rate and write to the mayor.

Voters rate over the live WebSocket and letter writers post messages over HTTP, continuously; every acknowledgement is
recorded with the moment it arrived. `lastword backup FILE` runs mid-stream, from another process; the writes go on.
`lastword restore FILE` is refused while the server runs; once it is stopped, the restore puts the backup back. Then
every rating and message acknowledged before the backup started is in the database, none sent after it finished is,
the replaced database is kept whole, the restarted server serves the restored tallies, and `lastword verify` passes.
"""
import asyncio
import json
import random
import signal
import sqlite3
import subprocess
import time
import urllib.request

import websockets

from conftest import ROOT, binary, start_server, stop_server

# Limits high enough that a handful of scripted clients are never refused.
UNLIMITED = """\
integrity:
  perIpPerSecond: 100000
  perIpBurst: 100000
  perCitizenPerSecond: 100000
  perCitizenBurst: 100000
  newCitizensPerIpPerHour: 100000
directLine:
  threadsPerCitizenPerHour: 100000
  threadsPerIpPerHour: 100000
  messagesPerCitizenPerMinute: 100000
  messagesPerIpPerMinute: 100000
log:
  level: warning
"""

SWIFT = ("DecodingError", "Optional(", "Error Domain=", "DatabaseError", "BackupError", "StorageError")


def lastword(server, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary()), *arguments, "--config", str(server.config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def new_citizen(base: str) -> str:
    with urllib.request.urlopen(base + "/api/session", timeout=10) as response:
        for header in response.headers.get_all("Set-Cookie"):
            if header.startswith("lw_citizen="):
                return header.split(";", 1)[0]
    raise RuntimeError("no citizen cookie")


def token(cookie: str) -> str:
    return cookie.split("=", 1)[1].split(".", 1)[0]


def post(base: str, path: str, cookie: str, body: dict) -> dict:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Cookie": cookie, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Journal:
    """Every write sent and every acknowledgement, with the moments (time.monotonic()) they happened."""

    def __init__(self):
        self.ratings = []    # (cookie, client id, sent, acknowledged)
        self.messages = []   # (cookie, client id, sent, acknowledged)

    def acknowledged_before(self, moment: float):
        return ([r for r in self.ratings if r[3] < moment], [m for m in self.messages if m[3] < moment])

    def sent_after(self, moment: float):
        return ([r for r in self.ratings if r[2] > moment], [m for m in self.messages if m[2] > moment])


async def voter(index: int, cookie: str, server, slugs: list, journal: Journal, stop: asyncio.Event):
    rng = random.Random(index)
    sequence = 0
    async with websockets.connect(server.ws_url + "/ws", additional_headers={"Cookie": cookie}, open_timeout=10) as ws:
        while not stop.is_set():
            sequence += 1
            client_id = f"v{index}-{sequence}"
            sent = time.monotonic()
            await ws.send(json.dumps({"type": "rate", "id": client_id, "project": rng.choice(slugs),
                                      "level": rng.randint(1, 5), "suggestion": None}))
            while True:
                reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if reply.get("id") == client_id or reply.get("type") == "error":
                    break
            assert reply["type"] == "ack" and reply["status"] == "applied", reply
            journal.ratings.append((cookie, client_id, sent, time.monotonic()))


async def letter_writer(index: int, cookie: str, server, journal: Journal, stop: asyncio.Event):
    letter = await asyncio.to_thread(post, server.base_url, "/api/threads", cookie,
                                     {"id": f"letter-{index}", "kind": "suggestion", "subject": f"备份测试 {index}",
                                      "body": f"第 {index} 封信"})
    code = letter["thread"]["code"]
    sequence = 0
    while not stop.is_set():
        sequence += 1
        client_id = f"m{index}-{sequence}"
        sent = time.monotonic()
        answer = await asyncio.to_thread(post, server.base_url, f"/api/threads/{code}/messages", cookie,
                                         {"id": client_id, "body": f"消息 {index}-{sequence}"})
        assert answer["entry"]["seq"] >= 2, answer
        journal.messages.append((cookie, client_id, sent, time.monotonic()))


async def until(condition, seconds: float = 30):
    """Waits for something the clients observe (acknowledgements counted), not for a time."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def stored(database, ratings, messages):
    """Which of the ratings and messages (from the journal) a database file holds, by citizen and client id."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        found_ratings = {(c, i) for (c, i, _, _) in ratings if db.execute(
            "SELECT 1 FROM applied_action a JOIN citizen c ON c.id = a.citizen WHERE c.token = ? AND a.client_id = ?",
            (token(c), i)).fetchone()}
        found_messages = {(c, i) for (c, i, _, _) in messages if db.execute(
            "SELECT 1 FROM thread_entry e JOIN citizen c ON c.id = e.citizen WHERE c.token = ? AND e.client_id = ?",
            (token(c), i)).fetchone()}
        return found_ratings, found_messages
    finally:
        db.close()


def test_a_backup_taken_while_citizens_write_restores_everything_acknowledged_before_it_began(tmp_path):
    server = start_server(UNLIMITED)
    backup = tmp_path / "lastword-backup.sqlite"
    journal = Journal()

    async def run():
        with urllib.request.urlopen(server.base_url + "/api/campaigns/demo-2026", timeout=10) as response:
            slugs = [p["slug"] for p in json.load(response)["projects"]]
        stop = asyncio.Event()
        voters = [new_citizen(server.base_url) for _ in range(6)]
        writers = [new_citizen(server.base_url) for _ in range(3)]
        tasks = [asyncio.create_task(voter(i, c, server, slugs, journal, stop)) for i, c in enumerate(voters)]
        tasks += [asyncio.create_task(letter_writer(i, c, server, journal, stop)) for i, c in enumerate(writers)]
        await until(lambda: len(journal.ratings) >= 150 and len(journal.messages) >= 15)

        began = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            str(binary()), "backup", str(backup), "--config", str(server.config), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        finished = time.monotonic()
        assert process.returncode == 0, err.decode()
        during = sum(1 for r in journal.ratings if began < r[3] < finished)

        # The writes go on; then a restore is refused while the server runs.
        count = len(journal.ratings), len(journal.messages)
        await until(lambda: len(journal.ratings) >= count[0] + 100 and len(journal.messages) >= count[1] + 10)
        refused = await asyncio.to_thread(lastword, server, "restore", str(backup))
        stop.set()
        for task in tasks:
            await task
        return began, finished, during, out.decode(), refused

    began, finished, during, out, refused = asyncio.run(run())
    assert f"backup: wrote {backup} (" in out, out
    assert "backup: schema v" in out and "every tally matches its ratings" in out, out
    assert backup.exists() and not (tmp_path / "lastword-backup.sqlite-wal").exists()
    assert [p.name for p in tmp_path.iterdir()] == [backup.name], "no partial file left beside it"

    assert refused.returncode != 0
    assert refused.stderr.startswith("Error: cannot restore ") and "a LastWord server is using the database" in refused.stderr
    assert "Nothing was changed." in refused.stderr and not any(word in refused.stderr for word in SWIFT), refused.stderr
    assert stop_server(server) == 0

    # Before the restore: the database holds every write acknowledged, as the server promised.
    everything = stored(server.database, journal.ratings, journal.messages)
    assert len(everything[0]) == len(journal.ratings) and len(everything[1]) == len(journal.messages)

    restored = lastword(server, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "restore: the replaced database is kept as " in restored.stdout, restored.stdout
    kept = restored.stdout.split("kept as ", 1)[1].split(" ", 1)[0]

    ratings_before, messages_before = journal.acknowledged_before(began)
    ratings_after, messages_after = journal.sent_after(finished)
    found_ratings, found_messages = stored(server.database, journal.ratings, journal.messages)
    missing = [r for r in ratings_before if (r[0], r[1]) not in found_ratings]
    assert not missing, f"{len(missing)} of {len(ratings_before)} ratings acknowledged before the backup are missing"
    assert all((m[0], m[1]) in found_messages for m in messages_before)
    assert ratings_after and messages_after, "writes went on after the backup"
    assert not any((r[0], r[1]) in found_ratings for r in ratings_after), "a rating sent after the backup is in it"
    assert not any((m[0], m[1]) in found_messages for m in messages_after), "a message sent after the backup is in it"
    # The replaced database is whole beside it.
    kept_ratings, kept_messages = stored(kept, journal.ratings, journal.messages)
    assert len(kept_ratings) == len(journal.ratings) and len(kept_messages) == len(journal.messages)

    # The restarted server serves what was restored; `lastword verify` passes.
    again = start_server(workdir=server.workdir)
    try:
        with urllib.request.urlopen(again.base_url + "/api/campaigns/demo-2026", timeout=10) as response:
            tallies = json.load(response)["tallies"]
        db = sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)
        rows = db.execute("SELECT count(*) FROM rating r JOIN project p ON p.id = r.project "
                          "WHERE p.campaign = 'demo-2026'").fetchone()[0]
        db.close()
        assert sum(sum(t["counts"]) for t in tallies.values()) == rows
        verify = lastword(again, "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "every tally matches its ratings" in verify.stdout
    finally:
        assert stop_server(again) == 0
    print(f"backup: {len(ratings_before)} ratings and {len(messages_before)} messages acknowledged before it, "
          f"{during} ratings acknowledged while it ran, {len(ratings_after)} sent after it")


def test_after_kill_9_the_lock_is_gone_and_the_replaced_database_keeps_its_write_ahead_log(tmp_path):
    server = start_server(UNLIMITED)
    cookie = new_citizen(server.base_url)
    with urllib.request.urlopen(server.base_url + "/api/campaigns/demo-2026", timeout=10) as response:
        slugs = [p["slug"] for p in json.load(response)["projects"]][:3]

    def rate(count: int, prefix: str):
        for n in range(count):
            answer = post(server.base_url, f"/api/projects/{slugs[n % 3]}/rating", cookie,
                          {"id": f"{prefix}-{n}", "level": 1 + n % 5})
            assert answer["status"] == "applied", answer

    rate(30, "early")
    backup = tmp_path / "b.sqlite"
    made = lastword(server, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    again = lastword(server, "backup", str(backup))
    assert again.returncode != 0 and again.stderr.strip() == f"Error: backup failed: {backup} exists; name another file, " \
        "or add --force to replace it (the old file stays until the new one is complete)", again.stderr
    checked = lastword(server, "restore", "--check", str(backup))
    assert checked.returncode == 0 and checked.stdout.startswith(f"restore --check: {backup} can be restored"), checked.stderr
    rate(20, "late")
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    assert (server.workdir / "lastword.sqlite-wal").exists()

    restored = lastword(server, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    kept = restored.stdout.split("kept as ", 1)[1].split(" ", 1)[0]
    ids = lambda path: {row[0] for row in sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute(
        "SELECT client_id FROM applied_action")}
    assert ids(server.database) == {f"early-{n}" for n in range(30)}
    assert ids(kept) == {f"early-{n}" for n in range(30)} | {f"late-{n}" for n in range(20)}, \
        "what the killed server had committed is in the kept database"
    assert not (server.workdir / "lastword.sqlite-wal").exists(), "the old log was not left beside the restored database"
    verify = lastword(server, "verify")
    assert verify.returncode == 0, verify.stdout


def test_a_file_that_is_not_a_backup_is_refused_in_one_line_and_changes_nothing(tmp_path):
    server = start_server(UNLIMITED)
    assert stop_server(server) == 0
    # The database and its side files (not the lock file, which names whoever took the lock last).
    files = lambda: {p.name: p.read_bytes() for p in server.workdir.iterdir()
                     if p.name.startswith("lastword.sqlite") and not p.name.endswith(".lock")}
    before = files()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 16)
    refused = lastword(server, "restore", str(photo))
    assert refused.returncode != 0
    lines = refused.stderr.splitlines()
    assert lines == [f"Error: cannot restore {photo} into {server.database}: {photo} is not an SQLite database (nor a "
                     "LastWord backup); check that you named the right file. Nothing was changed."], refused.stderr
    assert files() == before
    checked = lastword(server, "restore", "--check", str(photo))
    assert checked.returncode != 0 and checked.stderr.splitlines() == [
        f"Error: {photo} cannot be restored: {photo} is not an SQLite database (nor a LastWord backup); "
        "check that you named the right file"], checked.stderr
