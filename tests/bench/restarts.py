#!/usr/bin/env python3
"""tests/bench/restarts.py — two descriptor exhaustions in a row under --max-connections 4, then
one chat request: how long it waits. Not part of cargo test (tests/hostile_exhaustion.rs holds
the one-second bar); this repeats the scenario to catch a rare stall, and on a stall prints the
server's threads (name, kernel wait) and sockets and stops.
Usage: tests/bench/restarts.py BINARY RUNS
"""
import socket, subprocess, time, re, sys, json, os, threading
BIN=sys.argv[1]; RUNS=int(sys.argv[2])
HEALTH=b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
body=json.dumps({"model":"m","messages":[{"role":"user","content":"still fine"}]}).encode()
CHAT=b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
def ask(port, req, timeout):
    try:
        with socket.create_connection(("127.0.0.1",port),timeout=timeout) as s:
            s.settimeout(timeout); s.sendall(req); d=s.recv(64)
            m=re.match(rb"HTTP/1\.1 (\d{3})",d); return int(m.group(1)) if m else None
    except OSError: return None
def dump(pid, port):
    out=[]
    for t in sorted(os.listdir(f"/proc/{pid}/task")):
        try:
            name=open(f"/proc/{pid}/task/{t}/comm").read().strip()
            wchan=open(f"/proc/{pid}/task/{t}/wchan").read().strip()
            out.append(f"{t}:{name}:{wchan}")
        except OSError: pass
    print("  threads:", " ".join(out))
    ss=subprocess.run(["ss","-tanH",f"( sport = :{port} or dport = :{port} )"],capture_output=True,text=True).stdout
    lines=ss.strip().splitlines()
    from collections import Counter
    print("  sockets:", Counter(l.split()[0] for l in lines))
    for l in lines[:40]: print("   ", l)
for r in range(RUNS):
    p=subprocess.Popen(["prlimit","--nofile=64",BIN,"--port","0","--quiet","--max-connections","4"],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
    line=p.stdout.readline(); port=int(line.strip().rsplit(":",1)[1])
    for _ in range(10): ask(port,HEALTH,1)
    hs=[]
    for rnd in range(2):
        conns=[]
        for i in range(150):
            try:
                s=socket.create_connection(("127.0.0.1",port),timeout=1); conns.append(s)
            except OSError: break
        time.sleep(0.3)
        for s in conns: s.close()
        t=time.time()
        while ask(port,HEALTH,1)!=200 and time.time()-t<30: pass
        hs.append(time.time()-t)
    res={}
    def go():
        t=time.time(); res['st']=ask(port,CHAT,15); res['took']=time.time()-t
    th=threading.Thread(target=go); th.start(); th.join(1.5)
    if th.is_alive():
        print(f"run {r}: STALL (health after {hs})"); dump(p.pid, port)
        th.join()
    print(f"run {r}: chat {res['st']} after {res['took']:.3f}s health {['%.2f'%h for h in hs]}", flush=True)
    p.kill(); p.wait()
    if res['took']>1.5: break
