#!/usr/bin/env python3
"""sim_limits.py: raw TCP clients against hmcsim's connection limits.

Usage: sim_limits.py PORT PID SIMCTL CTL HELD EXTRA BOUND_S
Opens HELD connections that never send a byte (no SSH handshake), then
EXTRA more, and prints key=value facts for sim_limits.sh to check: how many
of the extra ones hmcsim closed (and how fast), hmcsim's thread count while
the held ones wait and after, and when the held ones were dropped.
"""
import socket
import subprocess
import sys
import time


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def status(simctl, ctl):
    out = subprocess.run([simctl, "-s", ctl, "status"], capture_output=True,
                         text=True, timeout=10).stdout
    return dict(l.split(" ", 1) for l in out.splitlines() if " " in l)


def closed_within(s, bound):
    """Seconds until the server closed S (EOF or reset), or None."""
    start = time.monotonic()
    s.settimeout(bound)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return time.monotonic() - start
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - start
    except socket.timeout:
        return None


def main():
    port, pid, simctl, ctl = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    held_n, extra_n, bound = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
    base = threads(pid)
    t0 = time.monotonic()
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(held_n)]
    time.sleep(0.5)
    st = status(simctl, ctl)
    print(f"threads_base={base}")
    print(f"threads_held={threads(pid)}")
    print(f"not_logged_in_held={st.get('not_logged_in', '?')}")
    extra = [socket.create_connection(("127.0.0.1", port)) for _ in range(extra_n)]
    waits = [closed_within(s, 2.0) for s in extra]
    shut = [w for w in waits if w is not None]
    print(f"extra_closed={len(shut)}")
    print(f"extra_close_max_ms={int(max(shut) * 1000) if shut else -1}")
    print(f"refused={status(simctl, ctl).get('refused', '?')}")
    waits = [closed_within(s, max(bound - (time.monotonic() - t0), 0.1))
             for s in held]
    shut = [w for w in waits if w is not None]
    print(f"held_closed={len(shut)}")
    print(f"held_dropped_after_s={time.monotonic() - t0:.1f}")
    time.sleep(0.5)
    st = status(simctl, ctl)
    print(f"threads_after={threads(pid)}")
    print(f"sessions_after={st.get('sessions', '?')}")
    print(f"reaped={st.get('reaped', '?')}")
    for s in held + extra:
        s.close()


main()
