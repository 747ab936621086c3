#!/usr/bin/env python3
"""report.py: bench/results/README.md and the makespan plot's data from
makespan.sh's makespan.dat ("KIND CAP N MAKESPAN_MS DETECT_MS BOUND_MS
TWICE [PHASE_MS AFTER_MS]"; KIND "trial": detection's trials).

    report.py DIR MACHINE-LINE

Writes DIR/README.md (the tables) and DIR/makespan-plot.dat ("N SRRHA_CAP1
SRRHA_CAP8 SRRHA_CAP32 BASELINE BOUND_CAP32", seconds, "?" where not run)
for gnuplot. Only what was measured is written."""
import os
import sys
import time

d, machine = sys.argv[1], sys.argv[2]
rows = []
parts = {}	# (kind, cap, n): (phase, after) ms, where measured
trials = []	# detection's trials: (detection, (phase, after) or None, twice)
poll, confirm, restart = 1000, 3000, 1500	# a .dat without its params line
for line in open(f"{d}/makespan.dat"):
    w = line.split()
    if len(w) == 4 and w[0] == "params":
        poll, confirm, restart = int(w[1]), int(w[2]), int(w[3])
    elif len(w) == 9 and w[0] == "trial":
        trials.append((int(w[4]), (int(w[7]), int(w[8])) if w[7] != "-" else None,
                       int(w[6])))
    elif len(w) in (7, 9):
        rows.append((w[0], int(w[1]), int(w[2]), int(w[3]), int(w[4]), int(w[5]), int(w[6])))
        if len(w) == 9 and w[7] != "-":
            parts[(w[0], int(w[1]), int(w[2]))] = (int(w[7]), int(w[8]))
base = {n: m for k, c, n, m, det, b, t in rows if k == "baseline"}


def waves(n, k):
    """ceil(N / k) x restart time: the restarts alone, K at once"""
    return (n + k - 1) // k * restart


def s(ms):
    return f"{ms / 1000:.1f}"


def secs(ms):
    """a parameter in seconds, as short as it is exact"""
    return f"{ms / 1000:g} s"



out = [
    "# Benchmark results",
    "",
    f"Machine: {machine}",
    "",
    "Written by `scripts/bench` (bench/makespan.sh, bench/rrmonitor.sh); every time",
    "is read in hmcsim's command log. Restart time 150 s scaled to "
    f"{secs(restart)}; srrd polls every {secs(poll)} and confirms the source down",
    f"over {secs(confirm)} (3 polls at least); the baseline (bench/rrmonitor.sh,",
    f"the seed article's rrMonitor) polls every {secs(poll)} over a new ssh",
    "connection and restarts one partition after another. At this scale (0.01)",
    f"a {secs(poll)} poll stands for {poll // 10} s of real time (srrd's default: 5 s).",
    "Bound = confirm window + ceil(N / cap) x restart time. Makespan = power-off",
    "to last restart done; detection = power-off to first restart sent. srrd",
    "runs the restarts on up to 16 SSH sessions per HMC, 8 channels each, and",
    "hmcsim, as an HMC, runs up to 10 channels of a session at once: the cap",
    "alone limits.",
    "",
    "The bound leaves out when the first poll after the power-off is asked (up",
    f"to one poll interval): so the makespan is also split in two. Detection",
    f"against its goal, confirm window + one poll ({secs(confirm + poll)}); and the",
    "restarts, from the first sent to the last done, against ceil(N / k) x",
    "restart time, k the restarts that may run at once (the cap).",
    "",
    "Detection = phase + confirm window + after (and the confirming poll's",
    "round trip, a few ms). The phase: from the power-off to the question of",
    "the first poll that saw it, where the window starts (taken as the",
    "confirming poll's question less the window); chance puts it anywhere in",
    "one poll interval, and a little past it when the poll asked just after",
    "the power-off read the state before it changed (the power-off itself",
    "is simctl's request, taken before it is sent: its few ms count in",
    "both). After: from the confirming poll's answer to the first restart",
    "sent, srrd's own work (the plan and the intents, each agreed through",
    "corosync and stored on every agent). The goal holds when after and the",
    "round trip fit in what the phase left of the interval: a phase near a",
    "whole interval leaves no room, so the tables give both.",
    "",
    "## Failover makespan (one source of N partitions)",
    "",
    "| N | cap | srrha (s) | bound (s) | srrha/bound | baseline (s) | srrha/baseline | detection (s) | detection/goal | phase (ms) | after (ms) | restarts (s) | restarts/ceil(N/k) x restart | restarted twice |",
    "|---|-----|-----------|-----------|-------------|--------------|----------------|---------------|---------------|------------|------------|--------------|----------------------------|-----------------|",
]


def phase_after(kind, c, n):
    p = parts.get((kind, c, n))
    return f"{p[0]} | {p[1]}" if p else "- | -"


for k, c, n, m, det, b, t in sorted(r for r in rows if r[0] == "srrha"):
    bl = base.get(n)
    out.append(f"| {n} | {c} | {s(m)} | {s(b)} | {m / b:.2f} | "
               f"{s(bl) if bl else 'not run'} | {f'{m / bl:.2f}' if bl else '-'} | {s(det)} | "
               f"{det / (confirm + poll):.2f} | {phase_after(k, c, n)} | {s(m - det)} | "
               f"{(m - det) / waves(n, c):.2f} | {t} |")
if trials:
    goal = confirm + poll
    dets = sorted(d for d, p, t in trials)
    afters = sorted(p[1] for d, p, t in trials if p) or ["-"]
    phases = [p[0] for d, p, t in trials if p] or ["-"]
    unsplit = len([p for d, p, t in trials if p is None])
    over = [(d, p) for d, p, t in trials if d > goal]

    def med(v):
        return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) // 2

    out += ["", f"## Detection over {len(trials)} failovers (cap 8, N = 8 each)", "",
            "Sources powered off one after another at moments unrelated to the poll's",
            f"phase. Goal: confirm window + one poll = {goal} ms.", "",
            "| failovers | detection median (ms) | max (ms) | within the goal | phase min-max (ms) | after median (ms) | after max (ms) | restarted twice |",
            "|-----------|-----------------------|----------|-----------------|--------------------|-------------------|----------------|-----------------|",
            f"| {len(trials)} | {med(dets)} | {dets[-1]} | {len(trials) - len(over)} | "
            f"{min(phases)}-{max(phases)} | {med(afters)} | {afters[-1]} | "
            f"{sum(t for d, p, t in trials)} |"]
    if over:
        out += ["", "Over the goal: " + ", ".join(
            f"{d} ms (phase {p[0]}, after {p[1]})" if p else f"{d} ms"
            for d, p in over) + "."]
    if unsplit:
        out += ["", f"{unsplit} of them without phase and after: the command log "
                "did not show the confirming poll."]
out += ["", "## Baseline (rrmonitor.sh)", "",
        "| N | makespan (s) | detection (s) | N x restart (s) | baseline/(N x restart) |",
        "|---|--------------|---------------|----------------------|----------------|"]
for k, c, n, m, det, b, t in sorted(r for r in rows if r[0] == "baseline"):
    seq = n * restart
    out.append(f"| {n} | {s(m)} | {s(det)} | {s(seq)} | {m / seq:.2f} |")
site = [r for r in rows if r[0] == "site4"]
if site:
    out += ["", "## Scale: a site of 4 sources of 32 partitions fails at once (128)", "",
            "The bound takes 2 x cap restarts at once: the 2 destinations' max_per_dest (= cap).", "",
            "| cap (per source) | makespan (s) | bound (s) | srrha/bound | detection (s) | phase (ms) | after (ms) | restarts (s) | restarts/ceil(N/2cap) x restart | restarted twice |",
            "|------------------|--------------|-----------|-------------|---------------|------------|------------|--------------|-------------------------------|-----------------|"]
    for k, c, n, m, det, b, t in site:
        out.append(f"| {c} | {s(m)} | {s(b)} | {m / b:.2f} | {s(det)} | {phase_after(k, c, n)} | "
                   f"{s(m - det)} | {(m - det) / waves(n, 2 * c):.2f} | {t} |")
for name, title in (("failover", "Leader loss, handshakes, footprint (bench/failover.sh)"),
                    ("leaderloss", "Leader loss at a random moment, 20 trials (bench/leaderloss.sh)"),
                    ("steady", "Steady HMC load and footprint, 48 systems, 2000 partitions (bench/steady.sh)"),
                    ("store", "The store: a merge in batches against a transaction per record (bench/store_merge_bench)")):
    try:
        txt = open(f"{d}/{name}.txt").read().strip()
    except FileNotFoundError:
        continue
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(f"{d}/{name}.txt")))
    out += ["", "## " + title, "", f"`{name}.txt`, written {when}:", "", "```", txt, "```"]
out += ["", "![makespan against N](makespan.png)", ""]
open(f"{d}/README.md", "w").write("\n".join(out))

ns = sorted({r[2] for r in rows if r[0] in ("srrha", "baseline")})
with open(f"{d}/makespan-plot.dat", "w") as f:
    for n in ns:
        def get(kind, cap):
            for k, c, nn, m, det, b, t in rows:
                if k == kind and nn == n and (cap is None or c == cap):
                    return s(m)
            return "?"
        b32 = next((s(r[5]) for r in rows if r[0] == "srrha" and r[2] == n and r[1] == 32), "?")
        f.write(f"{n} {get('srrha', 1)} {get('srrha', 8)} {get('srrha', 32)} "
                f"{get('baseline', None)} {b32}\n")
