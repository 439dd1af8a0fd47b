# tests/bench/lib/modes.sh — the two modes that replace a full run: --proxy (stream timing direct
# vs relayed, then a proxy soak) and --soak. Sourced by tests/bench/run after its options and
# helpers are set; each mode prints its table and exits the harness with its status.

# ---------------------------------------------------------------- proxy (--proxy only)
# An upstream oaimock (20 words, 20 ms apart; a 429 rule with retry-after) on 127.0.0.1:18114 and
# a proxy in front of it on 18115: stream timing direct vs relayed, then the proxy soak.
if ((PROXY)); then
    log "cargo build --release (oaimock, harness tools)"
    (cd "$ROOT" && cargo build --release -q)
    cargo build --release -q --manifest-path "$BENCH/Cargo.toml"
    OAIMOCK="$ROOT/target/release/oaimock"
    REV="$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+uncommitted changes')"
    for port in 18114 18115; do
        if ss -ltnH "sport = :$port" | grep -q .; then echo "port $port is busy" >&2; exit 1; fi
    done
    cat >"$RES/upstream-rules.json" <<'RULES'
[{"match": {"user": {"equals": "limit"}},
  "reply": {"error": {"status": 429, "message": "Slow down.", "headers": {"retry-after": "2"}}}}]
RULES
    "$OAIMOCK" --port 18114 --quiet --token-delay-ms 20 --reply "$REPLY20" --journal-size 0 \
        --fixtures "$RES/upstream-rules.json" >"$RES/upstream.log" 2>&1 &
    UP_PID=$!
    "$OAIMOCK" --port 18115 --quiet --upstream http://127.0.0.1:18114 --journal-size 0 >"$RES/proxy.log" 2>&1 &
    PX_PID=$!
    trap 'kill "$UP_PID" "$PX_PID" 2>/dev/null || true' EXIT
    for f in upstream proxy; do
        for _ in $(seq 100); do grep -q "^listening on" "$RES/$f.log" && break; sleep 0.05; done
        grep -q "^listening on" "$RES/$f.log" || { echo "$f did not start: $(cat "$RES/$f.log")" >&2; exit 1; }
    done
    log "proxy timing: 40 streams of 20 words 20 ms apart, direct and relayed alternately"
    timeout 300 "$BENCH/target/release/proxybench" timing --upstream 127.0.0.1:18114 --proxy 127.0.0.1:18115 \
        --streams 40 >"$RES/proxy-timing.txt"
    # The soak's streams go without pauses, so it measures the proxy rather than the clock.
    kill "$UP_PID" 2>/dev/null || true
    wait "$UP_PID" 2>/dev/null || true
    "$OAIMOCK" --port 18114 --quiet --token-delay-ms 0 --journal-size 0 \
        --fixtures "$RES/upstream-rules.json" >"$RES/upstream.log" 2>&1 &
    UP_PID=$!
    for _ in $(seq 100); do grep -q "^listening on" "$RES/upstream.log" && break; sleep 0.05; done
    log "proxy soak: $PROXY_REQUESTS mixed requests through the proxy, 8 clients (raw output: $RES/proxy-soak.txt)"
    rc=0
    timeout $((600 + PROXY_REQUESTS / 200)) "$BENCH/target/release/proxybench" soak --proxy 127.0.0.1:18115 \
        --pid "$PX_PID" --requests "$PROXY_REQUESTS" --clients 8 >"$RES/proxy-soak.txt" || rc=$?
    kill "$UP_PID" "$PX_PID" 2>/dev/null || true
    t() { awk -v k="$1" -v i="$2" '$1 == k { print $i; exit }' "$RES/$3"; }
    {
        echo "## oaimock proxy — $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "Machine: $(nproc) cores, $(uname -r). oaimock built from $REV; upstream and proxy are both oaimock on loopback."
        echo
        echo "| measure | value |"
        echo "|---|---|"
        echo "| streams timed (direct and relayed, alternately) | $(t streams 2 proxy-timing.txt) × $(t streams 4 proxy-timing.txt) events, 20 ms apart |"
        echo "| first event: extra time through the proxy, median / p95 / worst | $(t first_event_extra_ms 3 proxy-timing.txt) / $(t first_event_extra_ms 5 proxy-timing.txt) / $(t first_event_extra_ms 7 proxy-timing.txt) ms |"
        echo "| gap between events: \|relayed − direct\|, median / p95 / worst | $(t gap_difference_ms 3 proxy-timing.txt) / $(t gap_difference_ms 5 proxy-timing.txt) / $(t gap_difference_ms 7 proxy-timing.txt) ms |"
        echo "| soak requests (mismatches) | $(t requests 2 proxy-soak.txt) ($(t requests 4 proxy-soak.txt)), $(t requests 6 proxy-soak.txt) s |"
        echo "| proxy threads / descriptors / RSS after warm-up | $(t baseline 3 proxy-soak.txt) / $(t baseline 5 proxy-soak.txt) / $(t baseline 7 proxy-soak.txt) KiB |"
        echo "| proxy threads / descriptors / RSS at end | $(t end 3 proxy-soak.txt) / $(t end 5 proxy-soak.txt) / $(t end 7 proxy-soak.txt) KiB |"
        echo "| verdict | $(sed -n 's/^verdict //p' "$RES/proxy-soak.txt") |"
    } | tee "$RES/table.md"
    exit "$rc"
fi

# ---------------------------------------------------------------- soak (--soak only)
# One oaimock with its defaults (journal of 1000 included) on 127.0.0.1:18113, the soak tool
# against it; prints its table and exits with the soak's status.
if ((SOAK)); then
    log "cargo build --release (oaimock, harness tools)"
    (cd "$ROOT" && cargo build --release -q)
    cargo build --release -q --manifest-path "$BENCH/Cargo.toml"
    OAIMOCK="$ROOT/target/release/oaimock"
    REV="$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+uncommitted changes')"
    PORT=18113
    if ss -ltnH "sport = :$PORT" | grep -q .; then echo "port $PORT is busy" >&2; exit 1; fi
    "$OAIMOCK" --port "$PORT" --quiet --token-delay-ms 0 >"$RES/soak-server.log" 2>&1 &
    SOAK_PID=$!
    trap 'kill "$SOAK_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 100); do grep -q "^listening on" "$RES/soak-server.log" && break; sleep 0.05; done
    grep -q "^listening on" "$RES/soak-server.log" || { echo "oaimock did not start: $(cat "$RES/soak-server.log")" >&2; exit 1; }
    log "soak: $SOAK_REQUESTS mixed requests, 16 clients (raw output: $RES/soak.txt)"
    rc=0
    # Bounded: at 5000 req/s (a sixth of what a quiet 2-core machine does) a million take 200 s.
    timeout $((600 + SOAK_REQUESTS / 5000)) "$BENCH/target/release/soak" --addr "127.0.0.1:$PORT" --pid "$SOAK_PID" \
        --requests "$SOAK_REQUESTS" --clients 16 >"$RES/soak.txt" || rc=$?
    kill "$SOAK_PID" 2>/dev/null || true
    grep -E '^(checkpoint|kind|error)' "$RES/soak.txt" >&2 || true
    f() { awk -v k="$1" -v i="$2" '$1 == k { print $i; exit }' "$RES/soak.txt"; }
    kib() { awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.2f MiB (%d KiB)", k / 1024, k }'; }
    SETTLE=$(awk '$1 == "baseline" { gsub(/[^0-9]/, "", $10); print $10 }' "$RES/soak.txt")
    {
        echo "## oaimock soak — $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)."
        echo "oaimock built from $REV, \`--quiet --token-delay-ms 0\`, default journal (1000 requests);"
        echo "16 client threads, fixed-seed mix (src/bin/soak/mix.rs), 1 in 12 on a fresh connection; exit status $rc."
        echo
        echo "| measure | value | pass if |"
        echo "|---|---|---|"
        echo "| requests | $(f total_requests 2) ($(f fresh_connections 2) on fresh connections) | |"
        echo "| requests/s | $(f rps 2) (wall $(f wall_s 2) s, idle pauses excluded) | |"
        echo "| mismatches | $(f mismatches 2) | 0 |"
        echo "| RSS after warm-up (200,000 requests, then ${SETTLE:-?} s idle) | $(kib "$(f rss_kib 3)") | |"
        echo "| RSS max (polled every 50 ms under load) | $(kib "$(f rss_kib 5)") | |"
        echo "| RSS at end (after ${SETTLE:-?} s idle) | $(kib "$(f rss_kib 7)") | |"
        echo "| growth: end − after warm-up | $(f growth_kib 3) KiB | < 1024 KiB |"
        echo "| growth: max − after warm-up | $(f growth_kib 5) KiB | |"
        echo "| threads after warm-up / at end / max | $(f threads 3) / $(f threads 7) / $(f threads 5) | end ≤ after warm-up |"
        echo "| verdict | $(sed -n 's/^verdict //p' "$RES/soak.txt") | |"
        errs=$(grep '^error' "$RES/soak.txt" || true)
        if [[ -n $errs ]]; then echo; echo "Mismatches: $(tr '\n' ';' <<<"$errs")"; fi
    } | tee "$RES/table.md"
    exit "$rc"
fi
