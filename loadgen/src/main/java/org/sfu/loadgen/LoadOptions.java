package org.sfu.loadgen;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * What one run does. Defaults: 1 room of 4 participants for 10 s against wss://127.0.0.1:8000, each sending VP8-like
 * video at 1.5 Mbit/s (30 frames/s, packets of at most 1,200 bytes) and Opus-like audio at 64 kbit/s (50 packets/s,
 * 160 bytes). Bit rates count whole RTP packets (header and payload), before SRTP.
 *
 * @param target             "sfu" (WebRTC participants against the server), "relay" (plain RTP to the relay) or
 *                           "janus" (WebRTC participants in Janus VideoRoom rooms, for the peer comparison)
 * @param server             the server's base URL, wss://host:port ("/ws?room=..." is added); for "janus", Janus's
 *                           HTTP API, http://host:port/janus
 * @param relay              the relay's address; null runs a relay in this process
 * @param serverPid          the target's process id, to report its CPU time; -1 when not given
 * @param janusIceAddress    for "janus": the one local address that Janus and the generator put in their ICE
 *                           candidates; null means 127.0.0.1. Janus never gathers loopback candidates, so the
 *                           benchmark runs it in a network namespace whose only other interface is a dummy one with
 *                           this address: traffic to it is still delivered inside the machine, by the loopback path.
 * @param sharedSsrcs        every participant sends under the same SSRCs, as two apps that pick them by chance or on
 *                           purpose do: the server must still keep every sender's streams apart for every receiver
 * @param churnSeconds       0: the same participants all run long. Otherwise the mean time (exponentially
 *                           distributed) between two churn events of one participant place: the participant leaves,
 *                           drops its signaling and resumes, or vanishes, as {@code churnMix} weighs them, and
 *                           {@code durationSeconds} is how long the churn goes on before the final round ({@link Churn})
 * @param churnMix           the weights of leaving, dropping and resuming, and vanishing
 * @param idleSeconds        0, or how long every participant stays connected after the measurement with its media
 *                           stopped: the server then holds calls with nothing to forward, and a script samples its
 *                           CPU (loadgen/bench/idle.sh measures what an idle participant costs that way)
 */
public record LoadOptions(String target, URI server, InetSocketAddress relay, int rooms, int participantsPerRoom,
                          double durationSeconds, int videoKbps, int audioKbps, int framesPerSecond,
                          int videoPacketBytes, long keyframeIntervalMillis, double setupTimeoutSeconds,
                          double warmupSeconds, String roomPrefix, Path json, long serverPid,
                          InetAddress janusIceAddress, boolean sharedSsrcs, double churnSeconds,
                          ChurnMix churnMix, double idleSeconds) {

    /** Relative weights of the three churn events; a weight of 0 leaves that event out. */
    public record ChurnMix(int leave, int drop, int vanish) {
        public ChurnMix {
            if (leave < 0 || drop < 0 || vanish < 0 || leave + drop + vanish == 0) {
                throw new IllegalArgumentException("--churn-mix needs three weights >= 0, not all 0");
            }
        }

        static ChurnMix parse(String v) {
            String[] w = v.split(":");
            if (w.length != 3) {
                throw new IllegalArgumentException("--churn-mix needs LEAVE:DROP:VANISH, not " + v);
            }
            return new ChurnMix(Integer.parseInt(w[0]), Integer.parseInt(w[1]), Integer.parseInt(w[2]));
        }

        @Override
        public String toString() {
            return leave + ":" + drop + ":" + vanish;
        }
    }

    static final String USAGE = """
            usage: java -jar sfu-loadgen.jar [options]          simulated participants against the SFU or the relay
                   java -jar sfu-loadgen.jar relay [--port 5004] [--bind 127.0.0.1]     the plain UDP relay
            options:
              --target sfu|relay|janus  what to load (default sfu)
              --server wss://HOST:PORT  the SFU (default wss://127.0.0.1:8000); loopback addresses only;
                                        for --target janus its HTTP API (default http://127.0.0.1:18088/janus)
              --relay HOST:PORT         the relay for --target relay (default: one started in this process)
              --rooms N                 rooms (default 1), named <room-prefix>-0 ...
              --participants N          participants per room (default 4)
              --duration SECONDS        measured time, after every stream has arrived once (default 10)
              --video-kbps N            video per participant, RTP bytes (default 1500)
              --audio-kbps N            audio per participant, RTP bytes, 50 packets/s (default 64)
              --fps N                   video frames per second (default 30)
              --video-packet-bytes N    largest video RTP packet (default 1200)
              --keyframe-interval-ms N  periodic VP8 key frames besides those requested by PLI/FIR (default 3000)
              --setup-timeout SECONDS   how long to wait for every stream to arrive once (default 30)
              --warmup SECONDS          traffic before the measurement starts, for the JIT (default 2)
              --room-prefix NAME        (default load)
              --server-pid PID          the target's process, to report its CPU time per forwarded packet
              --json FILE               write the result as JSON
              --janus-ice-address IP    for --target janus: a local, non-loopback address for ICE on both sides
                                        (Janus never gathers 127.0.0.1); must belong to an interface here
              --shared-ssrcs            every participant sends under the same SSRCs (--target sfu): the server
                                        must keep the streams apart
              --churn SECONDS           churn soak (--target sfu): each participant place has an event every
                                        SECONDS on average (random, exponential): its participant leaves (close
                                        frame), drops its signaling without a close frame and resumes 0.1-1.5 s
                                        later with its resume token (media must come again), or vanishes (no close
                                        frame, media stops, never resumes: the server must clean up); a new
                                        participant joins in the place of one that left or vanished. --duration is
                                        how long the churn lasts; then a final round of 5 s in which every
                                        participant must receive every other's streams. Exit code 0 only if every
                                        resume worked and brought media again and the final round was complete.
                                        E.g. an hour, 3 rooms of 4 at low rates, the server's process sampled:
                                          --churn 20 --duration 3600 --rooms 3 --participants 4 --video-kbps 150
                                          --audio-kbps 24 --fps 15 --server-pid PID
              --churn-mix L:D:V         weights of leave, drop-and-resume and vanish (default 1:1:1)
              --idle SECONDS            after the measurement, every participant stays connected this long with
                                        its media stopped ("[idle ...]" is printed when it starts): the server
                                        holds calls with nothing to forward (loadgen/bench/idle.sh samples it)
            """;

    public LoadOptions {
        if (!target.equals("sfu") && !target.equals("relay") && !target.equals("janus")) {
            throw new IllegalArgumentException("--target must be sfu, relay or janus, not " + target);
        }
        if (rooms < 1 || participantsPerRoom < 2) {
            throw new IllegalArgumentException("at least 1 room of 2 participants");
        }
        if (durationSeconds <= 0 || warmupSeconds < 0 || videoKbps < 0 || audioKbps < 0 || framesPerSecond < 1
                || framesPerSecond > 120) {
            throw new IllegalArgumentException("duration, rates and frame rate must be positive");
        }
        requireLoopback(server.getHost());
        if (relay != null) {
            requireLoopback(relay.getHostString());
        }
        if (janusIceAddress != null) {
            requireLocalInterface(janusIceAddress);
        }
        if (churnSeconds < 0) {
            throw new IllegalArgumentException("--churn must be 0 (off) or positive");
        }
        if (churnSeconds > 0 && !target.equals("sfu")) {
            throw new IllegalArgumentException("--churn works with --target sfu only");
        }
        if (idleSeconds < 0) {
            throw new IllegalArgumentException("--idle must be 0 (off) or positive");
        }
        if (churnMix == null) {
            churnMix = new ChurnMix(1, 1, 1);
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions("sfu", URI.create("wss://127.0.0.1:8000"), null, 1, 4, 10, 1500, 64, 30, 1200, 3000,
                30, 2, "load", null, -1, null, false, 0, new ChurnMix(1, 1, 1), 0);
    }

    public LoadOptions withTarget(String t, URI s, InetSocketAddress r) {
        return new LoadOptions(t, s, r, rooms, participantsPerRoom, durationSeconds, videoKbps, audioKbps,
                framesPerSecond, videoPacketBytes, keyframeIntervalMillis, setupTimeoutSeconds, warmupSeconds,
                roomPrefix, json, serverPid, janusIceAddress, sharedSsrcs, churnSeconds, churnMix, idleSeconds);
    }

    public LoadOptions withSize(int r, int p, double seconds) {
        return new LoadOptions(target, server, relay, r, p, seconds, videoKbps, audioKbps, framesPerSecond,
                videoPacketBytes, keyframeIntervalMillis, setupTimeoutSeconds, warmupSeconds, roomPrefix, json,
                serverPid, janusIceAddress, sharedSsrcs, churnSeconds, churnMix, idleSeconds);
    }

    /** The same run with every participant sending under the same SSRCs. */
    public LoadOptions withSharedSsrcs() {
        return new LoadOptions(target, server, relay, rooms, participantsPerRoom, durationSeconds, videoKbps,
                audioKbps, framesPerSecond, videoPacketBytes, keyframeIntervalMillis, setupTimeoutSeconds,
                warmupSeconds, roomPrefix, json, serverPid, janusIceAddress, true, churnSeconds, churnMix, idleSeconds);
    }

    /** The same run as a churn soak: an event every {@code seconds} per place on average, in these proportions. */
    public LoadOptions withChurn(double seconds, ChurnMix mix) {
        return new LoadOptions(target, server, relay, rooms, participantsPerRoom, durationSeconds, videoKbps,
                audioKbps, framesPerSecond, videoPacketBytes, keyframeIntervalMillis, setupTimeoutSeconds,
                warmupSeconds, roomPrefix, json, serverPid, janusIceAddress, sharedSsrcs, seconds, mix, idleSeconds);
    }

    /** The same run at these rates (kbit/s of RTP per participant) and video frame rate. */
    public LoadOptions withRates(int video, int audio, int fps) {
        return new LoadOptions(target, server, relay, rooms, participantsPerRoom, durationSeconds, video, audio, fps,
                videoPacketBytes, keyframeIntervalMillis, setupTimeoutSeconds, warmupSeconds, roomPrefix, json,
                serverPid, janusIceAddress, sharedSsrcs, churnSeconds, churnMix, idleSeconds);
    }

    public LoadOptions withWarmup(double seconds) {
        return new LoadOptions(target, server, relay, rooms, participantsPerRoom, durationSeconds, videoKbps,
                audioKbps, framesPerSecond, videoPacketBytes, keyframeIntervalMillis, setupTimeoutSeconds, seconds,
                roomPrefix, json, serverPid, janusIceAddress, sharedSsrcs, churnSeconds, churnMix, idleSeconds);
    }

    public static LoadOptions parse(String[] args) {
        String target = "sfu";
        URI server = null;
        InetSocketAddress relay = null;
        LoadOptions d = defaults();
        int rooms = d.rooms, participants = d.participantsPerRoom, videoKbps = d.videoKbps, audioKbps = d.audioKbps;
        int fps = d.framesPerSecond, packetBytes = d.videoPacketBytes;
        double duration = d.durationSeconds, setupTimeout = d.setupTimeoutSeconds, warmup = d.warmupSeconds;
        long keyframeInterval = d.keyframeIntervalMillis, pid = -1;
        String prefix = d.roomPrefix;
        Path json = null;
        InetAddress janusIceAddress = null;
        boolean sharedSsrcs = false;
        double churn = 0;
        ChurnMix churnMix = d.churnMix;
        double idle = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException("");
            }
            if (a.equals("--shared-ssrcs")) {
                sharedSsrcs = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--target" -> target = v;
                case "--server" -> server = URI.create(v);
                case "--relay" -> relay = hostPort(v);
                case "--rooms" -> rooms = Integer.parseInt(v);
                case "--participants" -> participants = Integer.parseInt(v);
                case "--duration" -> duration = Double.parseDouble(v);
                case "--video-kbps" -> videoKbps = Integer.parseInt(v);
                case "--audio-kbps" -> audioKbps = Integer.parseInt(v);
                case "--fps" -> fps = Integer.parseInt(v);
                case "--video-packet-bytes" -> packetBytes = Integer.parseInt(v);
                case "--keyframe-interval-ms" -> keyframeInterval = Long.parseLong(v);
                case "--setup-timeout" -> setupTimeout = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--room-prefix" -> prefix = v;
                case "--server-pid" -> pid = Long.parseLong(v);
                case "--json" -> json = Path.of(v);
                case "--janus-ice-address" -> janusIceAddress = ipLiteral(v);
                case "--churn" -> churn = Double.parseDouble(v);
                case "--churn-mix" -> churnMix = ChurnMix.parse(v);
                case "--idle" -> idle = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (server == null) {
            server = URI.create(target.equals("janus") ? "http://127.0.0.1:18088/janus" : "wss://127.0.0.1:8000");
        }
        if (server.getHost() == null || server.getPort() < 0) {
            throw new IllegalArgumentException("--server needs wss://HOST:PORT (or http://HOST:PORT/janus), not "
                    + server);
        }
        return new LoadOptions(target, server, relay, rooms, participants, duration, videoKbps, audioKbps, fps,
                packetBytes, keyframeInterval, setupTimeout, warmup, prefix, json, pid, janusIceAddress, sharedSsrcs,
                churn, churnMix, idle);
    }

    private static InetSocketAddress hostPort(String v) {
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--relay needs HOST:PORT, not " + v);
        }
        return new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
    }

    private static InetAddress ipLiteral(String v) {
        // Only IP literals, which getByName does not look up: a name would mean a DNS query.
        if (!v.matches("[0-9.]+|\\[?[0-9A-Fa-f:.]+]?")) {
            throw new IllegalArgumentException("give the address as an IP literal, not " + v);
        }
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address " + v);
        }
    }

    /** An address of one of this machine's (or network namespace's) interfaces: packets to it never leave. */
    private static void requireLocalInterface(InetAddress address) {
        try {
            if (java.net.NetworkInterface.getByInetAddress(address) == null) {
                throw new IllegalArgumentException(address.getHostAddress() + " is not an address of an interface "
                        + "here: the load generator only talks to servers on this machine");
            }
        } catch (java.net.SocketException e) {
            throw new IllegalArgumentException("cannot list interfaces: " + e.getMessage());
        }
    }

    /** The generator's traffic stays on this machine: ICE is limited to loopback peers, and so is everything else. */
    private static void requireLoopback(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return;
        }
        // Only IP literals, which getByName does not look up: a name would mean a DNS query.
        if (host == null || !host.matches("[0-9.]+|\\[?[0-9A-Fa-f:.]+]?")) {
            throw new IllegalArgumentException("give the address as an IP literal or localhost, not " + host);
        }
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                throw new IllegalArgumentException(host + " is not a loopback address: the load generator only "
                        + "talks to servers on this machine");
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host);
        }
    }
}
