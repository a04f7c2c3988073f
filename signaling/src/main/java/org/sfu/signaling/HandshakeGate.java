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
 * Caps on TLS handshakes in progress, in all and per source address, applied to each TCP connection as it is accepted,
 * before it has a pipeline: a connection over a cap is closed there, before the server reads a byte of its
 * ClientHello, so it costs no TLS work. Without it the caps of {@link Admission} are read only from the upgrade request,
 * after the handshake: one address could make the server run a thousand handshakes at once, and those the machine did
 * not finish within the TLS handshake timeout were closed without an answer.
 *
 * <p>A connection holds its slot from its accept until its handshake ends (done or failed, Netty's
 * {@link SslHandler#handshakeFuture()}) or it closes, whichever comes first; a listener without TLS gives the slot back
 * as soon as the connection is set up. Established connections are not counted here: the WebSocket caps of
 * {@link Admission} count those. So a slot is held for a round trip or two of a real client, and for at most the
 * handshake timeout (Vert.x's 10 s) of a socket that never says anything.
 *
 * <p>It is the handler of the server channel (the listening socket), so it sees each accepted connection before
 * Netty's acceptor hands it to Vert.x; {@link GatedTransport} installs it. Refusals are counted (stage {@code accept},
 * {@code tcp_connections_dropped_<reason>}) and logged at most once per address per interval ({@link RefusalLog}).
 * Thread-safe: the acceptor thread takes slots, the connections' event loops give them back.
 */
@ChannelHandler.Sharable
final class HandshakeGate extends ChannelInboundHandlerAdapter {

    /** Why a connection was closed at accept; the names are the counters' reason labels (few, fixed). */
    enum Refusal {
        OVER_ADDRESS_CAP("over_address_cap", "TLS handshakes in progress from this address at their cap"),
        OVER_SERVER_CAP("over_server_cap", "TLS handshakes in progress at the server's cap");

        final String label;
        final String reason;

        Refusal(String label, String reason) {
            this.label = label;
            this.reason = reason;
        }
    }

    private final int maxInProgress;
    private final int maxPerAddress;
    private final RefusalLog log;
    // Guarded by this: one update per connection accepted and one per handshake ended, never per byte.
    private int inProgress;
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder overAddress = new LongAdder();
    private final LongAdder overServer = new LongAdder();

    /**
     * @param maxInProgress handshakes in progress at once, in all (0: no cap)
     * @param maxPerAddress handshakes in progress at once from one source address (0: no cap)
     */
    HandshakeGate(int maxInProgress, int maxPerAddress, RefusalLog log) {
        if (maxInProgress < 0 || maxPerAddress < 0) {
            throw new IllegalArgumentException("caps must be 0 (none) or more");
        }
        this.maxInProgress = maxInProgress;
        this.maxPerAddress = maxPerAddress;
        this.log = log;
    }

    HandshakeGate(ConnectionLimits limits) {
        this(limits.maxHandshakes(), limits.maxHandshakesPerAddress(), new RefusalLog());
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
            (refusal == Refusal.OVER_ADDRESS_CAP ? overAddress : overServer).increment();
            log.refused(address, refusal.reason);
            // As Netty's own acceptor closes a connection it cannot register: the socket only, nothing to flush.
            child.unsafe().closeForcibly();
            return;
        }
        accepted.increment();
        Slot slot = new Slot(address);
        child.closeFuture().addListener(f -> slot.release());
        // First in the connection's pipeline, ahead of the initializer Vert.x's acceptor adds next.
        child.pipeline().addFirst(slot);
        ctx.fireChannelRead(child);
    }

    /** Takes a slot for a connection from {@code address}; returns null when taken, else why not (nothing taken). */
    synchronized Refusal reserve(InetAddress address) {
        if (maxInProgress > 0 && inProgress >= maxInProgress) {
            return Refusal.OVER_SERVER_CAP;
        }
        int fromAddress = byAddress.getOrDefault(address, 0);
        if (maxPerAddress > 0 && fromAddress >= maxPerAddress) {
            return Refusal.OVER_ADDRESS_CAP;
        }
        inProgress++;
        byAddress.put(address, fromAddress + 1);
        return null;
    }

    /** Gives back a slot {@link #reserve} took. */
    synchronized void release(InetAddress address) {
        inProgress--;
        byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Handshakes in progress now, in all. */
    synchronized int inProgress() {
        return inProgress;
    }

    /** Handshakes in progress now from {@code address}. */
    synchronized int inProgress(InetAddress address) {
        return byAddress.getOrDefault(address, 0);
    }

    /** Adds the gate's counters to {@code registry} (stage {@code accept}): what {@code /metrics} exports. */
    CounterRegistry.Registration countIn(CounterRegistry registry) {
        return registry.register(Map.of("stage", "accept"), out -> {
            out.accept("tcp_connections_accepted", accepted.sum());
            out.accept("tcp_connections_dropped_" + Refusal.OVER_ADDRESS_CAP.label, overAddress.sum());
            out.accept("tcp_connections_dropped_" + Refusal.OVER_SERVER_CAP.label, overServer.sum());
        });
    }

    /**
     * One connection's slot: finds the connection's TLS handler once the connection is set up, and gives the slot back
     * when its handshake ends. Leaves the pipeline at once.
     */
    private final class Slot extends ChannelInboundHandlerAdapter {
        private final InetAddress address;
        private final AtomicBoolean released = new AtomicBoolean();

        Slot(InetAddress address) {
            this.address = address;
        }

        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            // Registered: the initializers added before this event (Vert.x's, which adds the SslHandler) have run.
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls == null) {
                release();
            } else {
                tls.handshakeFuture().addListener(f -> release());
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRegistered();
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                HandshakeGate.this.release(address);
            }
        }
    }
}
