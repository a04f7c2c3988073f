#!/bin/sh
# Issue #6: the same load against the plain relay, our server and Janus's VideoRoom, one after the other, on this
# machine, and a table of forwarded packets/s, target CPU per forwarded packet, loss and delay.
#
# Usage (as root, from the repository root, after `mvn -q -B package -DskipTests -pl signaling,loadgen -am`):
#   loadgen/bench/janus-vs-sfu.sh [ROOMS PARTICIPANTS SECONDS] ...     e.g. loadgen/bench/janus-vs-sfu.sh 2 4 10 4 4 10
# Environment: TARGETS (default "relay sfu janus"; e.g. TARGETS="relay sfu" for the room-size table), WARMUP
# (seconds of unmeasured traffic after setup, default 5: both JVMs are still compiling the hot path after 2 s).
#
# Why a network namespace: Janus 1.1.2 (libnice) never gathers candidates on a loopback interface, and the machine's
# only other interface (eth0) must not carry this traffic. So everything - relay, server, Janus and the load
# generator - runs in a throw-away namespace holding only `lo` and a veth pair whose two ends are both inside it,
# one end with 10.99.0.1/32. Janus gathers only on that address (ice_enforce_list); packets to a local address are
# delivered by the kernel's loopback path and nothing in the namespace can reach any other network. The relay and our
# server keep using 127.0.0.1 there, as in the other measurements. The namespace and the temp folder are removed on
# exit.
set -eu
[ $# -eq 0 ] && set -- 2 4 10 4 4 10
TARGETS=${TARGETS:-relay sfu janus}
WARMUP=${WARMUP:-5}
NS=sfu-janus-bench-$$
ICE_ADDRESS=10.99.0.1
JANUS_HTTP_PORT=18088
SFU_PORT=18443
RELAY_PORT=15004
JAR=loadgen/target/sfu-loadgen.jar
SERVER_JAR=signaling/target/sfu-server.jar
TMP=$(mktemp -d /tmp/janus-vs-sfu.XXXXXX)
PIDS=""

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    ip netns del "$NS" 2>/dev/null || true
    echo "logs and JSON results in $TMP"
}
trap cleanup EXIT INT TERM

in_ns() { ip netns exec "$NS" "$@"; }

# The namespace: lo, plus a veth pair with both ends inside (the veth is only there to carry a non-loopback address).
ip netns add "$NS"
in_ns ip link set lo up
in_ns ip link add sjb0 type veth peer name sjb1
in_ns ip addr add "$ICE_ADDRESS/32" dev sjb0
in_ns ip link set sjb0 up
in_ns ip link set sjb1 up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# A minimal Janus configuration in the temp folder: only the VideoRoom plugin and the plain HTTP transport (bound to
# 127.0.0.1), loaded from folders of symbolic links to just those two libraries; ICE on $ICE_ADDRESS only, no STUN,
# no TURN, no ICE-lite, no full trickle, no IPv6, no event handlers.
J=$TMP/janus
LIB=/usr/lib/x86_64-linux-gnu/janus
mkdir -p "$J/plugins" "$J/transports" "$J/events" "$J/loggers"
ln -s "$LIB/plugins/libjanus_videoroom.so" "$J/plugins/"
ln -s "$LIB/transports/libjanus_http.so" "$J/transports/"
cat > "$J/janus.jcfg" <<CFG
general: {
	configs_folder = "$J"
	plugins_folder = "$J/plugins"
	transports_folder = "$J/transports"
	events_folder = "$J/events"
	loggers_folder = "$J/loggers"
	debug_level = 3
	session_timeout = 60
}
certificates: {
}
media: {
	ipv6 = false
}
nat: {
	nice_debug = false
	full_trickle = false
	ice_lite = false
	ice_tcp = false
	ice_enforce_list = "$ICE_ADDRESS"
	ignore_mdns = true
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
	broadcast = false
}
CFG
cat > "$J/janus.transport.http.jcfg" <<CFG
general: {
	json = "plain"
	base_path = "/janus"
	http = true
	port = $JANUS_HTTP_PORT
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
CFG
printf 'general: {\n}\n' > "$J/janus.plugin.videoroom.jcfg"

wait_port() { # TCP port $1 listening in the namespace
    for _ in $(seq 1 100); do
        in_ns ss -ltn | grep -q ":$1 " && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

row() { # target label, JSON file, the relay's JSON file (for the ratio)
    [ -f "$2" ] || { echo "| $1 | no result, see $TMP |"; return 0; }
    python3 - "$1" "$2" "$3" <<'PY'
import json, os, sys
label, path, relay_path = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(path))
t, c = r["totals"], r["cpu"]
cpu = c.get("targetSeconds")
# CPU time over the measured window plus the 0.5 s drain, as a share of one core.
share = 100 * cpu / (r["durationSeconds"] + 0.5)
us = c.get("targetMicrosPerForwardedPacket")
ratio = "–"
if os.path.exists(relay_path) and relay_path != path:
    base = json.load(open(relay_path))["cpu"].get("targetMicrosPerForwardedPacket")
    ratio = f"{us / base:.2f}×" if base else "–"
print(f"| {label} | {t['packetsReceivedPerSecond']:,.0f} | {t['lossPercent']} % | {t['delayP50Ms']} ms | "
      f"{t['delayP99Ms']} ms | {share:.0f} % | {us} µs | {ratio} | "
      f"{t['streamsReceived']}/{t['streamsExpected']} |")
PY
}

run() { # rooms participants seconds
    R=$1; P=$2; D=$3; TAG=${R}x${P}
    COMMON="--rooms $R --participants $P --duration $D --warmup $WARMUP --setup-timeout 60"

    # Background jobs use `ip netns exec` itself (it execs the command: $! is the target's own pid), not in_ns, which
    # would fork a subshell whose pid --server-pid would then measure.
    case " $TARGETS " in *" relay "*)
    ip netns exec "$NS" java -jar "$JAR" relay --port $RELAY_PORT > "$TMP/relay-$TAG.log" 2>&1 &
    RELAY=$!; PIDS="$PIDS $RELAY"; sleep 1
    in_ns java -jar "$JAR" --target relay --relay 127.0.0.1:$RELAY_PORT $COMMON --server-pid $RELAY \
        --json "$TMP/relay-$TAG.json" > "$TMP/load-relay-$TAG.log" 2>&1 || true
    kill $RELAY 2>/dev/null || true; wait $RELAY 2>/dev/null || true
    ;; esac

    case " $TARGETS " in *" sfu "*)
    ip netns exec "$NS" env SFU_BIND_ADDRESS=127.0.0.1 SFU_HTTP_PORT=$SFU_PORT SFU_UDP_PORT=0 SFU_ICE_REMOTE_NETWORKS=127.0.0.0/8 \
        java -jar "$SERVER_JAR" > "$TMP/sfu-$TAG.log" 2>&1 &
    SFU=$!; PIDS="$PIDS $SFU"; wait_port $SFU_PORT
    in_ns java -jar "$JAR" --server wss://127.0.0.1:$SFU_PORT $COMMON --server-pid $SFU \
        --json "$TMP/sfu-$TAG.json" > "$TMP/load-sfu-$TAG.log" 2>&1 || true
    kill $SFU 2>/dev/null || true; wait $SFU 2>/dev/null || true
    ;; esac

    case " $TARGETS " in *" janus "*)
    ip netns exec "$NS" janus -F "$J" -C "$J/janus.jcfg" > "$TMP/janus-$TAG.log" 2>&1 &
    JANUS=$!; PIDS="$PIDS $JANUS"; wait_port $JANUS_HTTP_PORT
    in_ns java -jar "$JAR" --target janus --server http://127.0.0.1:$JANUS_HTTP_PORT/janus \
        --janus-ice-address $ICE_ADDRESS $COMMON --server-pid $JANUS \
        --json "$TMP/janus-$TAG.json" > "$TMP/load-janus-$TAG.log" 2>&1 || true
    kill $JANUS 2>/dev/null || true; wait $JANUS 2>/dev/null || true
    ;; esac

    echo
    echo "$R rooms x $P participants, $D s measured"
    echo "| target | forwarded packets/s | loss | delay p50 | delay p99 | target CPU (one core = 100 %) | CPU per forwarded packet | × relay | streams |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for t in $TARGETS; do
        case $t in
            relay) row "plain UDP relay" "$TMP/relay-$TAG.json" "$TMP/relay-$TAG.json" ;;
            sfu) row "our SFU" "$TMP/sfu-$TAG.json" "$TMP/relay-$TAG.json" ;;
            janus) row "Janus 1.1.2 VideoRoom" "$TMP/janus-$TAG.json" "$TMP/relay-$TAG.json" ;;
        esac
    done
}

while [ $# -ge 3 ]; do
    run "$1" "$2" "$3"
    shift 3
done
