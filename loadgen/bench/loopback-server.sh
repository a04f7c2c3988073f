# Sourced by the loopback benchmark scripts (memory.sh, profile.sh): the jars, a temp folder for logs (kept, and
# named at exit), and our server on 127.0.0.1, started once and stopped at exit.
#   bench_init NAME        sets JAR, SERVER_JAR, TMP (/tmp/NAME.XXXXXX) and stops TARGET_PID at exit
#   start_sfu PORT LOG     starts the server with media on 127.0.0.1 only (JVM options from SFU_JAVA_OPTS); sets
#                          TARGET_PID; returns once it listens
JAR=loadgen/target/sfu-loadgen.jar
SERVER_JAR=signaling/target/sfu-server.jar
TARGET_PID=""

bench_init() {
    TMP=$(mktemp -d "/tmp/$1.XXXXXX")
    trap 'bench_cleanup' EXIT INT TERM
}

bench_cleanup() {
    [ -n "$TARGET_PID" ] && kill "$TARGET_PID" 2>/dev/null || true
    echo "logs in $TMP"
}

start_sfu() {
    SFU_BIND_ADDRESS=127.0.0.1 SFU_HTTP_PORT=$1 SFU_UDP_PORT=0 SFU_TCP_PORT=-1 SFU_ICE_REMOTE_NETWORKS=127.0.0.0/8 \
        java ${SFU_JAVA_OPTS:-} -jar "$SERVER_JAR" > "$2" 2>&1 &
    TARGET_PID=$!
    until grep -q "Signaling on" "$2"; do
        kill -0 "$TARGET_PID" 2>/dev/null || { echo "the server did not start, see $2" >&2; exit 1; }
        sleep 0.2
    done
}
