package org.sfu.media;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sfu.dtls.DtlsCertificate;
import org.sfu.srtp.AesImplementation;
import org.sfu.ice.IceEndpoint;
import org.sfu.media.counters.CounterRegistry;
import org.sfu.media.router.MediaContext;
import org.sfu.media.router.Grants;
import org.sfu.media.router.Peer;
import org.sfu.media.router.PeerSignaling;
import org.sfu.media.router.RoomEvents;
import org.sfu.media.router.RouterClosedException;
import org.sfu.media.router.RouterFullException;
import org.sfu.media.router.Router;
import org.sfu.media.transport.PacketWorkers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media side of one server: the shared ICE port, the DTLS certificate, the handshake and timer threads, and the
 * routers (rooms). Everything a participant's session needs is reached from here, nothing is global.
 */
public final class MediaEngine implements AutoCloseable {

    /**
     * @param maxParticipantsPerRoom joins beyond this are refused
     * @param simulatedLoss          fraction of outgoing RTP dropped on purpose, for tests of loss recovery; 0
     * @param firstOfferDelayMillis how long the server waits for a new participant's own offer before it offers
     *                              itself (avoids offer collisions with clients that call right after connecting)
     * @param consentTimeoutMillis  a connected participant silent this long (RFC 7675 consent lost) is failed
     * @param mediaThreads          threads that decrypt, route and forward what participants send
     *                              ({@link PacketWorkers}); 0 means {@link PacketWorkers#defaultThreads()}
     * @param answerTimeoutMillis   how long an offer of the server's may go unanswered before the participant is told
     *                              and the next change makes a new offer
     * @param mediaStartTimeoutMillis a participant whose media path is not up this long after joining is removed
     */
    public record Options(IceEndpoint.Options ice, long firstOfferDelayMillis, int maxParticipantsPerRoom,
                          double simulatedLoss, long consentTimeoutMillis, int mediaThreads, long answerTimeoutMillis,
                          long mediaStartTimeoutMillis) {
        public static final long DEFAULT_ANSWER_TIMEOUT_MILLIS = 10_000;
        public static final long DEFAULT_MEDIA_START_TIMEOUT_MILLIS = 30_000;

        public Options {
            if (consentTimeoutMillis <= 0) {
                throw new IllegalArgumentException("consentTimeoutMillis must be positive");
            }
            if (answerTimeoutMillis <= 0 || mediaStartTimeoutMillis <= 0) {
                throw new IllegalArgumentException("answer and media start timeouts must be positive");
            }
            if (mediaThreads < 0) {
                throw new IllegalArgumentException("mediaThreads must not be negative");
            }
        }

        /** With the default consent timeout (20 s), answer timeout and number of media threads. */
        public Options(IceEndpoint.Options ice, long firstOfferDelayMillis, int maxParticipantsPerRoom,
                       double simulatedLoss) {
            this(ice, firstOfferDelayMillis, maxParticipantsPerRoom, simulatedLoss, 20_000, 0,
                    DEFAULT_ANSWER_TIMEOUT_MILLIS, DEFAULT_MEDIA_START_TIMEOUT_MILLIS);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(MediaEngine.class);
    /** DTLS handshakes (Bouncy Castle blocks a thread per handshake) in progress at once. */
    static final int HANDSHAKE_THREADS = 32;

    private final IceEndpoint iceEndpoint;
    private final DtlsCertificate certificate;
    private final PacketWorkers workers;
    private final ExecutorService handshakeExecutor;
    private final ScheduledExecutorService scheduler;
    private final MediaContext context;
    private final ConcurrentHashMap<String, Router> routers = new ConcurrentHashMap<>();
    private final int maxParticipantsPerRoom;
    private final CounterRegistry counters = new CounterRegistry();

    private MediaEngine(Options options, RoomEvents roomEvents) throws IOException {
        this.maxParticipantsPerRoom = options.maxParticipantsPerRoom();
        String aes = AesImplementation.preferOpenSsl();
        this.certificate = DtlsCertificate.generate();
        this.iceEndpoint = IceEndpoint.open(options.ice());
        // At most HANDSHAKE_THREADS handshakes hold a thread at once; more wait their turn in the queue (each
        // participant's handshake starts only once its ICE has a path, and lasts at most 10 s).
        ThreadPoolExecutor handshakes = new ThreadPoolExecutor(HANDSHAKE_THREADS, HANDSHAKE_THREADS, 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemonThreads("dtls-handshake"));
        handshakes.allowCoreThreadTimeOut(true);
        this.handshakeExecutor = handshakes;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemonThreads("media-timer"));
        // A cancelled timer (a settled offer's, a departed participant's) leaves the queue at once instead of at its
        // due time: until then it would keep what it refers to reachable.
        timer.setRemoveOnCancelPolicy(true);
        this.scheduler = timer;
        // Each worker's participants' periodic work runs as one pass on this timer (WorkerTicks).
        this.workers = new PacketWorkers(options.mediaThreads(), PacketWorkers.DEFAULT_QUEUE_CAPACITY, scheduler);
        this.context = new MediaContext(iceEndpoint, certificate, workers, handshakeExecutor, scheduler,
                options.firstOfferDelayMillis(), options.simulatedLoss(), options.consentTimeoutMillis(),
                options.answerTimeoutMillis(), options.mediaStartTimeoutMillis(), counters, roomEvents);
        LOG.info("Media engine ready: UDP port {} on {}, DTLS fingerprint {}, SRTP AES by {}, {} media threads",
                iceEndpoint.udpPort(), iceEndpoint.localAddresses(), certificate.fingerprint().toSdpValue(), aes,
                workers.size());
    }

    public static MediaEngine start(Options options) throws IOException {
        return new MediaEngine(options, RoomEvents.NONE);
    }

    /** {@link #start(Options)}, telling {@code roomEvents} of rooms, participants and tracks as they come and go. */
    public static MediaEngine start(Options options, RoomEvents roomEvents) throws IOException {
        return new MediaEngine(options, roomEvents);
    }

    /** Every counter of every participant's stages, labelled: what a metrics exporter reads. */
    public CounterRegistry counters() {
        return counters;
    }

    /** Datagrams waiting for the media workers now: near the queues' capacity, the workers cannot keep up. */
    public int mediaQueueDepth() {
        return workers.queued();
    }

    public int udpPort() {
        return iceEndpoint.udpPort();
    }

    public IceEndpoint iceEndpoint() {
        return iceEndpoint;
    }

    /** The router (room) with this name, or null when nobody is in it. Creates nothing. */
    public Router existingRouter(String name) {
        return routers.get(name);
    }

    /** The router with this name, created on first use; it is removed when its last participant leaves. */
    private Router routerFor(String name) {
        return routers.computeIfAbsent(name, n -> {
            Router created = new Router(n, context, maxParticipantsPerRoom, this::removeIfEmpty);
            context.roomEvents().roomStarted(created);
            return created;
        });
    }

    /** Joins the named room, retrying once if the room was being removed at that moment. */
    public Peer join(String room, String peerId, PeerSignaling signaling) throws RouterFullException {
        return join(room, peerId, Grants.OPEN, signaling);
    }

    /** Joins the named room with these grants (see {@link #join(String, String, PeerSignaling)}). */
    public Peer join(String room, String peerId, Grants grants, PeerSignaling signaling) throws RouterFullException {
        while (true) {
            try {
                return routerFor(room).join(peerId, grants, signaling);
            } catch (RouterClosedException e) {
                // The room emptied between lookup and join; the next lookup makes a new one.
            }
        }
    }

    public int routerCount() {
        return routers.size();
    }

    /** The rooms that have participants now. */
    public java.util.List<Router> routers() {
        return java.util.List.copyOf(routers.values());
    }

    /** ICE agents (one per participant transport) not yet freed. */
    public int openTransports() {
        return iceEndpoint.openTransports();
    }

    private void removeIfEmpty(Router router) {
        // Told before the name is free: a join waiting for a new room of that name starts it only after this.
        if (routers.get(router.id()) == router) {
            context.roomEvents().roomFinished(router);
        }
        routers.remove(router.id(), router);
    }

    @Override
    public void close() {
        for (Router r : routers.values()) {
            r.peers().forEach(p -> p.close("server_shutdown"));
        }
        routers.clear();
        scheduler.shutdownNow();
        handshakeExecutor.shutdownNow();
        iceEndpoint.close();
        workers.close();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
