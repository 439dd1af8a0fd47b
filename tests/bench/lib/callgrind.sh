# tests/bench/lib/callgrind.sh — measurement 4., instructions per plain chat request under
# callgrind: cg_run, callgrind_measure and callgrind_table. Sourced by tests/bench/run, which
# calls them (last in a full run, alone with --callgrind-only).

# ---------------------------------------------------------------- 4. callgrind (defined here, run last)
# Each oaimock binary (this tree's, and --baseline's) runs under callgrind twice per repetition:
# once for CG_WARM requests, once for CG_WARM + CG_N, all plain chat on one keep-alive connection
# (plainload), the server ended by SIGTERM right after (callgrind writes its totals on a fatal
# signal). (Ir(W+N) - Ir(W)) / N leaves the instructions of N steady-state requests: startup,
# warm-up and shutdown are in both runs and cancel out. W = 1000 fills the default journal (1000
# requests), so the measured requests all evict one. W + N = 6000 take ~3 s under callgrind on 2 cores.
# What does not cancel: timing. The janitor pokes 50 times a second while requests flow (~0.3 M Ir
# per second of callgrind time, ~0.3% of the figure), and how often the connection thread and the
# workers find their queue empty or a mutex taken (std's mutex spins) depends on the schedule: the
# count varies by ~±1% from process to process, per request, so a larger N does not help and more
# pairs do. Full and --callgrind-only: the median of 3 pairs, binaries interleaved; --quick: 1 pair.
# The table shows the pairs' spread. Totals need no symbols (the release binary is stripped).
CG_WARM=1000 CG_N=5000
if ((QUICK)); then CG_REPS=1; else CG_REPS=3; fi
declare -A CG_BIN CG_IPR CG_W CG_WN CG_LABEL CG_SPREAD
CG_ERR=()

# cg_run PREFIX BINARY REQUESTS: sets CG_TOTAL to the whole process's Ir total, or fails (reason
# on stderr). Not run in a $(...) subshell, so the server's pid reaches STARTED and the EXIT trap.
cg_run() {
    CG_TOTAL=
    local out=$1 bin=$2 n=$3 addr="" pid rc=0
    valgrind --tool=callgrind --callgrind-out-file="$out.callgrind" \
        "$bin" --quiet --token-delay-ms 0 --port 0 >"$out.log" 2>"$out.valgrind" &
    pid=$!
    STARTED+=("$pid")
    # Up to 60 s for the `listening on` line: valgrind's start is slow on a loaded machine.
    for _ in $(seq 1200); do
        addr=$(sed -n 's|^listening on http://||p' "$out.log")
        [[ -n $addr ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if [[ -z $addr ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        echo "$bin did not print its listening line under callgrind: $(tail -n 3 "$out.valgrind" "$out.log")" >&2
        return 1
    fi
    timeout 300 "$TOOLS/plainload" --addr "$addr" --requests "$n" >"$out.load" 2>&1 || rc=$?
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if ((rc)); then echo "plainload against $bin failed (exit $rc): $(tail -n 2 "$out.load")" >&2; return 1; fi
    CG_TOTAL=$(awk '$1 == "totals:" { print $2 }' "$out.callgrind" 2>/dev/null || true)
    [[ -n $CG_TOTAL ]] || { echo "no totals in $out.callgrind" >&2; return 1; }
}

callgrind_measure() {
    if ! command -v valgrind >/dev/null; then
        log "apt-get install valgrind"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
    fi
    local names=(oaimock) name rep w wn
    CG_BIN[oaimock]=$OAIMOCK CG_LABEL[oaimock]="oaimock ($REV)"
    if [[ -n $BASELINE ]]; then
        names+=(baseline)
        CG_BIN[baseline]=$BASELINE CG_LABEL[baseline]="oaimock (baseline) \`$BASELINE\`"
    fi
    log "callgrind: $CG_REPS repetition(s) per binary of $CG_WARM, then $CG_WARM + $CG_N plain chat requests on one connection: ${names[*]}"
    for rep in $(seq "$CG_REPS"); do
        for name in "${names[@]}"; do
            if cg_run "$RES/callgrind-$name-$rep-w" "${CG_BIN[$name]}" "$CG_WARM" && w=$CG_TOTAL &&
                cg_run "$RES/callgrind-$name-$rep-wn" "${CG_BIN[$name]}" $((CG_WARM + CG_N)) && wn=$CG_TOTAL; then
                echo "$name $rep $w $wn $(awk -v a="$w" -v b="$wn" -v n="$CG_N" 'BEGIN { printf "%.0f", (b - a) / n }')" >>"$RES/callgrind.txt"
                echo "callgrind $name rep $rep: Ir($CG_WARM) $w, Ir($((CG_WARM + CG_N))) $wn, per request $(tail -n 1 "$RES/callgrind.txt" | cut -d' ' -f5)" >&2
            else
                CG_ERR+=("$name rep $rep")
            fi
        done
    done
    for name in "${names[@]}"; do
        [[ -s $RES/callgrind.txt ]] && grep -q "^$name " "$RES/callgrind.txt" || continue
        CG_IPR[$name]=$(awk -v k="$name" '$1 == k { print $5 }' "$RES/callgrind.txt" | median)
        CG_W[$name]=$(awk -v k="$name" '$1 == k { print $3 }' "$RES/callgrind.txt" | median)
        CG_WN[$name]=$(awk -v k="$name" '$1 == k { print $4 }' "$RES/callgrind.txt" | median)
        CG_SPREAD[$name]=$(awk -v k="$name" '$1 == k { if (n++ == 0 || $5 < lo) lo = $5; if ($5 > hi) hi = $5 }
            END { if (n > 1) printf "%d–%d (%d pairs)", lo, hi, n; else print "1 pair" }' "$RES/callgrind.txt")
    done
}

callgrind_table() {
    local name r
    echo "### Instructions per plain chat request — callgrind, (Ir(W + N) − Ir(W)) ÷ N, W = $CG_WARM, N = $CG_N, one keep-alive connection (plainload)"
    echo
    echo "| build | instructions per plain chat request (callgrind) | min–max over pairs | Ir, W requests | Ir, W + N requests | ÷ baseline |"
    echo "|---|---:|---:|---:|---:|---:|"
    for name in oaimock baseline; do
        [[ $name == baseline && -z $BASELINE ]] && continue
        if [[ -z ${CG_IPR[$name]:-} ]]; then echo "| ${CG_LABEL[$name]} | failed | | | | |"; continue; fi
        r=""
        [[ $name == oaimock && -n ${CG_IPR[baseline]:-} ]] && r=$(awk -v a="${CG_IPR[oaimock]}" -v b="${CG_IPR[baseline]}" 'BEGIN { printf "%.3f", a / b }')
        echo "| ${CG_LABEL[$name]} | ${CG_IPR[$name]} | ${CG_SPREAD[$name]} | ${CG_W[$name]} | ${CG_WN[$name]} | $r |"
    done
    echo
    echo "Whole process, all threads, median of $CG_REPS pair(s) of runs (Ir columns: medians too); \`--quiet --token-delay-ms 0 --port 0\`;"
    echo "the count varies by ~±1% between processes of one binary (timing-dependent paths). Raw: results/$STAMP/callgrind.txt."
    ((${#CG_ERR[@]} == 0)) || echo "Failed callgrind runs: ${CG_ERR[*]} (see results/$STAMP/callgrind-*)."
}
