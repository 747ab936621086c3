#!/usr/bin/env python3
"""srrd_hostile.py: the hostile names of srrd_hostile_names.sh, and the
checks of hmcsim's command log against them.

  srrd_hostile.py topo FILE         write the hmcsim topology to FILE
  srrd_hostile.py source            print the source system's name
  srrd_hostile.py names             print each partition name as hex, sorted
  srrd_hostile.py log OP CMDLOG...  check every `rrstartlpar -o OP` that
      exited 0 in the command logs (JSON lines): each names the source and
      one partition, each word whole; prints one line per partition,
      "HEXNAME COUNT", sorted
  srrd_hostile.py manual OUT CMDLOG...  OUT is `srrctl debts` output: each
      "over SSH:" line was pasted into bash; check that the log holds one
      cleanup per debt naming that debt's partition; prints a "# " line
"""
import json
import shlex
import sys

SOURCE = "src-\u03a9 'q' \"d\";|&`lssyscfg -r sys -F name`$(id)"
# every name that must arrive as one word, and restart and clean up as such
NAMES = [
    "it's",
    'say "hi"',
    "a;b",
    "$(chsysstate -r sys -m canary -o off)",
    "`chsysstate -r sys -m canary -o off`",
    "x|y && z",
    "donn\u00e9es-\u5206\u533a-\u03a9\u03bc\u03ad\u03b3\u03b1",
    "two  spaces",
    "a,b",
    "back\\slash",
    "star*?",
    "tab-free\u00a0nbsp",
]
# the maximum an HMC name may be here (HMC_NAME_MAX, 255 bytes), hostile too
_head = "max'\"$;|`\u00e9-"
NAMES.append(_head + "x" * (255 - len(_head.encode())))


def topo(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# written by srrd_hostile.py: hostile system and partition "
                "names\n[hmc]\nname = hmcsim\nrr_limit = 32\n\n")
        for name, serial in ((SOURCE, 1), ("dst1", 2), ("canary", 3)):
            f.write(f"[system {name}]\ntype_model = 9009-42A\n"
                    f"serial = 780010{serial}\nstate = Operating\n"
                    "srr_capable = 1\n\n")
            f.write(f"[lpar {name}/vios1]\nid = 1\nenv = vioserver\n"
                    "state = Running\nsrr_capable = 0\nmem_mb = 8192\n"
                    "proc_units = 1.0\n\n")
        for i, n in enumerate(NAMES):
            f.write(f"[lpar {SOURCE}/{n}]\nid = {i + 2}\nstate = Running\n"
                    "srr_capable = 1\nmem_mb = 2048\nproc_units = 0.1\n\n")


def records(paths):
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def rr_words(rec, op):
    """The words of an rrstartlpar -o OP record, or None."""
    w = shlex.split(rec["command"])
    if not w or w[0] != "rrstartlpar" or "-o" not in w:
        return None
    if w[w.index("-o") + 1] != op:
        return None
    return w


def opt(w, name):
    return w[w.index(name) + 1] if name in w else None


def check_log(op, paths):
    count = {}
    for rec in records(paths):
        w = rr_words(rec, op)
        if w is None or rec.get("exit_status") != 0:
            continue
        if opt(w, "-m") != SOURCE:
            sys.exit(f"-m is not the source, whole: {rec['command']!r}")
        p = opt(w, "-p")
        if p not in NAMES:
            sys.exit(f"-p names no partition, whole: {rec['command']!r}")
        count[p] = count.get(p, 0) + 1
    for n in sorted(count, key=lambda s: s.encode().hex()):
        print(n.encode().hex(), count[n])


def check_manual(out, paths):
    # the debts' detail: "ID  LPAR" then "    over SSH:   LINE"
    want, cur = [], None
    with open(out, encoding="utf-8") as f:
        for line in f:
            if line.startswith("    over SSH:"):
                want.append(cur)
            elif not line.startswith(" ") and "  " in line:
                cur = line.rstrip("\n").split("  ", 1)[1]
    got = []
    for rec in records(paths):
        w = rr_words(rec, "cleanup")
        if w is not None and rec.get("exit_status") != 0:
            if opt(w, "-m") != SOURCE:
                sys.exit(f"manual: -m not whole: {rec['command']!r}")
            got.append(opt(w, "-p"))
    if sorted(want) != sorted(NAMES) or sorted(got) != sorted(want):
        sys.exit(f"manual: debts {len(want)}, commands seen {len(got)}: "
                 f"{sorted(set(want) ^ set(got))!r}")
    print(f"# {len(got)} manual cleanups reached hmcsim, each naming its debt")


def main(argv):
    if argv[:1] == ["topo"]:
        topo(argv[1])
    elif argv[:1] == ["source"]:
        print(SOURCE)
    elif argv[:1] == ["names"]:
        for n in sorted(NAMES, key=lambda s: s.encode().hex()):
            print(n.encode().hex())
    elif argv[:1] == ["log"]:
        check_log(argv[1], argv[2:])
    elif argv[:1] == ["manual"]:
        check_manual(argv[1], argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
