#!/bin/sh
# Issue #16: the fixed CPU cost of a connected participant that sends nothing. Starts the server (SERVER_JAR, default
# signaling/target/sfu-server.jar), warms it with a short 1:1 call, then samples its CPU per thread for IDLE seconds
# with nobody connected (the baseline), then again with ROOMS x PARTICIPANTS connected after light media (250 kbit/s
# video at 15 frames/s, 32 kbit/s audio) flowed for 10 s and stopped (the load generator's --idle), and prints both by
# thread group and the difference per participant.
#
# Usage (from the repository root, after `mvn -q -B package -DskipTests -pl signaling,loadgen -am`):
#   loadgen/bench/idle.sh [ROOMS PARTICIPANTS [IDLE_SECONDS]]         e.g. loadgen/bench/idle.sh 25 4 60
#   SERVER_JAR=/tmp/other-server.jar loadgen/bench/idle.sh 25 4 60    another build of the server, to compare
#
# Resident memory (VmRSS) is read at the end of both windows and 30 s after the participants left (they leave when
# the load generator ends). JVM options for the server: SFU_JAVA_OPTS (docs/DEPLOY.md, "JVM settings").
#
# CPU per thread = utime + stime of /proc/PID/task/TID/stat (clock ticks, 10 ms) at the start and end of each window;
# threads are grouped by their name without the trailing number (media-worker-1 -> media-worker-). Java names are cut
# to 15 characters by Linux. Everything stays on 127.0.0.1.
set -eu
ROOMS=${1:-25}
PER_ROOM=${2:-4}
IDLE=${3:-60}
N=$((ROOMS * PER_ROOM))
PORT=18443
GIVEN_SERVER_JAR=${SERVER_JAR:-}
. "$(dirname "$0")/loopback-server.sh"
[ -n "$GIVEN_SERVER_JAR" ] && SERVER_JAR=$GIVEN_SERVER_JAR
bench_init sfu-idle
HZ=$(getconf CLK_TCK)
rss_mib() {
    awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$SFU/status"
}

# One line per thread: "name ticks" (the name is what is between the first "(" and the last ")").
threads() {
    for f in /proc/"$SFU"/task/*/stat; do
        cat "$f" 2>/dev/null || true
        echo
    done | awk 'NF {
        lp = index($0, "("); rp = 0
        for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { rp = i; break }
        name = substr($0, lp + 1, rp - lp - 1)
        split(substr($0, rp + 2), f, " ")
        gsub(/[-#]?[0-9]+$/, "", name); gsub(/ /, "_", name)
        print name, f[12] + f[13]
    }'
}
# Ticks per thread group between two samples, and the total, in ms of CPU per second of the window.
delta() { # before-file after-file seconds
    awk -v hz="$HZ" -v s="$3" 'FNR == NR { b[$1] += $2; next } { a[$1] += $2 }
        END { for (k in a) { d = (a[k] - b[k]) * 1000 / hz / s; t += d; if (d > 0) printf "%s %.3f\n", k, d }
              printf "TOTAL %.3f\n", t }' "$1" "$2" | sort -k2 -nr
}

start_sfu $PORT "$TMP/server.log"
SFU=$TARGET_PID
echo "server $SERVER_JAR, pid $SFU, JVM options: ${SFU_JAVA_OPTS:-none}"
# The warm-up call only loads classes and code: its outcome does not matter, but it must not hang the script.
timeout 120 java -jar "$JAR" --server wss://127.0.0.1:$PORT --rooms 1 --participants 2 --duration 2 \
    > "$TMP/load-warm.log" 2>&1 || echo "the warm-up call failed (see $TMP/load-warm.log); going on"
sleep 5
threads > "$TMP/base-0"
sleep "$IDLE"
threads > "$TMP/base-1"
RSS_BASE=$(rss_mib)
delta "$TMP/base-0" "$TMP/base-1" "$IDLE" > "$TMP/base"

LOG="$TMP/load-${ROOMS}x$PER_ROOM.log"
# Light media first (every participant sends and receives, so every stream's state exists), well below saturation.
java -jar "$JAR" --server wss://127.0.0.1:$PORT --rooms "$ROOMS" --participants "$PER_ROOM" --duration 5 --warmup 5 \
    --video-kbps 250 --fps 15 --audio-kbps 32 --setup-timeout 90 --idle $((IDLE + 10)) > "$LOG" 2>&1 &
LOAD=$!
until grep -q '^\[idle [0-9]' "$LOG" 2>/dev/null; do
    kill -0 "$LOAD" 2>/dev/null || { echo "the load generator ended early, see $LOG" >&2; exit 1; }
    sleep 0.2
done
# Let the drain and the last feedback settle: from here nothing is sent by the participants but ICE's own checks.
sleep 5
threads > "$TMP/idle-0"
sleep "$IDLE"
threads > "$TMP/idle-1"
RSS_IDLE=$(rss_mib)
delta "$TMP/idle-0" "$TMP/idle-1" "$IDLE" > "$TMP/idle"
wait "$LOAD" || true
sleep 30
RSS_LEFT=$(rss_mib)
grep -E '^(streams|loss) |idle over' "$LOG" | sed 's/^/    /'

echo "| thread group | nobody connected, ms CPU/s | $N connected and idle, ms CPU/s | difference |"
echo "|---|---:|---:|---:|"
awk 'FNR == NR { b[$1] = $2; next } { i[$1] = $2 }
    END { for (k in i) if (k != "TOTAL") printf "%s %.3f %.3f %.3f\n", k, b[k], i[k], i[k] - b[k]
          for (k in b) if (!(k in i) && k != "TOTAL") printf "%s %.3f 0 %.3f\n", k, b[k], -b[k] }' \
    "$TMP/base" "$TMP/idle" | sort -k4 -nr | awk '$2 + $3 >= 0.05 { printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
B=$(awk '$1 == "TOTAL" {print $2}' "$TMP/base")
I=$(awk '$1 == "TOTAL" {print $2}' "$TMP/idle")
awk -v b="$B" -v i="$I" -v n="$N" 'BEGIN {
    printf "| **whole process** | %.2f (%.3f %% of a core) | %.2f (%.3f %% of a core) | %.2f |\n", b, b / 10, i, i / 10, i - b
    printf "per idle participant: %.3f ms CPU/s = %.4f %% of a core; %d idle participants: %.2f %% of a core\n",
        (i - b) / n, (i - b) / n / 10, n, (i - b) / 10 }'
awk -v b="$RSS_BASE" -v i="$RSS_IDLE" -v l="$RSS_LEFT" -v n="$N" 'BEGIN {
    printf "RSS: %.1f MiB nobody connected, %.1f MiB with %d idle participants (%.2f MiB per participant), %.1f MiB 30 s after they left (%+.1f %% of the first)\n",
        b, i, n, (i - b) / n, l, (l - b) * 100 / b }'
