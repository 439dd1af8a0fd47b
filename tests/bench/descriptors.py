#!/usr/bin/env python3
"""tests/bench/descriptors.py — how fast oaimock answers when it runs out of file descriptors.

Not part of `cargo test` (tests/hostile_exhaustion.rs asserts the liveness; this measures).
Usage: tests/bench/descriptors.py BINARY [RUNS] [-- EXTRA FLAGS]

Each run starts BINARY under `ulimit -n 64` with `--quiet --port 0`, warms it up (ten rounds of
two concurrent /health requests), then opens a burst of 150 connections and holds them: the
accept loop ends on EMFILE (quirk Q5). It then measures
- during: one /health request while the burst is held: seconds until any HTTP answer (a 503
  from the stand-in counts), or "none" within 5 s;
- after: the burst is closed; seconds until the first answer of any kind, and until the first 200,
  asking again on a new connection after each answer or 1 s of silence (cap 30 s).
Prints every run and the medians.
"""
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

HEALTH = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def ask(port, timeout):
    """The status line's code, or None when nothing came within `timeout`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(HEALTH)
            data = s.recv(64)
            m = re.match(rb"HTTP/1\.1 (\d{3})", data)
            return int(m.group(1)) if m else None
    except OSError:
        return None


def one_run(binary, extra):
    cmd = f'ulimit -n 64 && exec "$0" --port 0 --quiet "$@"'
    p = subprocess.Popen(["sh", "-c", cmd, binary] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r":(\d+)", p.stdout.readline()).group(1))
        for _ in range(10):
            t = threading.Thread(target=ask, args=(port, 5))
            t.start()
            ask(port, 5)
            t.join()
        held = []
        for _ in range(150):
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=1))
            except OSError:
                pass
        start = time.monotonic()
        during = time.monotonic() - start if ask(port, 5) else None
        for s in held:
            s.close()
        start = time.monotonic()
        first_any = first_200 = None
        while time.monotonic() - start < 30 and first_200 is None:
            code = ask(port, 1)
            now = time.monotonic() - start
            if code is not None and first_any is None:
                first_any = now
            if code == 200:
                first_200 = now
        return during, first_any, first_200
    finally:
        p.kill()
        p.wait()


def fmt(v):
    return "none" if v is None else f"{v:.3f}"


def median(values):
    known = [v for v in values if v is not None]
    missing = len(values) - len(known)
    text = fmt(statistics.median(known)) if known else "none"
    return text + (f" ({missing} none)" if missing else "")


def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    binary, runs = args[0], int(args[1]) if len(args) > 1 else 20
    results = []
    for i in range(runs):
        r = one_run(binary, extra)
        results.append(r)
        print(f"run {i + 1}: during {fmt(r[0])} s, after: any answer {fmt(r[1])} s, "
              f"200 {fmt(r[2])} s", flush=True)
    print(f"median of {runs}: during {median([r[0] for r in results])} s, "
          f"after: any answer {median([r[1] for r in results])} s, "
          f"200 {median([r[2] for r in results])} s")


if __name__ == "__main__":
    main()
