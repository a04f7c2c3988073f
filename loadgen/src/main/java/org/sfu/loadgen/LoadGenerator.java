package org.sfu.loadgen;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeSet;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sfu.ice.IceEndpoint;
import org.sfu.loadgen.janus.JanusParticipant;
import org.sfu.loadgen.relay.PlainUdpRelay;
import org.sfu.loadgen.relay.RelayParticipant;
import org.sfu.loadgen.relay.RelayReceiver;
import org.sfu.srtp.AesImplementation;

/**
 * Runs simulated participants against the SFU (or the plain relay, or Janus's VideoRoom) and measures what reaches them. Phases:
 * <ol>
 *   <li><b>setup</b>: every participant joins; each sends as soon as its path is up; setup ends when every receiver
 *       has had at least one packet of every stream it should get (or at the setup timeout);</li>
 *   <li><b>warm-up</b>: traffic flows unmeasured for a while (the JIT compiles the packet paths);</li>
 *   <li><b>measurement</b>: all counters restart, traffic runs for the duration;</li>
 *   <li><b>drain</b>: sending stops, packets in flight still count for {@link #DRAIN}; then the report.</li>
 * </ol>
 * Threads: one pacer for all sending; per SFU participant one receive thread (its ICE endpoint) and a Vert.x event
 * loop shared by all signaling; in relay mode one receive thread for all.
 */
public final class LoadGenerator {
    static final Duration DRAIN = Duration.ofMillis(500);
    /** With --churn, the measured final round after the churn. */
    static final double FINAL_ROUND_SECONDS = 5;
    static final long CHURN_TICK_MILLIS = 50;
    /** The SSRCs every participant sends under with --shared-ssrcs. */
    static final long SHARED_AUDIO_SSRC = 0x1111_1111L;
    static final long SHARED_VIDEO_SSRC = 0x2222_2222L;
    static final long SHARED_VIDEO_RTX_SSRC = 0x3333_3333L;

    private LoadGenerator() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("relay")) {
            PlainUdpRelay.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println(e.getMessage());
            }
            System.err.print(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        LoadReport report = run(options, System.out);
        report.printSummary(System.out);
        if (options.json() != null) {
            report.writeJson(options.json());
            System.out.println("JSON result written to " + options.json());
        }
        LoadReport.Totals t = report.totals();
        boolean churnClean = report.churn() == null || report.churn().clean();
        System.exit(t.participantsFailed() == 0 && t.streamsReceived() == t.streamsExpected() && churnClean ? 0 : 1);
    }

    /** Called after the measurement, before the participants leave (tests look at the server then). */
    public interface BeforeLeaving {
        void check(List<Participant> live) throws Exception;
    }

    /** One whole run; prints a progress line each second to {@code out}. */
    public static LoadReport run(LoadOptions o, PrintStream out) throws Exception {
        return run(o, out, live -> { });
    }

    /** One whole run, and {@code beforeLeaving} with the participants there at the end. */
    public static LoadReport run(LoadOptions o, PrintStream out, BeforeLeaving beforeLeaving) throws Exception {
        List<Participant> participants = new ArrayList<>();
        List<SyntheticStream> streams = new ArrayList<>();
        Vertx vertx = null;
        ExecutorService handshakes = null;
        PlainUdpRelay relay = null;
        List<RelayReceiver> relayReceivers = new ArrayList<>();
        HttpClient janusHttp = null;
        ScheduledExecutorService janusTimers = null;
        TrafficPacer pacer = null;
        WebSocketClient sfuSockets = null;
        try {
            String address;
            if (o.target().equals("sfu")) {
                // As the server does: jitsi-srtp's own benchmark otherwise picks an AES per run.
                AesImplementation.preferOpenSsl();
                vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                        .setInternalBlockingPoolSize(1));
                // Every participant holds one signaling connection to the same host for the whole run; Vert.x allows
                // 50 per host by default and queues the rest, which stalled runs of more than 50 participants.
                WebSocketClient webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
                        .setTrustAll(true).setVerifyHost(false).setMaxMessageSize(4 << 20).setMaxFrameSize(1 << 20)
                        .setMaxConnections(Math.max(WebSocketClientOptions.DEFAULT_MAX_CONNECTIONS,
                                o.rooms() * o.participantsPerRoom() + 8)));
                AtomicInteger threads = new AtomicInteger();
                handshakes = Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "loadgen-dtls-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                for (int r = 0; r < o.rooms(); r++) {
                    for (int p = 0; p < o.participantsPerRoom(); p++) {
                        participants.add(webRtcParticipant(o, participants.size(), name(r, p), room(o, r),
                                webSockets, handshakes));
                    }
                }
                sfuSockets = webSockets;
                address = o.server().toString();
            } else if (o.target().equals("janus")) {
                AesImplementation.preferOpenSsl();
                janusHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                AtomicInteger threads = new AtomicInteger();
                handshakes = Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "loadgen-dtls-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                janusTimers = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "loadgen-janus-keepalive");
                    t.setDaemon(true);
                    return t;
                });
                // Both sides' candidates on one local address, and only peers there; loopback by default.
                IceEndpoint.Options ice = o.janusIceAddress() == null ? IceEndpoint.Options.loopback()
                        : new IceEndpoint.Options(o.janusIceAddress(), 0, List.of(),
                                List.of(o.janusIceAddress().getHostAddress() + "/32"));
                JanusParticipant.Janus janus = new JanusParticipant.Janus(o.server(), janusHttp, handshakes,
                        janusTimers, ice);
                // Numeric VideoRoom ids, fresh for each run so a room left over from an earlier run is never reused.
                long firstRoom = 1_000_000L + new java.security.SecureRandom().nextInt(1_000_000) * 100L;
                for (int r = 0; r < o.rooms(); r++) {
                    for (int p = 0; p < o.participantsPerRoom(); p++) {
                        participants.add(new JanusParticipant(participants.size(), name(r, p), room(o, r),
                                firstRoom + r, o.participantsPerRoom(), p == 0, janus));
                    }
                }
                address = o.server().toString();
            } else {
                InetSocketAddress relayAddress = o.relay();
                if (relayAddress == null) {
                    relay = PlainUdpRelay.start(InetAddress.getLoopbackAddress(), 0);
                    relayAddress = relay.localAddress();
                }
                for (int r = 0; r < o.rooms(); r++) {
                    for (int p = 0; p < o.participantsPerRoom(); p++) {
                        // A receiving thread per participant, as the WebRTC targets' participants have (ice4j's):
                        // on loopback the sender pays for waking the receiver, so a shared thread here would make
                        // the relay's sends cheaper than the server's for a reason that is not the relay's.
                        RelayReceiver receiver = new RelayReceiver();
                        relayReceivers.add(receiver);
                        participants.add(new RelayParticipant(participants.size(), name(r, p), room(o, r),
                                relayAddress, receiver));
                    }
                }
                address = relayAddress.getHostString() + ":" + relayAddress.getPort()
                        + (relay != null ? " (in this process)" : "");
            }
            for (Participant p : participants) {
                streams.addAll(streamsOf(p, p.index() % o.participantsPerRoom(), o));
            }
            pacer = new TrafficPacer(streams);
            pacer.start();

            LoadReport.ProcessSample serverBefore = o.serverPid() > 0 ? LoadReport.ProcessSample.of(o.serverPid())
                    : null;
            long setupStart = System.nanoTime();
            for (Participant p : participants) {
                p.start();
            }
            int kinds = (o.audioKbps() > 0 ? 1 : 0) + (o.videoKbps() > 0 ? 1 : 0);
            int streamsExpected = participants.size() * (o.participantsPerRoom() - 1) * kinds;
            awaitStreams(participants, o, out, "setup", streamsExpected, setupStart);
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            if (o.warmupSeconds() > 0) {
                out.printf("[warm-up %.1f s]%n", o.warmupSeconds());
                Thread.sleep((long) (o.warmupSeconds() * 1000));
            }
            Churn churn = null;
            double churnSeconds = 0;
            if (o.churnSeconds() > 0) {
                long churnStart = System.nanoTime();
                churn = churn(o, participants, streams, pacer, sfuSockets, handshakes, out);
                churnSeconds = (System.nanoTime() - churnStart) / 1e9;
                participants.clear();
                participants.addAll(churn.live());
                // The final round: every participant there now must get every other's streams afresh.
                for (Participant p : participants) {
                    p.reception().restart();
                }
                awaitStreams(participants, o, out, "final round", streamsExpected, System.nanoTime());
            }

            // Measurement window.
            for (Participant p : participants) {
                p.reception().restart();
            }
            pacer.restartCounters();
            Map<SyntheticStream, long[]> sentAtStart = new HashMap<>();
            for (SyntheticStream s : streams) {
                sentAtStart.put(s, new long[] {s.packetsSent(), s.keyframesSent()});
            }
            long cpuStart = ownCpuNanos();
            long targetCpuStart = targetCpuNanos(o, relay);
            long start = System.nanoTime();
            double measured = churn == null ? o.durationSeconds() : FINAL_ROUND_SECONDS;
            long end = start + (long) (measured * 1e9);
            long lastSent = sent(streams);
            long lastReceived = 0;
            long tick = start;
            while (System.nanoTime() < end) {
                tick = Math.min(end, tick + 1_000_000_000L);
                long sleep = tick - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
                long sentNow = sent(streams);
                long receivedNow = 0;
                DelayHistogram delays = new DelayHistogram();
                long expected = 0;
                long received = 0;
                for (Participant p : participants) {
                    for (StreamReception.Snapshot s : p.reception().snapshot()) {
                        receivedNow += s.received();
                        expected += s.expected();
                        received += s.received();
                        delays.add(s.delays());
                    }
                }
                double seconds = Math.max(1e-3, (System.nanoTime() - tick + 1_000_000_000L) / 1e9);
                out.printf("[%5.1f/%.0f s] sent %,8.0f pkt/s  received %,8.0f pkt/s  loss %.3f %%  "
                                + "delay p50 %s ms p99 %s ms  pacer late max %.1f ms%n",
                        (System.nanoTime() - start) / 1e9, measured, (sentNow - lastSent) / seconds,
                        (receivedNow - lastReceived) / seconds,
                        expected == 0 ? 0.0 : 100.0 * Math.max(0, expected - received) / expected,
                        LoadReport.ms(delays.percentileMillis(50)), LoadReport.ms(delays.percentileMillis(99)),
                        pacer.maxLatenessMillis());
                lastSent = sentNow;
                lastReceived = receivedNow;
            }
            pacer.stopSending();
            double window = (System.nanoTime() - start) / 1e9;
            Thread.sleep(DRAIN.toMillis());
            long cpu = ownCpuNanos() - cpuStart;
            long targetCpuEnd = targetCpuNanos(o, relay);
            Double targetCpu = targetCpuStart < 0 || targetCpuEnd < 0 ? null : (targetCpuEnd - targetCpuStart) / 1e9;
            String targetMeasuredBy = targetCpu == null ? null
                    : o.serverPid() > 0 ? "process " + o.serverPid() : "relay thread";
            LoadReport.ChurnReport churnReport = null;
            if (churn != null) {
                LoadReport.ProcessSample serverAfter = o.serverPid() > 0
                        ? LoadReport.ProcessSample.of(o.serverPid()) : null;
                churnReport = churn.report(o.churnSeconds(), churnSeconds, serverBefore, serverAfter);
            }
            LoadReport report = report(o, address, setupSeconds, window, participants, streams, sentAtStart, cpu,
                    targetCpu, targetMeasuredBy, pacer, streamsExpected, churnReport);
            if (o.idleSeconds() > 0) {
                // Media stopped, every participant still connected: what holding calls costs the server alone.
                out.printf("[idle %.0f s: media stopped, %d participants connected]%n", o.idleSeconds(),
                        participants.size());
                Thread.sleep((long) (o.idleSeconds() * 1000));
                long stillThere = participants.stream().filter(p -> p.failure() == null).count();
                out.printf("[idle over: %d of %d participants still connected]%n", stillThere, participants.size());
            }
            beforeLeaving.check(List.copyOf(participants));
            return report;
        } finally {
            if (pacer != null) {
                pacer.close();
            }
            for (Participant p : participants) {
                p.close();
            }
            for (RelayReceiver receiver : relayReceivers) {
                receiver.close();
            }
            if (relay != null) {
                relay.close();
            }
            if (vertx != null) {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            if (handshakes != null) {
                handshakes.shutdownNow();
            }
            if (janusTimers != null) {
                janusTimers.shutdownNow();
            }
        }
    }

    private static LoadReport report(LoadOptions o, String address, double setupSeconds, double window,
                                     List<Participant> participants, List<SyntheticStream> streams,
                                     Map<SyntheticStream, long[]> sentAtStart, long cpuNanos, Double targetCpu,
                                     String targetMeasuredBy, TrafficPacer pacer, int streamsExpected,
                                     LoadReport.ChurnReport churn) {
        Map<Integer, Participant> byIndex = new HashMap<>();
        for (Participant p : participants) {
            byIndex.put(p.index(), p);
        }
        long sent = 0;
        Map<Participant, long[]> sentBy = new HashMap<>();
        for (SyntheticStream s : streams) {
            long[] base = sentAtStart.get(s);
            long n = s.packetsSent() - base[0];
            sent += n;
            long[] counts = sentBy.computeIfAbsent(s.participant(), k -> new long[3]);
            counts[s.kind()] += n;
            counts[2] += s.keyframesSent() - base[1];
        }
        long received = 0;
        long bytes = 0;
        long expected = 0;
        long lost = 0;
        long duplicates = 0;
        long reordered = 0;
        long foreign = 0;
        int streamsReceived = 0;
        int failed = 0;
        DelayHistogram all = new DelayHistogram();
        List<LoadReport.ParticipantReport> reports = new ArrayList<>();
        for (Participant p : participants) {
            List<LoadReport.StreamReport> streamReports = new ArrayList<>();
            for (StreamReception.Snapshot s : p.reception().snapshot()) {
                Participant sender = byIndex.get(s.senderIndex());
                if (sender == null || !sender.room().equals(p.room()) || sender == p) {
                    foreign += s.received();
                    continue;
                }
                received += s.received();
                expected += s.expected();
                lost += s.lost();
                duplicates += s.duplicates();
                reordered += s.reordered();
                all.add(s.delays());
                if (s.received() > 0) {
                    streamsReceived++;
                }
                streamReports.add(new LoadReport.StreamReport(sender.name(), ProbePayload.kindName(s.kind()),
                        s.received(), s.expected(), s.lost(), percent(s.lost(), s.expected()), s.duplicates(),
                        s.reordered(), LoadReport.ms(s.delays().percentileMillis(50)),
                        LoadReport.ms(s.delays().percentileMillis(99)), List.copyOf(new TreeSet<>(s.ssrcs()))));
            }
            if (p.failure() != null) {
                failed++;
            }
            long[] counts = sentBy.getOrDefault(p, new long[3]);
            reports.add(new LoadReport.ParticipantReport(p.name(), p.room(), p.failure(), counts[ProbePayload.AUDIO],
                    counts[ProbePayload.VIDEO], counts[2], streamReports, p.counters()));
        }
        for (Participant p : participants) {
            bytes += p.reception().bytes();
        }
        double mbps = Math.round(bytes * 8 / 1e6 / window * 10) / 10.0;
        LoadReport.Totals totals = new LoadReport.Totals(sent, sent / window, received, received / window, mbps,
                expected, lost, percent(lost, expected), duplicates, reordered,
                LoadReport.ms(all.percentileMillis(50)), LoadReport.ms(all.percentileMillis(99)),
                LoadReport.ms(all.count() == 0 ? Double.NaN : all.maxMillis()), streamsExpected, streamsReceived,
                foreign, failed);
        LoadReport.Cpu cpu = new LoadReport.Cpu(cpuNanos / 1e9, targetCpu,
                targetCpu == null || received == 0 ? null : Math.round(targetCpu * 1e6 / received * 100) / 100.0,
                targetMeasuredBy);
        LoadReport.Pacer pacerReport = new LoadReport.Pacer(Math.round(pacer.meanLatenessMillis() * 1000) / 1000.0,
                Math.round(pacer.maxLatenessMillis() * 1000) / 1000.0, pacer.skippedFrames());
        return new LoadReport(o.target(), address, o.rooms(), o.participantsPerRoom(),
                Math.round(window * 1000) / 1000.0, o.videoKbps(), o.audioKbps(), Math.round(setupSeconds * 10) / 10.0,
                totals, cpu, pacerReport, reports, churn);
    }

    /** A participant against the SFU, with SSRCs of its own or the shared ones (--shared-ssrcs). */
    private static WebRtcParticipant webRtcParticipant(LoadOptions o, int index, String name, String room,
                                                       WebSocketClient webSockets, ExecutorService handshakes) {
        return o.sharedSsrcs()
                ? new WebRtcParticipant(index, name, room, o.server(), webSockets, handshakes, SHARED_AUDIO_SSRC,
                        SHARED_VIDEO_SSRC, SHARED_VIDEO_RTX_SSRC)
                : new WebRtcParticipant(index, name, room, o.server(), webSockets, handshakes);
    }

    /** What a participant sends: audio and video at the run's rates (a rate of 0 leaves that kind out). */
    private static List<SyntheticStream> streamsOf(Participant p, int position, LoadOptions o) {
        List<SyntheticStream> streams = new ArrayList<>();
        SyntheticStream.TransportSequence tcc = new SyntheticStream.TransportSequence();
        if (o.audioKbps() > 0) {
            // RFC 6464 levels in −dBov: the first of each room is the loudest (the dominant speaker).
            streams.add(new SyntheticStream(p, ProbePayload.AUDIO, p.ssrc(ProbePayload.AUDIO),
                    ClientNegotiator.OPUS_PAYLOAD_TYPE, 48000, 50, o.audioKbps() * 1000, 1200, tcc,
                    Math.min(127, 20 + 10 * position), Long.MAX_VALUE));
        }
        if (o.videoKbps() > 0) {
            streams.add(new SyntheticStream(p, ProbePayload.VIDEO, p.ssrc(ProbePayload.VIDEO),
                    ClientNegotiator.VP8_PAYLOAD_TYPE, 90000, o.framesPerSecond(), o.videoKbps() * 1000,
                    o.videoPacketBytes(), tcc, 0, TimeUnit.MILLISECONDS.toNanos(o.keyframeIntervalMillis())));
        }
        return streams;
    }

    /**
     * Waits until every stream has reached each receiver of its room once since the receptions' last restart, or
     * the setup timeout; prints progress each second and, at a timeout, what is missing.
     */
    private static void awaitStreams(List<Participant> participants, LoadOptions o, PrintStream out, String phase,
                                     int streamsExpected, long since) throws InterruptedException {
        long deadline = since + (long) (o.setupTimeoutSeconds() * 1e9);
        long nextPrint = since + 1_000_000_000L;
        while (true) {
            int arrived = streamsArrived(participants, o);
            if (arrived == streamsExpected || System.nanoTime() > deadline) {
                out.printf("[%s %5.1f s] %d/%d participants connected, %d/%d streams arriving%s%n", phase,
                        (System.nanoTime() - since) / 1e9, connected(participants), participants.size(),
                        arrived, streamsExpected,
                        arrived == streamsExpected ? "" : ": timeout, measuring anyway");
                if (arrived != streamsExpected) {
                    printMissing(participants, o, out);
                }
                return;
            }
            if (System.nanoTime() >= nextPrint) {
                out.printf("[%s %5.1f s] %d/%d participants connected, %d/%d streams arriving%n", phase,
                        (System.nanoTime() - since) / 1e9, connected(participants), participants.size(),
                        arrived, streamsExpected);
                nextPrint = System.nanoTime() + 1_000_000_000L;
            }
            Thread.sleep(50);
        }
    }

    /**
     * The churn phase ({@link Churn}) for --duration seconds, then until every resume under way is settled. The
     * participants of the setup are the first in their places; those that leave are closed here.
     */
    private static Churn churn(LoadOptions o, List<Participant> initial, List<SyntheticStream> streams,
                               TrafficPacer pacer, WebSocketClient webSockets, ExecutorService handshakes,
                               PrintStream out) throws InterruptedException {
        AtomicInteger nextIndex = new AtomicInteger(initial.size());
        List<Churn.Place> places = new ArrayList<>();
        for (Participant p : initial) {
            Churn.Place place = new Churn.Place(p.index() / o.participantsPerRoom(),
                    p.index() % o.participantsPerRoom());
            place.participant = (WebRtcParticipant) p;
            places.add(place);
        }
        Churn churn = new Churn(places, new Churn.Places() {
            @Override
            public WebRtcParticipant join(Churn.Place place) throws Exception {
                WebRtcParticipant p = webRtcParticipant(o, nextIndex.getAndIncrement(),
                        name(place.room, place.position) + "." + place.generation, room(o, place.room), webSockets,
                        handshakes);
                List<SyntheticStream> own = streamsOf(p, place.position, o);
                synchronized (streams) {
                    streams.addAll(own);
                }
                own.forEach(pacer::add);
                p.start();
                return p;
            }

            @Override
            public void gone(WebRtcParticipant participant) {
                synchronized (streams) {
                    streams.removeIf(s -> {
                        if (s.participant() == participant) {
                            s.retire();
                            return true;
                        }
                        return false;
                    });
                }
            }
        }, o);
        long start = System.nanoTime();
        long end = start + (long) (o.durationSeconds() * 1e9);
        long printEvery = o.durationSeconds() > 60 ? 10_000_000_000L : 1_000_000_000L;
        long nextPrint = start + printEvery;
        while (System.nanoTime() < end) {
            churn.tick(true);
            if (System.nanoTime() >= nextPrint) {
                LoadReport.ProcessSample server = o.serverPid() > 0 ? LoadReport.ProcessSample.of(o.serverPid())
                        : null;
                churn.printProgress(out, (System.nanoTime() - start) / 1e9, o.durationSeconds(),
                        server == null ? null : server.toString());
                nextPrint += printEvery;
            }
            Thread.sleep(CHURN_TICK_MILLIS);
        }
        // No new events; the drops under way resume and their media is checked, each within its own timeouts.
        long settle = System.nanoTime() + Churn.RESUME_TIMEOUT + Churn.MEDIA_AGAIN_TIMEOUT
                + TimeUnit.SECONDS.toNanos(5);
        while (churn.pending() && System.nanoTime() < settle) {
            churn.tick(false);
            Thread.sleep(CHURN_TICK_MILLIS);
        }
        churn.tick(false);
        churn.printProgress(out, (System.nanoTime() - start) / 1e9, o.durationSeconds(), null);
        return churn;
    }

    private static String name(int room, int participant) {
        return "r" + room + "p" + participant;
    }

    private static String room(LoadOptions o, int room) {
        return o.roomPrefix() + "-" + room;
    }

    private static int connected(List<Participant> participants) {
        int n = 0;
        for (Participant p : participants) {
            if (p.canSend()) {
                n++;
            }
        }
        return n;
    }

    /** Streams (sender, kind) that have reached each receiver of their room at least once. */
    private static int streamsArrived(List<Participant> participants, LoadOptions o) {
        int n = 0;
        for (Participant receiver : participants) {
            for (Participant sender : participants) {
                if (sender == receiver || !sender.room().equals(receiver.room())) {
                    continue;
                }
                if (o.audioKbps() > 0 && receiver.reception().hasReceived(sender.index(), ProbePayload.AUDIO)) {
                    n++;
                }
                if (o.videoKbps() > 0 && receiver.reception().hasReceived(sender.index(), ProbePayload.VIDEO)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** What did not arrive during setup, and the counters of the participants concerned. */
    private static void printMissing(List<Participant> participants, LoadOptions o, PrintStream out) {
        for (Participant receiver : participants) {
            List<String> missing = new ArrayList<>();
            for (Participant sender : participants) {
                if (sender == receiver || !sender.room().equals(receiver.room())) {
                    continue;
                }
                for (int kind : new int[] {ProbePayload.AUDIO, ProbePayload.VIDEO}) {
                    boolean sends = kind == ProbePayload.AUDIO ? o.audioKbps() > 0 : o.videoKbps() > 0;
                    if (sends && !receiver.reception().hasReceived(sender.index(), kind)) {
                        missing.add(sender.name() + " " + ProbePayload.kindName(kind));
                    }
                }
            }
            if (!missing.isEmpty()) {
                out.printf("  %s has nothing from %s; %s; %s%n", receiver.name(), missing,
                        receiver.failure() == null ? "no failure" : receiver.failure(), receiver.counters());
            }
        }
    }

    private static long sent(List<SyntheticStream> streams) {
        long n = 0;
        for (SyntheticStream s : streams) {
            n += s.packetsSent();
        }
        return n;
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : Math.round(100_000.0 * part / whole) / 1000.0;
    }

    /** CPU time of this whole process (every thread, the JIT and the GC included). */
    private static long ownCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The target's CPU time: the process given by --server-pid, else the in-process relay's thread; -1 if neither. */
    private static long targetCpuNanos(LoadOptions o, PlainUdpRelay relay) {
        if (o.serverPid() > 0) {
            return ProcessHandle.of(o.serverPid()).flatMap(h -> h.info().totalCpuDuration())
                    .map(Duration::toNanos).orElse(-1L);
        }
        return relay != null ? relay.cpuNanos() : -1;
    }
}
