#!/usr/bin/env python3
"""The direct line's benchmarks (issue 9 §6), against the release build on one core.

latency: CITIZENS citizens, each with an open letter and its page's WebSocket watching it (`thread:<code>`), and
  STAFF consoles, each watching its share of the letters (`case:<id>`); RATE messages a second in all, half from
  citizens to staff and half back, for SECONDS. Times each message from the sender's send to the other side's
  receipt of its `entry` (and the sender's ack), and counts what was lost or doubled.
acks: WRITERS citizens each post on their own letter, one message in flight each, for SECONDS: messages committed and
  acknowledged per second (group commit); beside it, the SQLite ceiling for the same rows (per message: the thread's
  UPDATE … RETURNING last_seq and the entry's INSERT, as the writer does), measured in the same run with Python's
  sqlite3 on a copy of the server's database, in transactions of BATCH, WAL, synchronous=FULL.

The server runs under `taskset -c 0`, this client under `taskset -c 1` (it starts itself there).

    python3 bench/directline.py latency [--citizens 5000] [--staff 50] [--rate 200] [--seconds 30]
    python3 bench/directline.py acks [--writers 200] [--seconds 10] [--runs 3]
Needs: pip install websockets (the CI venv has it); LASTWORD_BIN or .build/release/lastword.
"""
import argparse, asyncio, json, os, pathlib, random, re, shutil, sqlite3, statistics, subprocess, sys, tempfile, time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import websockets

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(os.environ.get("LASTWORD_BIN", ROOT / ".build/release/lastword"))
PASSWORD = "benchmark password"


def config_text(database):
    return f"""server:
  host: 127.0.0.1
  port: 0
metrics:
  listen: 127.0.0.1:0
database:
  path: {database}
limits:
  maxConnections: 19500
  maxConnectionsPerIp: 19500
integrity:
  perIpPerSecond: 1000000
  perIpBurst: 1000000
  perCitizenPerSecond: 1000000
  perCitizenBurst: 1000000
  newCitizensPerIpPerHour: 1000000
directLine:
  departmentsFile: {ROOT / 'config/departments.yaml'}
  screeningFile: ""
  demoSuggestionsFile: ""
  threadsPerCitizenPerHour: 100000
  threadsPerIpPerHour: 100000
  messagesPerCitizenPerMinute: 10000000
  messagesPerIpPerMinute: 10000000
  codeLookupsPerIpPerMinute: 100000
identity:
  scryptLogN: 14
live:
  maxTopicsPerConnection: 200
  maxPendingWritesPerConnection: 32
campaigns:
  files: [{ROOT / 'config/campaigns/demo.yaml'}]
log:
  level: warning
"""


class Server:
    def __init__(self, work):
        self.work = work
        self.database = work / "lastword.sqlite"
        self.config = work / "config.yaml"
        self.config.write_text(config_text(self.database))

    def add_staff(self, count):
        for index in range(count):
            subprocess.run([str(BIN), "user", "add", f"staff{index}", "--role", "staff", "--department", "mayors-office",
                            "--password-stdin", "--config", str(self.config)], input=PASSWORD + "\n", text=True,
                           cwd=ROOT, check=True, capture_output=True)

    def start(self):
        self.process = subprocess.Popen(["taskset", "-c", "0", str(BIN), "serve", "--config", str(self.config)], cwd=ROOT,
                                         stdout=subprocess.PIPE, stderr=open(self.work / "server.log", "a"), text=True)
        line = self.process.stdout.readline()
        self.base = re.search(r"serving (http://\S+?)/?$", line.strip()).group(1)
        self.ws = self.base.replace("http://", "ws://") + "/ws"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def http(base, method, path, body=None, cookie=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        cookies = [h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or []]
        return json.loads(response.read() or b"null"), cookies


def make_citizen(base, index):
    _, cookies = http(base, "GET", "/api/session")
    cookie = cookies[0]
    answer, _ = http(base, "POST", "/api/threads", {"id": f"t{index}", "kind": "enquiry", "subject": f"bench {index}",
                                                      "body": f"letter {index}"}, cookie)
    return cookie, answer["thread"]["code"]


def make_citizens(base, count):
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda i: make_citizen(base, i), range(count)))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


async def latency(args, server):
    print(f"creating {args.citizens} letters…", flush=True)
    citizens = make_citizens(server.base, args.citizens)   # thread ids 1…N in creation order (a fresh database)
    staff_cookies = [http(server.base, "POST", "/api/staff/login", {"name": f"staff{i}", "password": PASSWORD})[1][0]
                     for i in range(args.staff)]
    sent = {}        # body -> (send time, direction)
    received = {}    # body -> [receipt times]
    acked = {}
    errors = []

    async def reader(ws, side):
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "entry":
                body = message["entry"]["body"]
                if body in sent and sent[body][1] != side:
                    received.setdefault(body, []).append(now)
            elif kind == "ack":
                acked[message["id"]] = now
            elif kind == "error":
                errors.append(message)

    print("connecting…", flush=True)
    citizen_sockets = []
    for index, (cookie, code) in enumerate(citizens):
        ws = await websockets.connect(server.ws, additional_headers={"Cookie": cookie}, max_queue=None, compression=None)
        await ws.send(json.dumps({"type": "subscribe", "topic": "thread:" + code}))
        while json.loads(await ws.recv()).get("type") != "caught_up":
            pass
        citizen_sockets.append(ws)
    staff_sockets = []
    share = args.citizens // args.staff
    for index, cookie in enumerate(staff_cookies):
        ws = await websockets.connect(server.ws, additional_headers={"Cookie": cookie}, max_queue=None, compression=None)
        for thread in range(index * share + 1, (index + 1) * share + 1):
            await ws.send(json.dumps({"type": "subscribe", "topic": f"case:{thread}"}))
            while json.loads(await ws.recv()).get("type") != "caught_up":
                pass
        staff_sockets.append(ws)
    tasks = [asyncio.create_task(reader(ws, "citizen")) for ws in citizen_sockets]
    tasks += [asyncio.create_task(reader(ws, "staff")) for ws in staff_sockets]
    print(f"{len(citizen_sockets)} citizen pages and {len(staff_sockets)} consoles live; {args.rate} messages/s "
          f"for {args.seconds} s", flush=True)

    rng = random.Random(1)
    interval = 1.0 / args.rate
    start = time.perf_counter()
    count = 0
    warmup = 3.0
    while True:
        due = start + count * interval
        now = time.perf_counter()
        if now - start > args.seconds + warmup:
            break
        if due > now:
            await asyncio.sleep(due - now)
        thread = rng.randrange(args.citizens - args.citizens % args.staff) + 1
        body = f"m{count} {thread}"
        if count % 2 == 0:
            ws, side, message = citizen_sockets[thread - 1], "citizen", {"type": "post", "id": f"c{count}",
                                                                     "topic": "thread:" + citizens[thread - 1][1], "body": body}
        else:
            ws, side, message = staff_sockets[(thread - 1) // share], "staff", {"type": "post", "id": f"s{count}",
                                                                                 "topic": f"case:{thread}", "body": body}
        sent[body] = (time.perf_counter(), side, message["id"], time.perf_counter() - start >= warmup)
        await ws.send(json.dumps(message))
        count += 1
    await asyncio.sleep(2.0)
    measured = {b: v for b, v in sent.items() if v[3]}
    delivery = [(received[b][0] - t) * 1000 for b, (t, _, _, _) in measured.items() if b in received]
    acks = [(acked[i] - t) * 1000 for b, (t, _, i, _) in measured.items() if i in acked]
    lost = sum(1 for b, v in measured.items() if v[2] in acked and b not in received)
    doubled = sum(1 for b in measured if len(received.get(b, [])) > 1)
    for task in tasks:
        task.cancel()
    for ws in citizen_sockets + staff_sockets:
        await ws.close()
    print(f"messages {len(measured)} (after {warmup:.0f} s warm-up); delivered {len(delivery)}; lost {lost}; doubled {doubled}; "
          f"errors {len(errors)} {sorted({e.get('error') for e in errors})}")
    print(f"send → other side's entry: p50 {percentile(delivery, 50):.2f} ms, p99 {percentile(delivery, 99):.2f} ms, "
          f"max {max(delivery):.2f} ms")
    print(f"send → ack:                p50 {percentile(acks, 50):.2f} ms, p99 {percentile(acks, 99):.2f} ms, max {max(acks):.2f} ms")


async def acks_run(args, server, citizens, run):
    done = 0
    stop = time.perf_counter() + args.seconds

    async def writer(index, cookie, code):
        nonlocal done
        async with websockets.connect(server.ws, additional_headers={"Cookie": cookie}, compression=None) as ws:
            topic = "thread:" + code
            await ws.send(json.dumps({"type": "subscribe", "topic": topic, "since": 1 << 40}))
            while json.loads(await ws.recv()).get("type") != "caught_up":
                pass
            sequence = 0
            while time.perf_counter() < stop:
                sequence += 1
                await ws.send(json.dumps({"type": "post", "id": f"w{run}-{sequence}", "topic": topic,
                                          "body": f"w{index}-{sequence}-{time.time_ns()}"}))
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("type") == "ack":
                        done += 1
                        break
                    if message.get("type") == "error":
                        raise RuntimeError(message)

    began = time.perf_counter()
    await asyncio.gather(*(writer(i, c, code) for i, (c, code) in enumerate(citizens)))
    return done / (time.perf_counter() - began)


def ceiling(database, rows, batch):
    """The same rows as a citizen's message, straight into SQLite: per message the thread's UPDATE … RETURNING and
    the entry's INSERT, prepared once (Python's statement cache), BATCH per transaction, synchronous=FULL."""
    copy = database.parent / "ceiling.sqlite"
    source = sqlite3.connect(database)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("PRAGMA journal_mode = WAL")
    target.execute("PRAGMA synchronous = FULL")
    threads = [row for row in target.execute("SELECT id, citizen FROM thread")]
    target.isolation_level = None
    now = int(time.time() * 1000)
    began = time.perf_counter()
    done = 0
    while done < rows:
        target.execute("BEGIN IMMEDIATE")
        for _ in range(batch):
            thread, citizen = threads[done % len(threads)]
            seq = target.execute("UPDATE thread SET last_seq = last_seq + 1, updated_at = max(updated_at, ?) WHERE id = ? "
                                 "RETURNING last_seq", (now, thread)).fetchone()[0]
            target.execute("INSERT INTO thread_entry (thread, seq, kind, citizen, client_id, body, created_at) "
                           "VALUES (?, ?, 'citizen', ?, ?, ?, ?)", (thread, seq, citizen, f"x{done}", f"ceiling {done}", now))
            done += 1
        target.execute("COMMIT")
    rate = done / (time.perf_counter() - began)
    target.close()
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["latency", "acks"])
    parser.add_argument("--citizens", type=int, default=5000)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    if "BENCH_PINNED" not in os.environ:
        os.environ["BENCH_PINNED"] = "1"
        os.execvp("taskset", ["taskset", "-c", "1", sys.executable, *sys.argv])
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = pathlib.Path(tempfile.mkdtemp(prefix="lastword-directline-"))
    server = Server(work)
    if args.mode == "latency":
        server.add_staff(args.staff)
        server.start()
        try:
            asyncio.run(latency(args, server))
        finally:
            server.stop()
    else:
        server.start()
        try:
            citizens = make_citizens(server.base, args.writers)
            rates, ceilings = [], []
            for run in range(args.runs):
                rate = asyncio.run(acks_run(args, server, citizens, run))
                server_ceiling = ceiling(server.database, max(20000, int(rate * 3)), args.batch)
                rates.append(rate)
                ceilings.append(server_ceiling)
                print(f"run {run + 1}: {rate:,.0f} messages acknowledged/s with {args.writers} writers; "
                      f"SQLite ceiling for the same rows {server_ceiling:,.0f}/s; ratio {rate / server_ceiling:.2f}", flush=True)
            print(f"acknowledged/s min {min(rates):,.0f} median {statistics.median(rates):,.0f} max {max(rates):,.0f}; "
                  f"ceiling min {min(ceilings):,.0f} median {statistics.median(ceilings):,.0f} max {max(ceilings):,.0f}; "
                  f"median ratio {statistics.median(r / c for r, c in zip(rates, ceilings)):.2f}")
        finally:
            server.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
