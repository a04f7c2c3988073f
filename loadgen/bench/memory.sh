#!/bin/sh
# Issue #6: memory per participant. Starts the server, measures its live heap (after a full GC) and its resident set
# with nobody connected, then with ROOMS x PARTICIPANTS simulated participants sending at the default rates, for each
# pair of arguments; prints a table and the cost per participant.
#
# Usage (from the repository root, after `mvn -q -B package -DskipTests -pl signaling,loadgen -am`):
#   loadgen/bench/memory.sh [ROOMS PARTICIPANTS] ...          e.g. loadgen/bench/memory.sh 12 4 25 4
#
# Live heap = "used" of `jcmd GC.heap_info` right after `jcmd GC.run` (a full collection), 8 s into the measured
# window, so every participant has sent and received for a while: every buffer that is allocated lazily exists.
# RSS (VmRSS) includes the JVM's own growth (heap not yet returned, JIT code, metaspace) and is an upper bound.
# Everything stays on 127.0.0.1.
set -eu
[ $# -eq 0 ] && set -- 12 4 25 4
PORT=18443
. "$(dirname "$0")/loopback-server.sh"
bench_init sfu-memory

live_kib() { # live heap of $SFU in KiB, after a full GC
    jcmd "$SFU" GC.run > /dev/null
    jcmd "$SFU" GC.heap_info | sed -n 's/.*heap *total [0-9]*K, used \([0-9]*\)K.*/\1/p' | head -1
}
rss_kib() {
    awk '/^VmRSS:/ {print $2}' "/proc/$SFU/status"
}

start_sfu $PORT "$TMP/server.log"
SFU=$TARGET_PID
# Idle, but after one short run, so that classes, JIT code and pools used by a call exist in the baseline too.
java -jar "$JAR" --server wss://127.0.0.1:$PORT --rooms 1 --participants 2 --duration 2 > "$TMP/load-warm.log" 2>&1
BASE_HEAP=$(live_kib)
BASE_RSS=$(rss_kib)

echo "| participants | live heap | RSS | live heap per participant | RSS per participant |"
echo "|---:|---:|---:|---:|---:|"
printf '| 0 | %d MiB | %d MiB | – | – |\n' $((BASE_HEAP / 1024)) $((BASE_RSS / 1024))
while [ $# -ge 2 ]; do
    R=$1; P=$2; N=$((R * P)); shift 2
    LOG="$TMP/load-${R}x$P.log"
    java -jar "$JAR" --server wss://127.0.0.1:$PORT --rooms "$R" --participants "$P" --duration 16 --warmup 2 \
        --setup-timeout 60 > "$LOG" 2>&1 &
    LOAD=$!
    # Wait for the 8th second of the measured window ("[  8.0/16 s] ..." progress line).
    until grep -q '^\[ *8\.[0-9]/16 s\]' "$LOG" 2>/dev/null; do
        if ! kill -0 "$LOAD" 2>/dev/null; then
            echo "the load generator ended early, see $LOG" >&2
            exit 1
        fi
        sleep 0.2
    done
    HEAP=$(live_kib)
    RSS=$(rss_kib)
    wait "$LOAD" || true
    awk -v n="$N" -v h="$HEAP" -v r="$RSS" -v bh="$BASE_HEAP" -v br="$BASE_RSS" 'BEGIN {
        printf "| %d | %d MiB | %d MiB | %.2f MiB | %.2f MiB |\n", n, h / 1024, r / 1024,
            (h - bh) / 1024 / n, (r - br) / 1024 / n }'
    grep -E '^(streams|loss) ' "$LOG" | sed 's/^/    /'
done
