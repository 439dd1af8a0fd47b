# tests/bench/lib/table.sh — the markdown table of a full or --quick run (throughput, streaming
# bursts, footprint, callgrind), printed and saved as results/<stamp>/table.md. Sourced last by
# tests/bench/run, after every measurement has set its variables.

# ---------------------------------------------------------------- table
mib() { awk -v k="$1" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else printf "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
check() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "n/a") print "n/a"; else if (v >= t) print "met"; else print "**not met**" }'; }
sfield() { awk -v k="$2" -v i="$3" '$1 == k { print $i }' "$RES/stream-$1.txt"; }

ELAPSED=$(awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
MODE=$([[ $QUICK == 1 ]] && echo "--quick (1 run of 3 s, preliminary)" || echo "full ($RUNS runs of $DUR s, medians)")
{
    echo "## oaimock performance — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    machine
    [[ -z $BASELINE ]] || echo "oaimock (baseline): \`$BASELINE\` ($(stat -c %s "$BASELINE") bytes, same flags)."
    echo "oaimock built from $REV; mode $MODE; load average after throughput $LOAD_AFTER_WRK; harness took ${ELAPSED} s."
    echo
    echo "### Non-streamed chat throughput — \`wrk -t2 -c50 -d${DUR}s --latency -s post.lua\`, loopback, servers measured round-robin"
    echo
    echo "| server | req/s | ÷ bare tiny_http loop | best run req/s | p50 ms | p99 ms | errors | conns starved, per run (of 50) | peak RSS MiB | oaimock / peer | target |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for name in "${ORDER[@]}"; do
        r=$(ratio "${RPS[oaimock]:-0}" "${RPS[$name]}")
        vs_bare=""
        [[ $name == oaimock || $name == baseline ]] && vs_bare=$(ratio "${RPS[$name]}" "${RPS[bare]:-0}")
        case $name in
            bare) target="≥ 0.9: $(check "$r" 0.9)" ;;
            aimock) target="≥ 2: $(check "$r" 2)" ;;
            seed) target="≥ 7: $(check "$r" 7)" ;;
            *) target="" ;;
        esac
        echo "| ${LABEL[$name]} | ${RPS[$name]} | $vs_bare | ${BEST[$name]} | ${P50[$name]} | ${P99[$name]} | ${BAD[$name]} | ${SERVED[$name]}| $(mib "${RSS[$name]}") | $r | $target |"
    done
    for s in "${SKIPPED[@]}"; do echo "| $s | | | | | | | | | | skipped |"; done
    echo
    echo "req/s, p50, p99: medians over runs (latencies count answered requests only). ÷ bare: median req/s ÷ the bare loop's, same run."
    echo "Conns starved: wrk connections that had not received one response byte 90% into a run (\`ss -i\` bytes_sent; tiny_http burst"
    echo "starvation, quirk Q1 in src/architecture.md)."
    [[ -n ${RPS[baseline]:-} ]] && echo "oaimock ÷ oaimock (baseline), req/s: $(ratio "${RPS[oaimock]:-0}" "${RPS[baseline]}")."
    echo
    echo "### Streaming bursts — oaimock and two thread-per-stream floors, 20-word \`--reply\`, all clients connected before any request (streamload)"
    echo
    echo "| scenario | streams ok | nominal ms | completion p50 / p99 / max ms | p50 ÷ nominal | max ÷ nominal | first byte p50 / max ms | word gap median / p99 ms | server peak RSS MiB | peak threads | CPU s server / client (wall s) | target |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for s in a a-floor a-tiny b b-floor b-tiny; do
        [[ -s "$RES/stream-$s.txt" ]] || { echo "| ($s) | streamload failed | | | | | | | | | | |"; continue; }
        ok=$(sfield $s streams_ok 2); total=$(sfield $s streams_ok 3); nom=$(sfield $s nominal_ms 2)
        c50=$(sfield $s completion_ms 3); c99=$(sfield $s completion_ms 5); cmax=$(sfield $s completion_ms 7)
        g50=$(sfield $s gap_ms 3); g99=$(sfield $s gap_ms 5)
        case $s in
            a) title="(a) oaimock: $total clients at once, 20 ms" ;;
            a-floor) title="(a) floor: the same burst, thread-per-stream floor" ;;
            a-tiny) title="(a) tiny_http floor: the same burst, tiny_http + a thread per stream" ;;
            b) title="(b) oaimock: $total concurrent streams, 50 ms" ;;
            b-floor) title="(b) floor: the same streams, thread-per-stream floor" ;;
            b-tiny) title="(b) tiny_http floor: the same streams, tiny_http + a thread per stream" ;;
        esac
        if [[ $s == a* ]]; then
            verdict=$(awk -v ok="$ok" -v t="$total" -v p="$c50" -v m="$cmax" -v n="$nom" 'BEGIN {
                r = (ok == t && p <= 1.25 * n && m <= 2 * n) ? "met" : "**not met**"; print "p50 ≤ 1.25×, max ≤ 2×, all complete: " r }')
        else
            verdict=$(awk -v ok="$ok" -v t="$total" -v g="$g50" -v q="$g99" 'BEGIN {
                d = g - 50; if (d < 0) d = -d; e = q - 50; if (e < 0) e = -e
                r = (ok == t && d <= 2 && e <= 10) ? "met" : "**not met**"; print "gap median ±2 ms, p99 ±10 ms: " r }')
        fi
        echo "| $title | $ok / $total | $nom | $c50 / $c99 / $cmax | $(ratio "$c50" "$nom") | $(ratio "$cmax" "$nom") | $(sfield $s ttfb_ms 3) / $(sfield $s ttfb_ms 7) | $g50 / $g99 | $(mib "$(sfield $s server_peak_rss_kib 2)") | $(sfield $s server_peak_threads 2) | $(sfield $s server_cpu_s 2) / $(sfield $s client_cpu_s 2) ($(awk -v w="$(sfield $s wall_ms 2)" 'BEGIN { printf "%.2f", w / 1000 }')) | $verdict |"
    done
    for s in a b; do
        for f in floor tiny; do
            [[ -s "$RES/stream-$s.txt" && -s "$RES/stream-$s-$f.txt" ]] || continue
            [[ $f == floor ]] && what="floor" || what="tiny_http floor"
            echo
            echo "($s) oaimock ÷ $what: completion p50 $(ratio "$(sfield $s completion_ms 3)" "$(sfield $s-$f completion_ms 3)")×, max $(ratio "$(sfield $s completion_ms 7)" "$(sfield $s-$f completion_ms 7)")×, server CPU $(ratio "$(sfield $s server_cpu_s 2)" "$(sfield $s-$f server_cpu_s 2)")×."
        done
    done
    errs=$(grep -H '^error' "$RES"/stream-*.txt 2>/dev/null | grep -v -- '-server.log' || true)
    [[ -n $errs ]] && { echo; echo "Stream failures: $(tr '\n' ';' <<<"$errs")"; }
    echo
    echo "### Footprint"
    echo
    echo "| measure | value |"
    echo "|---|---|"
    echo "| idle RSS 1 s after start | $(mib "$IDLE_RSS") MiB ($IDLE_THREADS threads) |"
    echo "| release binary size | $(awk -v b="$BIN_SIZE" 'BEGIN { printf "%.2f MiB (%d bytes)", b / 1048576, b }') |"
    echo "| exec → \`listening on\` line | $STARTUP_MS ms (median of 20) |"
    echo "| \`cargo build --release\`, clean target dir, sources cached | $BUILD |"
    echo "| crates in the build graph | $CRATES packages incl. oaimock (\`cargo tree -e normal --no-dedupe\`, unique) |"
    echo
    callgrind_table
} | tee "$RES/table.md"
