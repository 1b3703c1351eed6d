"""Schemathesis hooks for scripts/schemathesis: a check that a refused request changed no data.

Loaded by schemathesis through SCHEMATHESIS_HOOKS=schemathesis_checks (scripts/ on PYTHONPATH), with
LASTWORD_FUZZ_DATABASE naming the running server's SQLite file. Before every state-changing request (POST, PUT,
PATCH, DELETE) the hook reads a fingerprint of the database — every table's rows, in a stable order, hashed — and
again as soon as the answer is in; the check `refused_write_changes_nothing` fails any request answered with 4xx or
5xx whose two fingerprints differ, naming the tables that changed. The server acknowledges only after COMMIT, so
whatever a request wrote is visible to this reader when its answer arrives.

What is left out of the fingerprint is what changes with no request's doing: a staff session's last-seen time (the
server touches it in the background, at most once a minute per session) and the history samples (taken on a timer).

It needs one request at a time (`--workers 1`): with two in flight, one's write would show in the other's window.
LASTWORD_FUZZ_STATS, if set, names a JSON file the counts are written to when schemathesis exits.
"""
import atexit
import hashlib
import json
import os
import sqlite3

import schemathesis

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Tables written on a timer, not by requests.
SKIPPED_TABLES = {"tally_sample", "campaign_sample"}
# Columns a request may move without changing data: the session's idle clock.
SKIPPED_COLUMNS = {("staff_session", "last_seen_at")}


class Fingerprinter:
    """Reads the database through a read-only connection of its own, as another process would.

    `PRAGMA data_version` changes whenever another connection commits, so the rows are read again only after a
    commit: a refused request that wrote nothing costs two pragmas, not two reads of every table.
    """

    def __init__(self, path: str):
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        self.version = None
        self.last = None

    def __call__(self) -> dict:
        version = self.connection.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version or self.last is None:
            # Read after the version: a commit in between makes the next call read again, never miss a change.
            self.version, self.last = version, self.read()
        return self.last

    def read(self) -> dict:
        """{table: (rows, sha256 of the rows)} for every table, each read in one statement."""
        result = {}
        tables = [row[0] for row in self.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for table in tables:
            if table in SKIPPED_TABLES:
                continue
            columns = [row[1] for row in self.connection.execute(f'PRAGMA table_info("{table}")')
                       if (table, row[1]) not in SKIPPED_COLUMNS]
            listed = ", ".join(f'"{column}"' for column in columns)
            rows = self.connection.execute(f'SELECT {listed} FROM "{table}" ORDER BY {listed}').fetchall()
            result[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return result


def changed_tables(before: dict, after: dict) -> list:
    """The tables whose rows differ, with their row counts before and after."""
    return [f"{table} ({before.get(table, (0,))[0]} → {after.get(table, (0,))[0]} rows)"
            for table in sorted(set(before) | set(after)) if before.get(table) != after.get(table)]


_fingerprinter = None
_before = {}       # case id → fingerprint before its request
_changes = {}      # case id → changed tables
_stats = {"stateChanging": 0, "refused": 0, "refusedThatChangedData": 0, "acceptedThatChangedData": 0}


def _is_state_changing(case) -> bool:
    return case.method.upper() in STATE_CHANGING


def _fingerprint() -> dict:
    global _fingerprinter
    if _fingerprinter is None:
        _fingerprinter = Fingerprinter(os.environ["LASTWORD_FUZZ_DATABASE"])
    return _fingerprinter()


@schemathesis.hook
def before_call(context, case, **kwargs):
    if _is_state_changing(case):
        _before[case.id] = _fingerprint()


@schemathesis.hook
def after_call(context, case, response):
    before = _before.pop(case.id, None)
    if before is None:
        return
    _changes[case.id] = changed_tables(before, _fingerprint())
    _stats["stateChanging"] += 1
    if response.status_code >= 400:
        _stats["refused"] += 1
        _stats["refusedThatChangedData"] += bool(_changes[case.id])
    else:
        _stats["acceptedThatChangedData"] += bool(_changes[case.id])


@schemathesis.hook
def after_network_error(context, case, request):
    _before.pop(case.id, None)


@schemathesis.check
def refused_write_changes_nothing(ctx, response, case):
    """A POST, PUT, PATCH or DELETE answered with 4xx or 5xx changed no row of the database."""
    if not _is_state_changing(case) or response.status_code < 400:
        return None
    changed = _changes.get(case.id)
    if changed:
        try:
            code = response.json().get("error")
        except Exception:
            code = None
        raise AssertionError(f"{case.method} {case.path} was refused ({response.status_code}{' ' + code if code else ''}) yet changed "
                             + ", ".join(changed))
    return None


@atexit.register
def _write_stats():
    path = os.environ.get("LASTWORD_FUZZ_STATS")
    if path:
        with open(path, "w") as file:
            json.dump(_stats, file)
