"""Three LastWord nodes on one PostgreSQL behind HAProxy: a change made on any node reaches watchers on every node;
a node killed with `kill -9` under load, and PostgreSQL restarted under load, lose no acknowledged write and leave
the boards equal to PostgreSQL's tallies. Skipped (with the reason) while the binary refuses PostgreSQL URLs."""
import asyncio
import json
import re
import signal
import subprocess
import threading
import time

import pytest
import websockets

from cluster_kit import (Board, Counts, Watcher, board_view, check_acknowledged_writes, fresh_board, new_citizen, open_letter,
                         postgres_board, slugs, voter, writer)
from conftest import ROOT, http

pytestmark = pytest.mark.postgres

STAFF = "cluster.staff"
PASSWORD = "cluster-Staff-Passw0rd-2026"


def test_a_rating_on_one_node_reaches_watchers_on_every_node(pg_cluster):
    cluster = pg_cluster
    slug = slugs(cluster.url)[3]
    cookie = new_citizen(cluster.node_url(1))

    async def run():
        stop = asyncio.Event()
        watchers = [Watcher(cluster.node_ws(2), "node2"), Watcher(cluster.node_ws(3), "node3"),
                    Watcher(cluster.ws_url, "proxy")]
        tasks = [asyncio.create_task(w.run(stop)) for w in watchers]
        for w in watchers:
            await w.wait_for(lambda board: True, what="a snapshot")
        before = watchers[0].board.tally(slug)
        participants = watchers[0].board.state["participants"]
        for w in watchers[1:]:
            assert w.board.tally(slug) == before, "the nodes' boards differ before the rating"

        code, answer, _ = await asyncio.to_thread(
            http, "POST", f"{cluster.node_url(1)}/api/projects/{slug}/rating",
            {"id": "cluster-r-1", "level": 2, "suggestion": "集群：一号节点的建议"}, {"Cookie": cookie})
        assert code == 200 and answer["status"] == "applied", answer
        expected = dict(before)
        expected["counts"] = list(before["counts"])
        expected["counts"][1] += 1
        expected["participants"] += 1
        expected["suggestions"] += 1
        for w in watchers:
            await w.wait_for(lambda board: board.tally(slug) == expected and board.state["participants"] == participants + 1,
                             timeout=5, what=f"the rating made on node 1 ({expected})")
        # And HTTP readers on every node.
        for node in (1, 2, 3):
            code, answer, _ = http("GET", f"{cluster.node_url(node)}/api/projects/{slug}")
            assert code == 200 and answer["tally"]["counts"] == expected["counts"], (node, answer["tally"])
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())


def test_a_staff_reply_on_one_node_reaches_the_citizen_watching_on_another(pg_cluster):
    cluster = pg_cluster
    added = cluster.lastword("user", "add", STAFF, "--role", "staff", "--department", "mayors-office",
                             "--password-stdin", input=PASSWORD)
    assert added.returncode == 0, added.stdout + added.stderr
    cookie = new_citizen(cluster.node_url(3))
    code = open_letter(cluster.node_url(3), cookie, "集群测试来信", "请问三号节点能收到回复吗？", "cluster-t-1")

    async def run():
        async with websockets.connect(cluster.node_ws(3), additional_headers={"Cookie": cookie}) as ws:
            await ws.send(json.dumps({"type": "subscribe", "topic": f"thread:{code}", "since": 0}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("type") != "caught_up":
                pass
            # Staff sign in on node 2 and answer there.
            status, answer, headers = await asyncio.to_thread(http, "POST", f"{cluster.node_url(2)}/api/staff/login",
                                                              {"name": STAFF, "password": PASSWORD})
            assert status == 200, answer
            staff_cookie = headers["Set-Cookie"].split(";", 1)[0]
            status, answer, _ = await asyncio.to_thread(http, "GET", f"{cluster.node_url(2)}/api/staff/threads?limit=200",
                                                        None, {"Cookie": staff_cookie})
            assert status == 200, answer
            thread = next(t["id"] for t in answer["threads"] if t["code"] == code)
            reply = "二号节点的答复：已转交办理。"
            status, answer, _ = await asyncio.to_thread(http, "POST", f"{cluster.node_url(2)}/api/staff/threads/{thread}/messages",
                                                        {"id": "cluster-reply-1", "body": reply}, {"Cookie": staff_cookie})
            assert status == 201, answer
            deadline = time.monotonic() + 5
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic())))
                if message.get("type") == "entry" and message["entry"]["kind"] == "staff":
                    assert message["entry"]["body"] == reply and message["entry"].get("author") is None, message
                    break

    asyncio.run(run())


def run_load(cluster, voters: int, writers: int, during) -> tuple[dict, dict, Counts, list]:
    """`voters` citizens rating and liking, `writers` writing letters, all over WebSockets through the proxy, while
    `during(stop_time)` (a coroutine function) does something to the cluster; returns what was acknowledged."""
    project_slugs = slugs(cluster.url)
    voter_cookies = [new_citizen(cluster.url) for _ in range(voters)]
    writer_cookies = [new_citizen(cluster.url) for _ in range(writers)]
    codes = [open_letter(cluster.url, writer_cookies[i], f"集群压力 {i}", f"第 {i} 封信", f"cluster-load-{i}")
             for i in range(writers)]
    ratings, messages, received = {}, {}, {}
    counts = Counts()

    async def run():
        stop = asyncio.Event()
        boards = [Board() for _ in range(voters)]
        tasks = [asyncio.create_task(voter(i, cluster.ws_url, voter_cookies[i], project_slugs, ratings, stop, counts, boards[i]))
                 for i in range(voters)]
        tasks += [asyncio.create_task(writer(i, cluster.ws_url, writer_cookies[i], codes[i], messages, received, stop, counts))
                  for i in range(writers)]
        await during(ratings, messages)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        return boards

    boards = asyncio.run(run())
    return ratings, messages, counts, boards


async def boards_match_postgres(cluster, nodes) -> None:
    """Each node's board (a new subscription) equals PostgreSQL's tallies, once the node has applied every change."""
    expected = postgres_board(cluster)
    for node in nodes:
        deadline = time.monotonic() + 10
        while True:
            view = board_view(await fresh_board(cluster.node_ws(node)))
            if view == expected:
                break
            if time.monotonic() > deadline:
                differ = {slug: (view["projects"].get(slug), tally) for slug, tally in expected["projects"].items()
                          if view["projects"].get(slug) != tally}
                raise AssertionError(f"node {node}'s board differs from PostgreSQL: participants "
                                     f"{view['participants']} vs {expected['participants']}; {differ}")
            await asyncio.sleep(0.2)


def test_kill_a_node_under_load_loses_no_acknowledged_write(fresh_pg_cluster):
    cluster = fresh_pg_cluster
    observed = {}

    async def during(ratings, messages):
        await asyncio.sleep(3)
        observed["before"] = len(ratings) + len(messages)
        observed["on_node2"] = int(cluster.proxy_servers()[("websockets", "node2")]["scur"])
        killed = time.monotonic()
        await asyncio.to_thread(cluster.kill, 2)
        await asyncio.to_thread(cluster.wait_proxy_state, 2, "DOWN", 2.5)
        observed["taken_out"] = time.monotonic() - killed
        await asyncio.sleep(4)
        observed["after"] = len(ratings) + len(messages)

    ratings, messages, counts, boards = run_load(cluster, voters=14, writers=6, during=during)
    print(f"kill -9 node 2 (holding {observed['on_node2']} WebSockets): {len(ratings)} ratings and likes, "
          f"{len(messages)} messages acknowledged; reconnects {counts.reconnects}, retries {counts.retries} "
          f"(duplicates {counts.duplicates}), refusals {counts.refusals}; taken out after {observed['taken_out']:.2f} s")
    assert observed["on_node2"] >= 1 and counts.reconnects >= 1, "no client was on the killed node"
    assert observed["after"] > observed["before"], "nothing was acknowledged after the kill"
    assert set(counts.refusals) <= {"server.busy", "server.storage_failure", "server.shutting_down"}, counts.refusals
    # The voters that reconnected resumed their board with since + epoch (the other node answers with a snapshot).
    assert any(board.resumes for board in boards)
    check_acknowledged_writes(cluster, ratings, messages)
    asyncio.run(boards_match_postgres(cluster, (1, 3)))
    verify = cluster.lastword("verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert cluster.node_alive(1) and cluster.node_alive(3)


def test_restart_postgres_under_load_loses_no_acknowledged_write(fresh_pg_cluster):
    cluster = fresh_pg_cluster
    observed = {"readyz": {}, "crashed": []}

    async def poll_nodes(stop: asyncio.Event):
        while not stop.is_set():
            for node in (1, 2, 3):
                code, _, _ = await asyncio.to_thread(http, "GET", cluster.node_url(node) + "/readyz", None, None, 3)
                observed["readyz"][code] = observed["readyz"].get(code, 0) + 1
                if not cluster.node_alive(node):
                    observed["crashed"].append(node)
            await asyncio.sleep(0.1)

    async def during(ratings, messages):
        stop = asyncio.Event()
        poller = asyncio.create_task(poll_nodes(stop))
        await asyncio.sleep(3)
        observed["before"] = len(ratings) + len(messages)
        await asyncio.to_thread(cluster.restart_postgres)
        restarted = time.monotonic()
        # Every node ready again, and taking writes again.
        while not all(http("GET", cluster.node_url(n) + "/readyz")[0] == 200 for n in (1, 2, 3)):
            assert time.monotonic() - restarted < 30, "the nodes did not become ready within 30 s of the restart"
            await asyncio.sleep(0.2)
        observed["ready_after"] = time.monotonic() - restarted
        mark = len(ratings) + len(messages)
        await asyncio.sleep(4)
        observed["after"] = len(ratings) + len(messages) - mark
        stop.set()
        await poller

    ratings, messages, counts, _ = run_load(cluster, voters=14, writers=6, during=during)
    print(f"PostgreSQL restarted: {len(ratings)} ratings and likes, {len(messages)} messages acknowledged; /readyz "
          f"answers {observed['readyz']}; refusals {counts.refusals}; reconnects {counts.reconnects}; ready again "
          f"{observed['ready_after']:.1f} s after the restart")
    assert not observed["crashed"], f"nodes died: {observed['crashed']}"
    assert set(observed["readyz"]) <= {200, 503}, observed["readyz"]
    assert set(counts.refusals) <= {"server.busy", "server.storage_failure", "server.shutting_down"}, counts.refusals
    assert observed["after"] > 0, "no write acknowledged after PostgreSQL came back"
    assert all(cluster.node_alive(n) for n in (1, 2, 3))
    check_acknowledged_writes(cluster, ratings, messages)
    asyncio.run(boards_match_postgres(cluster, (1, 2, 3)))
    verify = cluster.lastword("verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_node_that_missed_pruned_changes_stops_for_a_fresh_start_and_its_watchers_move_on(fresh_pg_cluster):
    """A node cut off longer than the change feed keeps its rows cannot know what it missed: it stops (its watchers'
    sockets close with 1001: a page resumes through the proxy on a node that knows) and exits with 75, for its
    supervisor to start it again; started again, it shows what it had missed. The other nodes go on. Cut off here: a
    fourth node frozen with SIGSTOP; pruned: the rows written meanwhile deleted, as the hourly pruning would."""
    cluster = fresh_pg_cluster
    extra_dir = cluster.directory / "node-extra"
    extra_dir.mkdir()
    command = [str(cluster.binary), "serve", "--config", str(cluster.node_dir(1) / "lastword.yaml"),
               "--database", cluster.database_url, "--port", "0"]
    slug = slugs(cluster.url)[2]

    def start_extra() -> tuple[subprocess.Popen, str]:
        log = open(extra_dir / "server.log", "ab")
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
        for line in process.stdout:
            match = re.search(r"serving (http://\S+?)/?\s*$", line)
            if match:
                threading.Thread(target=process.stdout.read, daemon=True).start()  # keeps its stdout drained
                return process, match.group(1)
        raise AssertionError(f"the extra node printed no URL:\n{(extra_dir / 'server.log').read_text()[-3000:]}")

    def level1(base: str) -> int:
        code, answer, _ = http("GET", f"{base}/api/projects/{slug}")
        assert code == 200, answer
        return answer["tally"]["counts"][0]

    def rate(base: str, client_id: str) -> None:
        code, answer, _ = http("POST", f"{base}/api/projects/{slug}/rating", {"id": client_id, "level": 1},
                               {"Cookie": new_citizen(base)})
        assert code == 200 and answer["status"] == "applied", answer

    def seen_everywhere(expected: int) -> None:
        """Polls nodes 1 to 3 until each shows `expected` ratings of 1 (each read the feed's rows so far)."""
        deadline = time.monotonic() + 10
        while any(level1(cluster.node_url(node)) != expected for node in (1, 2, 3)):
            assert time.monotonic() < deadline, [level1(cluster.node_url(node)) for node in (1, 2, 3)]
            time.sleep(0.05)

    async def watch_until_closed(ws_url: str, watching: asyncio.Event) -> int | None:
        async with websockets.connect(ws_url, open_timeout=5) as ws:
            board = Board()
            await ws.send(json.dumps(board.subscribe_message()))
            while board.state is None:
                board.handle(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            watching.set()
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 90)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    before = level1(cluster.url)
    process, url = start_extra()
    try:
        async def run() -> tuple[int, int | None]:
            watching = asyncio.Event()
            watcher = asyncio.create_task(watch_until_closed(url.replace("http", "ws", 1) + "/ws", watching))
            await asyncio.wait_for(watching.wait(), 15)
            process.send_signal(signal.SIGSTOP)
            try:
                await asyncio.to_thread(rate, cluster.node_url(1), "pruned-1")
                await asyncio.to_thread(rate, cluster.node_url(2), "pruned-2")
                await asyncio.to_thread(seen_everywhere, before + 2)
                cluster.psql("DELETE FROM change_feed")
                await asyncio.to_thread(rate, cluster.node_url(1), "kept-3")
            finally:
                process.send_signal(signal.SIGCONT)
            status = await asyncio.to_thread(process.wait, 60)
            return status, await asyncio.wait_for(watcher, 10)

        status, close_code = asyncio.run(run())
        log = (extra_dir / "server.log").read_text(errors="replace")
        assert status == 75, f"exit status {status}\n{log[-3000:]}"
        assert "were pruned before this node read them" in log and "exiting with status 75" in log, log[-3000:]
        assert close_code == 1001, close_code
        # The nodes that read the rows in time go on.
        seen_everywhere(before + 3)
        for node in (1, 2, 3):
            assert http("GET", f"{cluster.node_url(node)}/readyz")[0] == 200, cluster.node_log(node)
        # Started again, as its supervisor would, it is ready and shows what it had missed.
        process, url = start_extra()
        assert http("GET", f"{url}/readyz")[0] == 200
        assert level1(url) == before + 3
        board = asyncio.run(fresh_board(url.replace("http", "ws", 1) + "/ws"))
        assert board_view(board) == postgres_board(cluster)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(30)
