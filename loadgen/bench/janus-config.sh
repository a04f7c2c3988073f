#!/bin/sh
# Writes a minimal Janus 1.x configuration into the folder $1 and prints nothing.
# Only what the comparison needs: the VideoRoom plugin and the plain HTTP transport (bound to 127.0.0.1, port $2),
# ICE on loopback only (no STUN/TURN, no other interface: the machine's eth0 must never see this traffic).
# Plugins and transports are loaded from folders of symbolic links holding just those two libraries, so Janus
# loads nothing else from the Debian install (its other plugins would only add start-up work and threads).
set -eu
dir=$1
http_port=${2:-18088}
lib=/usr/lib/x86_64-linux-gnu/janus
mkdir -p "$dir/plugins" "$dir/transports" "$dir/events" "$dir/loggers"
ln -sf "$lib/plugins/libjanus_videoroom.so" "$dir/plugins/"
ln -sf "$lib/transports/libjanus_http.so" "$dir/transports/"
cat > "$dir/janus.jcfg" <<CFG
general: {
	configs_folder = "$dir"
	plugins_folder = "$dir/plugins"
	transports_folder = "$dir/transports"
	events_folder = "$dir/events"
	loggers_folder = "$dir/loggers"
	debug_level = 3
	# The load generator keeps its session alive every 25 s; a stale session still goes after 60 s.
	session_timeout = 60
}
certificates: {
	# Janus generates a self-signed ECDSA P-256 certificate at start (the default), like the project's server.
}
media: {
	ipv6 = false
}
nat: {
	nice_debug = false
	full_trickle = false
	ice_lite = false
	ice_tcp = false
	# Loopback only: candidates on 127.0.0.1, never eth0 (192.0.2.2) or any other interface.
	ice_enforce_list = "lo"
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
cat > "$dir/janus.transport.http.jcfg" <<CFG
general: {
	json = "plain"
	base_path = "/janus"
	http = true
	port = $http_port
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
CFG
# No pre-configured rooms: the load generator creates its rooms through the API (not permanent).
cat > "$dir/janus.plugin.videoroom.jcfg" <<CFG
general: {
}
CFG
