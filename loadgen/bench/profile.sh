#!/bin/sh
# Issue #6: where a target's CPU goes under load, from the kernel's point of view. Runs one target (our server, or the
# plain relay) with the load generator, samples every CPU's stacks with `perf record -a -g` for PERF_SECONDS in the
# middle of the measured window, and sorts the target process's samples into what they were doing.
#
# Usage (root, from the repository root, after `mvn -q -B package -DskipTests -pl signaling,loadgen -am`; Debian
# package linux-perf):
#   loadgen/bench/profile.sh sfu|relay ROOMS PARTICIPANTS          e.g. loadgen/bench/profile.sh sfu 1 16
#
# Categories, in this order (a sample goes to the first that matches its stack):
#   waking receivers  the send's loopback delivery waking the generator's receiving thread (sock_def_readable): on a
#                     real network the sender never pays this, the receiving machine does
#   send              the rest of sendto(2): UDP/IP output and, on loopback, the receiving side's kernel path
#   receive           recvfrom(2)
#   SRTP (OpenSSL)    libcrypto, called by jitsi-srtp
#   JIT compiler      C1/C2 compiler threads (warm-up, not steady state)
#   GC                garbage collector threads
#   Java              compiled or interpreted Java code of every other thread
#   other             the rest: the JVM's own code, futexes, timers, epoll, the kernel outside those calls
# On this kind of VM `perf` has no hardware counters; it samples with the cpu-clock timer, which cannot fire while
# interrupts are disabled, so such time is charged to where they are enabled again (often inside the wake-up).
set -eu
TARGET=${1:?sfu or relay}; ROOMS=${2:-1}; PARTS=${3:-16}
PERF_SECONDS=${PERF_SECONDS:-5}
# WARMUP: seconds of traffic before the measured window (default 5; at low rates the JIT is still busy then).
. "$(dirname "$0")/loopback-server.sh"
bench_init sfu-profile

if [ "$TARGET" = sfu ]; then
    start_sfu 18443 "$TMP/target.log"
    LOAD="--server wss://127.0.0.1:18443"
else
    java -jar "$JAR" relay --port 15004 > "$TMP/target.log" 2>&1 &
    TARGET_PID=$!
    sleep 1
    LOAD="--target relay --relay 127.0.0.1:15004"
fi
# shellcheck disable=SC2086
java -jar "$JAR" $LOAD --rooms "$ROOMS" --participants "$PARTS" --duration 12 --warmup "${WARMUP:-5}" --server-pid "$TARGET_PID" \
    > "$TMP/load.log" 2>&1 &
LOADPID=$!
until grep -q '^\[ *3\.[0-9]/12 s\]' "$TMP/load.log" 2>/dev/null; do
    kill -0 "$LOADPID" 2>/dev/null || { echo "load generator ended early, see $TMP/load.log" >&2; exit 1; }
    sleep 0.2
done
perf record -a -g -e cpu-clock -F 999 -o "$TMP/perf.data" -- sleep "$PERF_SECONDS" > "$TMP/perf.log" 2>&1
wait "$LOADPID" || true
# The target's JIT symbols for perf (/tmp/perf-<pid>.map), written while it still runs.
jcmd "$TARGET_PID" Compiler.perfmap > /dev/null 2>&1 || true
grep -E '^(received|loss|cpu) ' "$TMP/load.log"
perf script -i "$TMP/perf.data" -F comm,pid,tid,ip,sym,dso 2> /dev/null | python3 -c '
import sys
target = int(sys.argv[1])
order = ["waking receivers", "send", "receive", "SRTP (OpenSSL)", "JIT compiler", "GC", "Java", "other"]
counts = dict.fromkeys(order, 0)
def classify(comm, frames):
    text = "\n".join(frames)
    if "sock_def_readable" in text: return "waking receivers"
    if "sendto" in text or "sendmsg" in text: return "send"
    if "recvfrom" in text or "recvmsg" in text: return "receive"
    if frames and "libcrypto" in frames[0]: return "SRTP (OpenSSL)"
    if comm.startswith("C1 Compiler") or comm.startswith("C2 Compiler"): return "JIT compiler"
    if comm.startswith("GC ") or comm.startswith("G1 "): return "GC"
    if frames and any(m in frames[0] for m in ("[JIT]", "Interpreter", "perf-", "[unknown]")): return "Java"
    return "other"
def flush(head, frames):
    if head is None: return
    parts = head.split()
    # "comm words... pid/tid": the pid/tid field is the last one with a slash
    ids = [p for p in parts if "/" in p and p.split("/")[0].isdigit()]
    if not ids: return
    pid = int(ids[-1].split("/")[0])
    if pid != target: return
    comm = head[: head.index(ids[-1])].strip()
    counts[classify(comm, frames)] += 1
head, frames = None, []
for line in sys.stdin:
    if not line.strip():
        flush(head, frames); head, frames = None, []
    elif line[0] in " \t":
        frames.append(line.strip())
    else:
        flush(head, frames); head, frames = line, []
flush(head, frames)
total = sum(counts.values()) or 1
print(f"{total} samples of the target process:")
for k in order:
    print(f"  {k:18s} {100 * counts[k] / total:5.1f} %")
' "$TARGET_PID"
