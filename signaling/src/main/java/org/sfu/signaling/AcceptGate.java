package org.sfu.signaling;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.sfu.media.counters.CounterRegistry;

/**
 * Caps applied to each TCP connection as it is accepted, before it has a pipeline: TCP connections open, in all and
 * per source address; new connections per second per source address; TLS handshakes in progress, in all and per
 * source address. A connection over a cap is closed there, before the server reads a byte of its ClientHello, so it
 * costs no TLS work. Without it the caps of {@link Admission} are read only from the upgrade request, after the
 * handshake: one address could make the server run a thousand handshakes at once (those the machine did not finish
 * within the TLS handshake timeout were closed without an answer), or hold any number of TLS connections that never
 * send a request. A connection let in must then send its first HTTP request within a deadline
 * ({@link FirstRequestDeadline}), so one that finished its handshake and says nothing does not hold its slot for ever.
 *
 * <p>A connection is "in its handshake" from its accept until its handshake ends (done or failed, Netty's
 * {@link SslHandler#handshakeFuture()}) or it closes, whichever comes first; on a listener without TLS, until it is
 * set up. So a real client holds a handshake slot for a round trip or two, and a socket that never says anything for
 * at most the TLS handshake timeout (Vert.x's 10 s). A connection is "open" from its accept until it closes.
 *
 * <p>"Address" here is a {@link SourceAddress}: an IPv4 address, or an IPv6 address's /64, since one subscriber holds
 * a whole /64 and could otherwise open each connection from a new address of it.
 *
 * <p>The rate of new connections per address is a token bucket per address, refilled at the rate and holding
 * {@link ConnectionLimits#NEW_CONNECTION_BURST_SECONDS} seconds' worth; only connections let in take a token. Per
 * address state is kept while the address has a connection open, and after that only while its bucket is not full
 * again, and then for at most {@link #MAX_IDLE_ADDRESSES} addresses (the least recently seen are forgotten first): a
 * flood from ever new source addresses cannot grow it beyond the connections open plus that.
 *
 * <p>It is the handler of the server channel (the listening socket), so it sees each accepted connection before
 * Netty's acceptor hands it to Vert.x; {@link GatedTransport} installs it. Refusals are counted (stage {@code accept},
 * {@code tcp_connections_dropped_<reason>}) and logged at most once per address per interval ({@link RefusalLog}).
 * Thread-safe: the acceptor thread takes slots, the connections' event loops give them back.
 */
@ChannelHandler.Sharable
final class AcceptGate extends ChannelInboundHandlerAdapter {

    /** Why a connection was closed at accept; the labels are the counters' reason labels (few, fixed). */
    enum Refusal {
        OVER_SERVER_CONNECTION_CAP("over_server_connection_cap", "TCP connections open at the server's cap"),
        OVER_ADDRESS_RATE("over_address_rate", "new TCP connections from this address over their rate"),
        OVER_SERVER_HANDSHAKE_CAP("over_server_handshake_cap", "TLS handshakes in progress at the server's cap"),
        OVER_ADDRESS_HANDSHAKE_CAP("over_address_handshake_cap",
                "TLS handshakes in progress from this address at their cap"),
        OVER_ADDRESS_CONNECTION_CAP("over_address_connection_cap",
                "TCP connections open from this address at their cap");

        final String label;
        final String reason;

        Refusal(String label, String reason) {
            this.label = label;
            this.reason = reason;
        }
    }

    /** Source addresses without a connection open whose bucket of new connections is remembered, at most. */
    static final int MAX_IDLE_ADDRESSES = 4096;
    /** Counter of connections closed by {@link FirstRequestDeadline}: a reason label like the refusals'. */
    static final String FIRST_REQUEST_TIMEOUT_LABEL = "first_request_timeout";

    /** One source address's connections and its bucket of new ones; guarded by the gate. */
    private static final class FromAddress {
        int handshaking;
        int open;
        double tokens;
        long refilledAt;

        FromAddress(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    private final int maxOpen;
    private final int maxHandshakes;
    private final int maxHandshakesPerAddress;
    private final int maxOpenPerAddress;
    /** New connections per nanosecond per address, and how many may come at once; 0: no cap. */
    private final double newPerNano;
    private final double burst;
    private final long firstRequestTimeoutMillis;
    private final long httpIdleTimeoutMillis;
    private final RefusalLog log;
    private final RefusalLog timeoutLog = new RefusalLog("closed without an HTTP request");
    private final LongSupplier nanoTime;
    // Guarded by this: one update per connection accepted, per handshake ended and per close, never per byte.
    private int handshaking;
    private int open;
    private final Map<SourceAddress, FromAddress> byAddress = new HashMap<>();
    /** Addresses with nothing open whose bucket is still refilling, least recently seen first. */
    private final LinkedHashMap<SourceAddress, FromAddress> idle = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SourceAddress, FromAddress> eldest) {
            return size() > MAX_IDLE_ADDRESSES;
        }
    };
    private final LongAdder accepted = new LongAdder();
    private final LongAdder firstRequestTimeouts = new LongAdder();
    private final Map<Refusal, LongAdder> refused = new java.util.EnumMap<>(Refusal.class);

    /** @param limits the caps and deadline; their origins and WebSocket caps are {@link Admission}'s, not read here */
    AcceptGate(ConnectionLimits limits, RefusalLog log, LongSupplier nanoTime) {
        this.maxOpen = limits.maxTcpConnections();
        this.maxHandshakes = limits.maxHandshakes();
        this.maxHandshakesPerAddress = limits.maxHandshakesPerAddress();
        this.maxOpenPerAddress = limits.maxTcpConnectionsPerAddress();
        int perSecond = limits.maxNewTcpConnectionsPerAddressPerSecond();
        this.newPerNano = perSecond / 1e9;
        this.burst = (double) perSecond * ConnectionLimits.NEW_CONNECTION_BURST_SECONDS;
        this.firstRequestTimeoutMillis = limits.firstRequestTimeoutMillis();
        this.httpIdleTimeoutMillis = limits.httpIdleTimeoutMillis();
        this.log = log;
        this.nanoTime = nanoTime;
        for (Refusal r : Refusal.values()) {
            refused.put(r, new LongAdder());
        }
    }

    AcceptGate(ConnectionLimits limits) {
        this(limits, new RefusalLog(), System::nanoTime);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // On a server channel, what is read is each accepted connection, not yet registered with an event loop.
        if (!(msg instanceof Channel child) || !(child.remoteAddress() instanceof InetSocketAddress remote)) {
            ctx.fireChannelRead(msg);
            return;
        }
        SourceAddress address = SourceAddress.of(remote.getAddress());
        Refusal refusal = reserve(address);
        if (refusal != null) {
            refused.get(refusal).increment();
            log.refused(address, refusal.reason);
            // As Netty's own acceptor closes a connection it cannot register: the socket only, nothing to flush.
            child.unsafe().closeForcibly();
            return;
        }
        accepted.increment();
        Slot slot = new Slot(address);
        child.closeFuture().addListener(f -> slot.closed());
        // First in the connection's pipeline, ahead of the initializer Vert.x's acceptor adds next.
        child.pipeline().addFirst(slot);
        ctx.fireChannelRead(child);
    }

    /**
     * Takes a handshake slot, an open-connection slot and a token of the rate for a connection from {@code address};
     * returns null when taken, else why not (nothing taken).
     */
    synchronized Refusal reserve(SourceAddress address) {
        if (maxOpen > 0 && open >= maxOpen) {
            return Refusal.OVER_SERVER_CONNECTION_CAP;
        }
        if (maxHandshakes > 0 && handshaking >= maxHandshakes) {
            return Refusal.OVER_SERVER_HANDSHAKE_CAP;
        }
        long now = nanoTime.getAsLong();
        FromAddress from = byAddress.get(address);
        if (from == null) {
            from = idle.get(address);
        }
        if (from != null && newPerNano > 0) {
            from.tokens = Math.min(burst, from.tokens + Math.max(0, now - from.refilledAt) * newPerNano);
            from.refilledAt = now;
            if (from.tokens < 1) {
                return Refusal.OVER_ADDRESS_RATE;
            }
        }
        if (from != null && maxHandshakesPerAddress > 0 && from.handshaking >= maxHandshakesPerAddress) {
            return Refusal.OVER_ADDRESS_HANDSHAKE_CAP;
        }
        if (from != null && maxOpenPerAddress > 0 && from.open >= maxOpenPerAddress) {
            return Refusal.OVER_ADDRESS_CONNECTION_CAP;
        }
        if (from == null) {
            from = new FromAddress(burst, now);
        }
        if (from.open == 0) {
            idle.remove(address);
            byAddress.put(address, from);
        }
        forgetFullBuckets(now);
        handshaking++;
        open++;
        from.handshaking++;
        from.open++;
        from.tokens -= 1;
        return null;
    }

    /** The handshake of a connection {@link #reserve} let in has ended; it stays open. */
    synchronized void handshakeEnded(SourceAddress address) {
        handshaking--;
        byAddress.get(address).handshaking--;
    }

    /** A connection {@link #reserve} let in has closed, after {@link #handshakeEnded}. */
    synchronized void closed(SourceAddress address) {
        open--;
        FromAddress from = byAddress.get(address);
        if (--from.open == 0) {
            byAddress.remove(address);
            // Its bucket is remembered until it is full again, or else the address could reconnect at once at any rate
            // by closing each connection before opening the next.
            if (newPerNano > 0 && !refilled(from, nanoTime.getAsLong())) {
                idle.put(address, from);
            }
        }
    }

    /**
     * Forgets the least recently seen idle addresses whose buckets are full again: as good as new, so nothing is lost.
     * They are forgotten in the order they went idle, which is near enough the order they fill, and at most a few per
     * call, so the work stays small per connection accepted.
     */
    private void forgetFullBuckets(long now) {
        var eldest = idle.values().iterator();
        for (int i = 0; i < 4 && eldest.hasNext(); i++) {
            if (!refilled(eldest.next(), now)) {
                return;
            }
            eldest.remove();
        }
    }

    private boolean refilled(FromAddress from, long now) {
        return from.tokens + Math.max(0, now - from.refilledAt) * newPerNano >= burst;
    }

    /** Source addresses the gate holds state for now: those with connections open, and those refilling (for tests). */
    synchronized int addressesRemembered() {
        return byAddress.size() + idle.size();
    }

    /** TCP connections open now, in all. */
    synchronized int open() {
        return open;
    }

    /** Handshakes in progress now, in all. */
    synchronized int handshaking() {
        return handshaking;
    }

    /** Handshakes in progress now from {@code address}. */
    synchronized int handshaking(SourceAddress address) {
        FromAddress from = byAddress.get(address);
        return from == null ? 0 : from.handshaking;
    }

    /** TCP connections open now from {@code address}. */
    synchronized int open(SourceAddress address) {
        FromAddress from = byAddress.get(address);
        return from == null ? 0 : from.open;
    }

    /** Connections closed at accept for {@code refusal} so far. */
    long refused(Refusal refusal) {
        return refused.get(refusal).sum();
    }

    /** Connections closed so far because they sent no HTTP request in time ({@link FirstRequestDeadline}). */
    long firstRequestTimeouts() {
        return firstRequestTimeouts.sum();
    }

    /** {@link FirstRequestDeadline} closed a connection from {@code address}. */
    void firstRequestTimedOut(SourceAddress address) {
        firstRequestTimeouts.increment();
        timeoutLog.refused(address, "none within " + firstRequestTimeoutMillis + " ms of its accept");
    }

    /** Adds the gate's counters to {@code registry} (stage {@code accept}): what {@code /metrics} exports. */
    CounterRegistry.Registration countIn(CounterRegistry registry) {
        return registry.register(Map.of("stage", "accept"), out -> {
            out.accept("tcp_connections_accepted", accepted.sum());
            refused.forEach((r, n) -> out.accept("tcp_connections_dropped_" + r.label, n.sum()));
            out.accept("tcp_connections_dropped_" + FIRST_REQUEST_TIMEOUT_LABEL, firstRequestTimeouts.sum());
        });
    }

    /**
     * One connection's slots: finds the connection's TLS handler once the connection is set up, gives the handshake
     * slot back when its handshake ends, the open slot when it closes, and starts the deadline for its first request
     * and the idle timeout that follows it.
     * Leaves the pipeline at once.
     */
    private final class Slot extends ChannelInboundHandlerAdapter {
        private final SourceAddress address;
        private final AtomicBoolean handshakeEnded = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        Slot(SourceAddress address) {
            this.address = address;
        }

        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            // Registered: the initializers added before this event (Vert.x's, which adds the SslHandler) have run.
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls == null) {
                handshakeEnded();
            } else {
                tls.handshakeFuture().addListener(f -> handshakeEnded());
                // Only HTTPS: the plain listener is the admin port, on loopback, which strangers do not reach.
                if (firstRequestTimeoutMillis > 0) {
                    FirstRequestDeadline.watch(ctx.channel(), tls, firstRequestTimeoutMillis,
                            () -> firstRequestTimedOut(address));
                }
                if (httpIdleTimeoutMillis > 0) {
                    HttpIdleTimeout.watch(ctx.channel(), tls, httpIdleTimeoutMillis);
                }
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRegistered();
        }

        void handshakeEnded() {
            if (handshakeEnded.compareAndSet(false, true)) {
                AcceptGate.this.handshakeEnded(address);
            }
        }

        void closed() {
            handshakeEnded();
            if (closed.compareAndSet(false, true)) {
                AcceptGate.this.closed(address);
            }
        }
    }
}
