#!/usr/bin/env python3
"""make test-fleet: a fleet of three fleet_server processes sharing sessions through a real
redis-server, driven by fleet_client (docs/fleet.md).

Everything runs on 127.0.0.1 on free ports; every process is started here and stopped by its PID.
The run, in phases (each a line of fleet_client's CSV):

  base          clients connect to one member and resume at another (four paths)
  race          each of 50 TLS 1.3 tickets offered to two other members at the same moment
  rotation 1    new key added open-only, then promoted to sealing (tickets held across it)
  restart       sessions made before member 1 restarts are resumed at the new member 1
  rotation 2    a third key added, promoted, and the first key dropped; then a malformed key
                file (refused: members keep their keys) and a reload by SIGHUP
  redis-stalled Redis stopped (SIGSTOP): every call bounded by the command timeout
  redis-down    Redis killed: Redis paths fall back to full handshakes, never failures
  redis-back    a new Redis: resumption through Redis again

Asserts: no failed handshake anywhere; outside the Redis outage every resumption succeeds by the
expected path; no TLS 1.3 stateful ticket is accepted twice (every replay to another member and to
the same member is refused, and the members' accept logs name each ticket at most once); the
outage is logged once per member and bounded in time. Prints the table docs/fleet.md quotes.
"""

import argparse
import csv
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_TIMEOUT_MS = 100
SESSION_TIMEOUT = 300
DEADLINE = time.monotonic() + 600  # the whole test, whatever happens


class Failed(Exception):
    pass


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def wait_for(what, check, timeout=10.0):
    end = min(time.monotonic() + timeout, DEADLINE)
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise Failed(f"timed out waiting for {what}")



def redis_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Fleet:
    def __init__(self, args, work):
        self.args, self.work = args, work
        self.procs = []  # everything started, stopped by PID at the end
        self.redis = None
        ports = free_ports(1 + 2 * args.servers)
        self.redis_port = ports[0]
        self.server_ports = [(ports[1 + 2 * i], ports[2 + 2 * i]) for i in range(args.servers)]
        self.members = [None] * args.servers
        self.logs = [work / f"member{i}.log" for i in range(args.servers)]
        self.fleet_key = work / "fleet.key"
        self.fleet_key.write_text(secrets.token_hex(32) + "\n")
        os.chmod(self.fleet_key, 0o600)
        self.ticket_keys = work / "keys" / "ticket.keys"
        self.ticket_keys.parent.mkdir()
        self.accept_log = work / "accepts.log"

    # -- processes --------------------------------------------------------------------------
    def start(self, cmd, log):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "ab"), cwd=self.work)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM):
        if p.poll() is None:
            os.kill(p.pid, sig)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=10)

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except OSError:
                    pass
                self.stop(p)

    def start_redis(self):
        self.redis = self.start(
            [self.args.redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            self.work / "redis.log")
        wait_for("redis-server", lambda: redis_ping(self.redis_port))

    def start_member(self, i):
        stateful, tickets = self.server_ports[i]
        self.logs[i].touch()
        self.members[i] = self.start(
            [self.args.server, "-name", f"member{i}",
             "-cert", str(ROOT / "pki/server-ecdsa-p256.chain.pem"),
             "-key", str(ROOT / "pki/server-ecdsa-p256.key"),
             "-fleet-key", str(self.fleet_key), "-ticket-keys", str(self.ticket_keys),
             "-listen", f"{stateful}:stateful", "-listen", f"{tickets}:tickets",
             "-redis", f"127.0.0.1:{self.redis_port}", "-redis-timeout-ms", str(REDIS_TIMEOUT_MS),
             "-timeout", str(SESSION_TIMEOUT), "-accept-log", str(self.accept_log)],
            self.logs[i])
        # Ready once it says so (a probe connection would count as a failed handshake).
        starts = self.logs[i].read_text(errors="replace").count("listening on")
        wait_for(f"member {i}", lambda: self.logs[i].read_text(errors="replace").count(
            "listening on") > starts or self.members[i].poll() is not None)
        if self.members[i].poll() is not None:
            raise Failed(f"member {i} exited: {self.logs[i].read_text(errors='replace')[-500:]}")

    # -- ticket keys --------------------------------------------------------------------------
    def write_keys(self, keys, wait=True):
        """keys: list of 48-byte hex strings, the first sealing. Written atomically (rename), as
        an operator's deployment tool would; then every member must have loaded it."""
        tmp = self.ticket_keys.with_name(".ticket.keys.tmp")
        tmp.write_text("# fleet ticket keys: the first line seals, every line opens\n"
                       + "".join(k + "\n" for k in keys))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.ticket_keys)
        expect = " ".join(k[:32] + ("*" if n == 0 else "") for n, k in enumerate(keys))
        for i, log in enumerate(self.logs if wait else []):
            wait_for(f"member {i} to load the ticket keys", lambda: last_key_line(log) == expect)


    def write_bad_keys(self):
        """A malformed key file: every member must refuse it and keep the keys it has."""
        before = [count(log, "is malformed") for log in self.logs]
        tmp = self.ticket_keys.with_name(".ticket.keys.tmp")
        tmp.write_text("# a truncated key\n" + secrets.token_hex(40) + "\n")
        os.replace(tmp, self.ticket_keys)
        for i, log in enumerate(self.logs):
            wait_for(f"member {i} to refuse the malformed key file",
                     lambda: count(log, "is malformed") > before[i])

    def sighup_all(self):
        """SIGHUP reloads the key file too (for deployments without inotify)."""
        before = [count(log, "ticket-keys: loaded") for log in self.logs]
        for m in self.members:
            os.kill(m.pid, signal.SIGHUP)
        for i, log in enumerate(self.logs):
            wait_for(f"member {i} to reload on SIGHUP",
                     lambda: count(log, "ticket-keys: loaded") > before[i])


def count(log, text):
    return Path(log).read_text(errors="replace").count(text)


def last_key_line(log):
    lines = [l for l in Path(log).read_text(errors="replace").splitlines() if "ticket-keys: loaded" in l]
    return lines[-1].split(") ", 1)[1].strip() if lines else ""


class Driver:
    def __init__(self, fleet, csv_path):
        cmd = [fleet.args.client, "-ca", str(ROOT / "pki/root-ca.pem"), "-csv", str(csv_path),
               "-seed", str(fleet.args.seed)]
        for s, t in fleet.server_ports:
            cmd += ["-server", f"{s},{t}"]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        fleet.procs.append(self.p)

    def do(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline()
        if not answer.startswith("ok"):
            raise Failed(f"driver: {line!r} -> {answer!r}")
        return answer

    def quit(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(timeout=30)


def run(args):
    work = Path(tempfile.mkdtemp(prefix="fleet-", dir=args.work))
    fleet = Fleet(args, work)
    csv_path = work / "handshakes.csv"
    k1, k2, k3 = (secrets.token_hex(48) for _ in range(3))
    n = args.clients_per_phase
    t0 = time.monotonic()
    events = []
    try:
        fleet.start_redis()
        fleet.write_keys([k1], wait=False)
        for i in range(args.servers):
            fleet.start_member(i)
        d = Driver(fleet, csv_path)

        d.do("phase base"); d.do(f"run {2 * n}")
        d.do("phase race"); d.do(f"race {n // 2}")         # one ticket, two members at once
        d.do("phase rot1-held"); d.do(f"hold {n}")            # tickets under k1
        fleet.write_keys([k1, k2]); events.append("k2 added (opens only)")
        d.do("phase rot1-added"); d.do(f"run {n}")
        fleet.write_keys([k2, k1]); events.append("k2 promoted (seals)")
        d.do("phase rot1-held"); d.do("resume")               # k1 tickets at members sealing with k2
        d.do("phase rot1-promoted"); d.do(f"run {n}")

        d.do("phase restart-held"); d.do(f"hold {n}")
        fleet.stop(fleet.members[1]); fleet.start_member(1); events.append("member 1 restarted")
        d.do("resume 1")                                      # at the new member 1
        d.do("phase after-restart"); d.do(f"run {n}")

        fleet.write_keys([k2, k1, k3]); events.append("k3 added (opens only)")
        d.do("phase rot2-added"); d.do(f"run {n}")
        fleet.write_keys([k3, k2, k1]); events.append("k3 promoted (seals)")
        d.do("phase rot2-promoted"); d.do(f"run {n}")
        # k1 is dropped: no ticket under k1 is outstanding any more (in production: one session
        # timeout after k2 was promoted).
        fleet.write_keys([k3, k2]); events.append("k1 dropped")
        d.do("phase rot2-dropped"); d.do(f"run {n}")
        fleet.write_bad_keys(); events.append("malformed key file refused")
        d.do("phase bad-key-file"); d.do(f"run {max(8, n // 4)}")
        fleet.write_keys([k3, k2]); fleet.sighup_all(); events.append("SIGHUP reload")

        os.kill(fleet.redis.pid, signal.SIGSTOP); events.append("redis stopped (SIGSTOP)")
        d.do("phase redis-stalled"); d.do(f"run {max(8, n // 4)}")
        os.kill(fleet.redis.pid, signal.SIGCONT)
        fleet.stop(fleet.redis, signal.SIGKILL); events.append("redis killed")
        d.do("phase redis-down"); d.do(f"run {n}")
        fleet.start_redis(); events.append("redis restarted (empty)")
        time.sleep(1.2)  # members try to reconnect at most once a second
        d.do("phase redis-back"); d.do(f"run {n}")
        d.quit()
    finally:
        fleet.stop_all()
    elapsed = time.monotonic() - t0
    return check(fleet, csv_path, events, elapsed)


OUTAGE = {"redis-stalled", "redis-down"}
EXPECTED_VIA = {"tls12-ticket": {"ticket"}, "tls13-ticket": {"ticket"},
                "tls13-stateful": {"redis"}}


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def check(fleet, csv_path, events, elapsed):
    rows = list(csv.DictReader(open(csv_path)))
    problems = []
    for r in rows:
        r["ok"], r["reused"], r["ms"] = int(r["ok"]), int(r["reused"]), float(r["ms"])

    failed = [r for r in rows if not r["ok"]]
    for r in failed[:10]:
        problems.append(f"failed handshake: {r}")
    if failed:
        problems.append(f"{len(failed)} failed handshakes")

    # Resumption outside the outage: every attempt, by the expected path.
    for r in rows:
        if r["step"] != "resume" or r["phase"] in OUTAGE or not r["ok"]:
            continue
        want = EXPECTED_VIA.get(r["path"]) or {"local", "redis"}
        if not r["reused"] or r["via"] not in want:
            problems.append(f"not resumed as expected ({'/'.join(sorted(want))}): {r}")

    # During the outage: the stateless paths still resume; Redis paths are full handshakes.
    outage = [r for r in rows if r["phase"] in OUTAGE and r["step"] == "resume" and r["ok"]]
    for r in outage:
        if r["path"] in ("tls12-ticket", "tls13-ticket") and not r["reused"]:
            problems.append(f"ticket not resumed during the Redis outage: {r}")
        if r["reused"] and r["via"] == "redis":
            problems.append(f"resumed through Redis while it was down: {r}")

    # Single use, fleet-wide: no replay resumed, and no ticket accepted twice by the members.
    replays = [r for r in rows if r["step"] in ("replay", "replay-same")]
    # (A race's loser is refused too; members count it, the clients' replay count does not.)
    for r in replays:
        if r["reused"]:
            problems.append(f"a used TLS 1.3 ticket was accepted again: {r}")
    races = defaultdict(list)
    for r in rows:
        if r["step"] == "race":
            races[r["client"]].append(r)
    for client, pair in races.items():
        won = sum(r["reused"] for r in pair)
        if len(pair) != 2 or won != 1:
            problems.append(f"race for client {client}'s ticket: {won} of {len(pair)} members "
                            "accepted it (want exactly one)")
    accepted = Counter(l.split()[1] for l in fleet.accept_log.read_text().splitlines() if l.strip())
    twice = [t for t, c in accepted.items() if c > 1]
    if twice:
        problems.append(f"{len(twice)} tickets accepted by more than one member: {twice[:3]}")
    stateful_resumed = sum(1 for r in rows if r["path"] == "tls13-stateful"
                           and r["step"] in ("resume", "race") and r["reused"])
    if sum(accepted.values()) < stateful_resumed:
        problems.append(f"accept logs name {sum(accepted.values())} tickets, "
                        f"clients resumed {stateful_resumed}")

    # Member logs: stats, outage logged once per member process, no handshake failure.
    member_stats = []
    for log in fleet.logs:
        text = log.read_text(errors="replace")
        starts = text.count("listening on")
        unreachable = text.count("redis: unreachable")
        if unreachable != 1:
            problems.append(f"{log.name}: 'redis: unreachable' logged {unreachable} times "
                            f"({starts} process(es), one outage): want once")
        if "handshake failed" in text:
            problems.append(f"{log.name}: a handshake failed on the server")
        for line in text.splitlines():
            if "stats:" in line:
                member_stats.append(dict(kv.split("=") for kv in line.split("stats: ")[1].split()))
    refused = sum(int(s["replays_refused"]) for s in member_stats)
    replays_up = sum(1 for r in replays if r["phase"] not in OUTAGE)
    if refused < replays_up:
        problems.append(f"members counted {refused} refused replays, clients made {replays_up} "
                        "outside the outage")

    # The stalled Redis costs at most the timeout per handshake, and only until it is marked down.
    stalled = [r["ms"] for r in rows if r["phase"] == "redis-stalled"]
    if stalled and max(stalled) > 5 * REDIS_TIMEOUT_MS + 500:
        problems.append(f"a handshake took {max(stalled):.0f} ms while Redis was stalled")

    # ---- the table ----------------------------------------------------------------------------
    clients = len({r["client"] for r in rows})
    out = []
    label = f" ({fleet.args.label} members, libtls clients)" if fleet.args.label else ""
    out.append(f"fleet{label}: {fleet.args.servers} members, {clients} clients, {len(rows)} handshakes "
               f"in {elapsed:.1f} s; events: {', '.join(events)}")
    out.append("")
    head = f"{'path':<15} {'step':<12} {'via':<7} {'handshakes':>10} {'resumed':>8} {'p50 ms':>8} {'p99 ms':>8}"
    out.append("Outside the Redis outage:")
    out.append(head)
    groups = defaultdict(list)
    for r in rows:
        if r["ok"] and r["phase"] not in OUTAGE:
            step = "replay" if r["step"].startswith("replay") else r["step"]
            groups[(r["path"], step, r["via"])].append(r)
    order = {"full": 0, "resume": 1, "replay": 2, "race": 3}
    for key in sorted(groups, key=lambda k: (k[0], order[k[1]], k[2])):
        g = groups[key]
        ms = [r["ms"] for r in g]
        out.append(f"{key[0]:<15} {key[1]:<12} {key[2]:<7} {len(g):>10} {sum(r['reused'] for r in g):>8} "
                   f"{pct(ms, 50):>8.2f} {pct(ms, 99):>8.2f}")
    out.append("")
    out.append("During the Redis outage (stalled, then killed):")
    out.append(head)
    groups = defaultdict(list)
    for r in rows:
        if r["ok"] and r["phase"] in OUTAGE and r["step"] == "resume":
            groups[(r["path"], r["step"], r["via"])].append(r)
    for key in sorted(groups):
        g = groups[key]
        ms = [r["ms"] for r in g]
        out.append(f"{key[0]:<15} {key[1]:<12} {key[2]:<7} {len(g):>10} {sum(r['reused'] for r in g):>8} "
                   f"{pct(ms, 50):>8.2f} {pct(ms, 99):>8.2f}")
    if stalled:
        out.append(f"(redis-stalled: slowest handshake {max(stalled):.1f} ms; "
                   f"command timeout {REDIS_TIMEOUT_MS} ms)")
    out.append("")
    resumes = [r for r in rows if r["step"] == "resume" and r["phase"] not in OUTAGE]
    out.append(f"resumption outside the outage: {sum(r['reused'] for r in resumes)}/{len(resumes)}; "
               f"failed handshakes: {len(failed)}; replays refused: "
               f"{sum(1 for r in replays if not r['reused'])}/{len(replays)} "
               f"(members counted {refused}, races included); races won by exactly one member: "
               f"{sum(1 for p in races.values() if sum(r['reused'] for r in p) == 1)}/{len(races)}; "
               f"tickets accepted twice: {len(twice)}")
    print("\n".join(out))
    if problems or fleet.args.keep:
        print(f"(logs, keys and the CSV are in {fleet.work})")
    if problems:
        print("\nFAILED:", file=sys.stderr)
        for p in problems[:40]:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"test-fleet{' (' + fleet.args.label + ')' if fleet.args.label else ''}: passed")
    if not fleet.args.keep:
        shutil.rmtree(fleet.work, ignore_errors=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--client", required=True)
    ap.add_argument("--redis-server", default="redis-server")
    ap.add_argument("--servers", type=int, default=3)
    ap.add_argument("--clients-per-phase", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label", default="", help="names the members' library in the output")
    ap.add_argument("--work", default=None, help="parent of the work directory")
    ap.add_argument("--keep", action="store_true", help="keep logs and the CSV")
    args = ap.parse_args()
    args.server, args.client = os.path.abspath(args.server), os.path.abspath(args.client)
    try:
        rc = run(args)
    except Failed as e:
        print(f"test-fleet: {e}", file=sys.stderr)
        print("(the work directory with the logs is kept)", file=sys.stderr)
        rc = 1
    sys.exit(rc)


if __name__ == "__main__":
    main()
