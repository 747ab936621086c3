#!/usr/bin/env python3
"""srr_cmdlog.py: questions about hmcsim's JSON command log (doc/hmcsim.8,
COMMAND LOG), for the srrd integration tests. The command log is what the
HMC really received: the tests prove their claims here, never in srrd's
own log.

    srr_cmdlog.py -l LOG [-l LOG...] QUESTION [ARG] [--since MS] [--until MS]
                  [--peer ADDR] [--endpoint ADDR] [--sys SYS] [--ok]

-l may be given several times (two hmcsim instances); records are merged.
--since/--until are wall-clock milliseconds (date +%s%3N), compared with a
command's start. --peer keeps one client address, --endpoint the
commands hmcsim received on one of its addresses; --sys the commands
naming that source system (-m); --ok the commands that exited 0.

Questions (output on stdout, one answer):
  rr OP           one line per rrstartlpar -o OP (restart, cleanup,
                  validate...): "LPAR SRC DST EXIT START_MS END_MS PEER NOCONN"
  cmd OP          the command line of every rrstartlpar -o OP, as received
  count OP        how many rrstartlpar -o OP
  per-lpar OP     "LPAR N" for every partition, N = commands of OP
  twice           restarts of a partition sent from a system other than the
                  one its last successful restart put it on, or while
                  another restart of it ran: "LPAR ..." (empty: none)
  overlap OP      the most rrstartlpar -o OP running at once
  prefix STR      how many commands begin with STR (any verb)
  peers           the client addresses that sent anything (sorted)
  sent-by PEER    how many commands that client sent (any verb)
  changes         commands that change something (rrstartlpar restart or
                  cleanup, chsysstate, chsyscfg): one line each
  last-end OP     wall ms at which the last successful OP ended (0: none)
  first-start OP  wall ms at which the first OP started (0: none)
  leader S        the one client that sent `lssyscfg -r sys` at least twice
                  in the last S seconds (its address), or nothing if not
                  exactly one did (the leader polls at full rate)
  polls           "PEER N" lssyscfg -r sys per client
  detection SYS   how the first restart from SYS came about (use --since
                  the power-off; not with --sys): "ASKED_MS ANSWERED_MS
                  FIRST_MS", wall ms: when the poll that confirmed was
                  asked and answered (the last `lssyscfg -r sys` of the
                  client that sent that restart to end before it), and the
                  restart's start; nothing if no restart
"""
import json
import shlex
import sys
import time


def load(paths):
    recs = []
    for p in paths:
        try:
            with open(p) as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        recs.append(json.loads(line))
                    except ValueError:
                        pass    # a line being written: ignore
        except FileNotFoundError:
            pass
    recs.sort(key=lambda r: r["start_wall_us"])
    return recs


def words(cmd):
    try:
        return shlex.split(cmd)
    except ValueError:
        return cmd.split()


def opt(w, name):
    for i, x in enumerate(w[:-1]):
        if x == name:
            return w[i + 1]
    return ""


def rr(rec):
    """(op, lpar, src, dst, noconn) of an rrstartlpar, or None."""
    w = words(rec["command"])
    if not w or w[0] != "rrstartlpar":
        return None
    return (opt(w, "-o"), opt(w, "-p") or ("id:" + opt(w, "--id")),
            opt(w, "-m"), opt(w, "-t") or "-", "--noconnection" in w)


def ms(us):
    return us // 1000


def main(argv):
    logs, args, flt = [], [], {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--since", "--until", "--peer", "--endpoint", "--sys"):
            flt[a[2:]] = argv[i + 1]
            i += 2
            continue
        if a == "-l":
            logs.append(argv[i + 1])
            i += 2
            continue
        if a == "--ok":
            flt["ok"] = True
        else:
            args.append(a)
        i += 1
    if not logs or not args:
        sys.stderr.write(__doc__)
        return 2
    recs = load(logs)
    if "since" in flt:
        recs = [r for r in recs if ms(r["start_wall_us"]) >= int(flt["since"])]
    if "until" in flt:
        recs = [r for r in recs if ms(r["start_wall_us"]) < int(flt["until"])]
    if "peer" in flt:
        recs = [r for r in recs if r.get("peer") == flt["peer"]]
    if "endpoint" in flt:
        recs = [r for r in recs if r["endpoint"].rsplit(":", 1)[0] == flt["endpoint"]]
    if "sys" in flt:
        recs = [r for r in recs if opt(words(r["command"]), "-m") == flt["sys"]]
    if flt.get("ok"):
        recs = [r for r in recs if r.get("exit_status") == 0]
    q, rest = args[0], args[1:]

    def of(op):
        return [(r, rr(r)) for r in recs if rr(r) and rr(r)[0] == op]

    if q == "rr":
        for r, (op, lp, src, dst, nc) in of(rest[0]):
            es = r.get("exit_status")
            print(lp, src, dst, "none" if es is None else es, ms(r["start_wall_us"]),
                  ms(r["end_wall_us"]), r.get("peer", "?"), int(nc))
    elif q == "cmd":
        for r, _ in of(rest[0]):
            print(r["command"])
    elif q == "count":
        print(len(of(rest[0])))
    elif q == "per-lpar":
        n = {}
        for _, x in of(rest[0]):
            n[x[1]] = n.get(x[1], 0) + 1
        for lp in sorted(n):
            print(lp, n[lp])
    elif q == "twice":
        # A partition lives where its last successful restart put it. A
        # restart sent from any other system (the copy there is stale), or
        # one sent while another restart of it was still running, is a
        # second restart. A restart from where it lives now is not: a
        # partition restarted onto a system that fails later is rightly
        # restarted again, from there.
        rs = sorted(of("restart"), key=lambda e: e[0]["start_mono"])
        for i, (r, x) in enumerate(rs):
            lp, src = x[1], x[2]
            where = None
            for r2, x2 in rs[:i]:
                if x2[1] != lp:
                    continue
                if r2["end_mono"] > r["start_mono"]:
                    print(lp, "restart sent while another was running:", r["command"],
                          "exit", r.get("exit_status"))
                    break
                if r2.get("exit_status") == 0:
                    where = x2[3]
            else:
                if where is not None and where != src:
                    print(lp, "restart sent from", src, "after a successful one to", where + ":",
                          r["command"], "exit", r.get("exit_status"))
    elif q == "overlap":
        ev = []
        for r, _ in of(rest[0]):
            ev.append((r["start_mono"], 1))
            ev.append((r["end_mono"], -1))
        cur = best = 0
        for _, d in sorted(ev, key=lambda e: (e[0], e[1])):
            cur += d
            best = max(best, cur)
        print(best)
    elif q == "prefix":
        print(len([r for r in recs if r["command"].startswith(rest[0])]))
    elif q == "peers":
        for p in sorted({r.get("peer", "?") for r in recs}):
            print(p)
    elif q == "sent-by":
        print(len([r for r in recs if r.get("peer") == rest[0]]))
    elif q == "changes":
        for r in recs:
            w = words(r["command"])
            if not w:
                continue
            x = rr(r)
            if (x and x[0] in ("restart", "cleanup")) or w[0] in ("chsysstate", "chsyscfg"):
                print(r.get("peer", "?"), r["command"], "exit", r.get("exit_status"))
    elif q in ("last-end", "first-start"):
        xs = [r for r, _ in of(rest[0])]
        if q == "last-end":
            xs = [r["end_wall_us"] for r in xs if r.get("exit_status") == 0]
            print(ms(max(xs)) if xs else 0)
        else:
            print(ms(min(r["start_wall_us"] for r in xs)) if xs else 0)
    elif q == "leader":
        since = time.time() * 1e6 - float(rest[0]) * 1e6
        n = {}
        for r in recs:
            if r["start_wall_us"] >= since and r["command"].startswith("lssyscfg -r sys"):
                n[r.get("peer", "?")] = n.get(r.get("peer", "?"), 0) + 1
        fast = [p for p, c in n.items() if c >= 2]
        if len(fast) == 1:
            print(fast[0])
    elif q == "detection":
        first = [r for r, x in of("restart") if x[2] == rest[0]]
        if first:
            r0 = min(first, key=lambda r: r["start_wall_us"])
            before = [r for r in recs if r.get("peer") == r0.get("peer") and
                      r["command"].startswith("lssyscfg -r sys") and
                      r["end_wall_us"] <= r0["start_wall_us"]]
            if before:
                c = max(before, key=lambda r: r["end_wall_us"])
                print(ms(c["start_wall_us"]), ms(c["end_wall_us"]), ms(r0["start_wall_us"]))
    elif q == "polls":
        n = {}
        for r in recs:
            if r["command"].startswith("lssyscfg -r sys"):
                n[r.get("peer", "?")] = n.get(r.get("peer", "?"), 0) + 1
        for p in sorted(n):
            print(p, n[p])
    else:
        sys.stderr.write("srr_cmdlog: unknown question %s\n" % q)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
