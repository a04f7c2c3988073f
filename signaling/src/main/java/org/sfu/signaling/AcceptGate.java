package org.sfu.signaling;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.sfu.media.counters.CounterRegistry;

/**
 * Caps applied to each TCP connection as it is accepted, before it has a pipeline: TLS handshakes in progress, in all
 * and per source address, and TCP connections open per source address. A connection over a cap is closed there,
 * before the server reads a byte of its ClientHello, so it costs no TLS work. Without it the caps of
 * {@link Admission} are read only from the upgrade request, after the handshake: one address could make the server run
 * a thousand handshakes at once (those the machine did not finish within the TLS handshake timeout were closed without
 * an answer), or hold any number of TLS connections that never send a request.
 *
 * <p>A connection is "in its handshake" from its accept until its handshake ends (done or failed, Netty's
 * {@link SslHandler#handshakeFuture()}) or it closes, whichever comes first; on a listener without TLS, until it is
 * set up. So a real client holds a handshake slot for a round trip or two, and a socket that never says anything for
 * at most the TLS handshake timeout (Vert.x's 10 s). A connection is "open" from its accept until it closes.
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

    /** One source address's connections; guarded by the gate. */
    private static final class FromAddress {
        int handshaking;
        int open;
    }

    private final int maxHandshakes;
    private final int maxHandshakesPerAddress;
    private final int maxOpenPerAddress;
    private final RefusalLog log;
    // Guarded by this: one update per connection accepted, per handshake ended and per close, never per byte.
    private int handshaking;
    private final Map<InetAddress, FromAddress> byAddress = new HashMap<>();
    private final LongAdder accepted = new LongAdder();
    private final Map<Refusal, LongAdder> refused = new java.util.EnumMap<>(Refusal.class);

    /**
     * @param maxHandshakes           handshakes in progress at once, in all (0: no cap)
     * @param maxHandshakesPerAddress handshakes in progress at once from one source address (0: no cap)
     * @param maxOpenPerAddress       TCP connections open at once from one source address (0: no cap)
     */
    AcceptGate(int maxHandshakes, int maxHandshakesPerAddress, int maxOpenPerAddress, RefusalLog log) {
        if (maxHandshakes < 0 || maxHandshakesPerAddress < 0 || maxOpenPerAddress < 0) {
            throw new IllegalArgumentException("caps must be 0 (none) or more");
        }
        this.maxHandshakes = maxHandshakes;
        this.maxHandshakesPerAddress = maxHandshakesPerAddress;
        this.maxOpenPerAddress = maxOpenPerAddress;
        this.log = log;
        for (Refusal r : Refusal.values()) {
            refused.put(r, new LongAdder());
        }
    }

    AcceptGate(ConnectionLimits limits) {
        this(limits.maxHandshakes(), limits.maxHandshakesPerAddress(), limits.maxTcpConnectionsPerAddress(),
                new RefusalLog());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // On a server channel, what is read is each accepted connection, not yet registered with an event loop.
        if (!(msg instanceof Channel child) || !(child.remoteAddress() instanceof InetSocketAddress remote)) {
            ctx.fireChannelRead(msg);
            return;
        }
        InetAddress address = remote.getAddress();
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
     * Takes a handshake slot and an open-connection slot for a connection from {@code address}; returns null when
     * taken, else why not (nothing taken).
     */
    synchronized Refusal reserve(InetAddress address) {
        if (maxHandshakes > 0 && handshaking >= maxHandshakes) {
            return Refusal.OVER_SERVER_HANDSHAKE_CAP;
        }
        FromAddress from = byAddress.get(address);
        if (from != null && maxHandshakesPerAddress > 0 && from.handshaking >= maxHandshakesPerAddress) {
            return Refusal.OVER_ADDRESS_HANDSHAKE_CAP;
        }
        if (from != null && maxOpenPerAddress > 0 && from.open >= maxOpenPerAddress) {
            return Refusal.OVER_ADDRESS_CONNECTION_CAP;
        }
        if (from == null) {
            from = new FromAddress();
            byAddress.put(address, from);
        }
        handshaking++;
        from.handshaking++;
        from.open++;
        return null;
    }

    /** The handshake of a connection {@link #reserve} let in has ended; it stays open. */
    synchronized void handshakeEnded(InetAddress address) {
        handshaking--;
        byAddress.get(address).handshaking--;
    }

    /** A connection {@link #reserve} let in has closed, after {@link #handshakeEnded}. */
    synchronized void closed(InetAddress address) {
        FromAddress from = byAddress.get(address);
        if (--from.open == 0) {
            byAddress.remove(address);
        }
    }

    /** Handshakes in progress now, in all. */
    synchronized int handshaking() {
        return handshaking;
    }

    /** Handshakes in progress now from {@code address}. */
    synchronized int handshaking(InetAddress address) {
        FromAddress from = byAddress.get(address);
        return from == null ? 0 : from.handshaking;
    }

    /** TCP connections open now from {@code address}. */
    synchronized int open(InetAddress address) {
        FromAddress from = byAddress.get(address);
        return from == null ? 0 : from.open;
    }

    /** Connections closed at accept for {@code refusal} so far. */
    long refused(Refusal refusal) {
        return refused.get(refusal).sum();
    }

    /** Adds the gate's counters to {@code registry} (stage {@code accept}): what {@code /metrics} exports. */
    CounterRegistry.Registration countIn(CounterRegistry registry) {
        return registry.register(Map.of("stage", "accept"), out -> {
            out.accept("tcp_connections_accepted", accepted.sum());
            refused.forEach((r, n) -> out.accept("tcp_connections_dropped_" + r.label, n.sum()));
        });
    }

    /**
     * One connection's slots: finds the connection's TLS handler once the connection is set up, and gives the
     * handshake slot back when its handshake ends, the open slot when it closes. Leaves the pipeline at once.
     */
    private final class Slot extends ChannelInboundHandlerAdapter {
        private final InetAddress address;
        private final AtomicBoolean handshakeEnded = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        Slot(InetAddress address) {
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
