#!/usr/bin/env python3
"""report.py: bench/results/README.md and the makespan plot's data from
makespan.sh's makespan.dat ("KIND CAP N MAKESPAN_MS DETECT_MS BOUND_MS
TWICE").

    report.py DIR MACHINE-LINE

Writes DIR/README.md (the tables) and DIR/makespan-plot.dat ("N SRRHA_CAP1
SRRHA_CAP8 SRRHA_CAP32 BASELINE BOUND_CAP32 BOUND_16_AT_ONCE", seconds, "?" where not run)
for gnuplot. Only what was measured is written."""
import sys

d, machine = sys.argv[1], sys.argv[2]
rows = []
for line in open(f"{d}/makespan.dat"):
    w = line.split()
    if len(w) == 7:
        rows.append((w[0], int(w[1]), int(w[2]), int(w[3]), int(w[4]), int(w[5]), int(w[6])))
base = {n: m for k, c, n, m, det, b, t in rows if k == "baseline"}


def b16(n, cap):
    """the bound when at most min(cap, 16) restarts run at once"""
    k = min(cap, 16)
    return 3000 + (n + k - 1) // k * 1500


def s(ms):
    return f"{ms / 1000:.1f}"


out = [
    "# Benchmark results",
    "",
    f"Machine: {machine}",
    "",
    "Written by `scripts/bench` (bench/makespan.sh, bench/rrmonitor.sh); every time",
    "is read in hmcsim's command log. Restart time 150 s scaled to 1.5 s; srrd",
    "polls every 1 s and confirms over 3 polls in 3 s; the baseline",
    "(bench/rrmonitor.sh, the seed article's rrMonitor) polls every 1 s over a new",
    "ssh connection and restarts one partition after another. Bound = confirm",
    "window + ceil(N / cap) x restart time. Makespan = power-off to last restart",
    "done; detection = power-off to first restart sent. srrd keeps at most 16",
    "SSH sessions per HMC and hmcsim runs one command per session, so at cap 32",
    "at most 16 restarts run at once: the last column is the bound for that.",
    "",
    "The bound leaves out when the first poll after the power-off is asked (up",
    "to one poll interval, 1 s here): so the makespan is also split in two.",
    "Detection against its goal, confirm window + one poll (4 s); and the",
    "restarts, from the first sent to the last done, against ceil(N / k) x",
    "restart time, k the restarts that may run at once (cap, at most 16).",
    "",
    "## Failover makespan (one source of N partitions)",
    "",
    "| N | cap | srrha (s) | bound (s) | srrha/bound | baseline (s) | srrha/baseline | detection (s) | detection/4 s | restarts (s) | restarts/ceil(N/k) x 1.5 s | restarted twice | bound, 16 at once (s) |",
    "|---|-----|-----------|-----------|-------------|--------------|----------------|---------------|---------------|--------------|----------------------------|-----------------|-----------------------|",
]
for k, c, n, m, det, b, t in sorted(r for r in rows if r[0] == "srrha"):
    bl = base.get(n)
    waves = b16(n, c) - 3000
    out.append(f"| {n} | {c} | {s(m)} | {s(b)} | {m / b:.2f} | "
               f"{s(bl) if bl else 'not run'} | {f'{m / bl:.2f}' if bl else '-'} | {s(det)} | "
               f"{det / 4000:.2f} | {s(m - det)} | {(m - det) / waves:.2f} | {t} | "
               f"{s(b16(n, c))} |")
out += ["", "## Baseline (rrmonitor.sh)", "",
        "| N | makespan (s) | detection (s) | N x restart (s) | baseline/(N x restart) |",
        "|---|--------------|---------------|----------------------|----------------|"]
for k, c, n, m, det, b, t in sorted(r for r in rows if r[0] == "baseline"):
    seq = n * 1500
    out.append(f"| {n} | {s(m)} | {s(det)} | {s(seq)} | {m / seq:.2f} |")
site = [r for r in rows if r[0] == "site4"]
if site:
    out += ["", "## Scale: a site of 4 sources of 32 partitions fails at once (128)", "",
            "The bound takes 2 x cap restarts at once: the 2 destinations' max_per_dest (= cap).", "",
            "| cap (per source) | makespan (s) | bound (s) | srrha/bound | bound, 16 at once on the HMC (s) | srrha/that | detection (s) | restarted twice |",
            "|------------------|--------------|-----------|-------------|----------------------------------|------------|---------------|-----------------|"]
    for k, c, n, m, det, b, t in site:
        b2 = b16(n, c)
        out.append(f"| {c} | {s(m)} | {s(b)} | {m / b:.2f} | {s(b2)} | {m / b2:.2f} | {s(det)} | {t} |")
for name, title in (("failover", "Leader loss, handshakes, footprint (bench/failover.sh)"),
                    ("leaderloss", "Leader loss at a random moment, 20 trials (bench/leaderloss.sh)"),
                    ("steady", "Steady HMC load and footprint, 48 systems, 2000 partitions (bench/steady.sh)")):
    try:
        txt = open(f"{d}/{name}.txt").read().strip()
    except FileNotFoundError:
        continue
    out += ["", "## " + title, "", "```", txt, "```"]
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
                f"{get('baseline', None)} {b32} {s(b16(n, 32))}\n")
