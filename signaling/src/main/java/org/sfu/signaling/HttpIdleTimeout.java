package org.sfu.signaling;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTPS connection that has made its first request and then sits idle, nothing read and nothing written,
 * for longer than a timeout, as long as it is still HTTP; once it has become a WebSocket the timeout no longer
 * applies. RFC 9112 §9.8 lets a server close an idle persistent connection at any time; without this, a client could
 * hold a kept-alive connection, and its place under the caps of {@link AcceptGate}, for ever after one request.
 * Before the first request, {@link FirstRequestDeadline} applies instead, so the two settings do not bound each other.
 *
 * <p>Why not Vert.x's own idle timeout ({@code HttpServerOptions.setIdleTimeout}): its Netty idle handler stays in the
 * pipeline after the WebSocket upgrade, so a quiet WebSocket would be closed unless the server's pings
 * ({@code SFU_WS_PING_MS}) came more often than the timeout: two settings that would silently have to agree, and a
 * WebSocket whose pings are turned off (0) would be cut. Signaling may rightly be silent for a whole call; a WebSocket
 * is kept or given up by its pings ({@link SignalingEndpoint}), never by this.
 *
 * <p>How: a handler just after the HTTP decoder, where requests come as {@link HttpRequest}s. Every read and every
 * write restarts the idle time (a response being written, a request body arriving: not idle). A timer, not reset per
 * message but checked when it fires (as Netty's {@code IdleStateHandler} does), starts with the first request. The
 * upgrade to a WebSocket replaces the HTTP decoder with a WebSocket frame decoder (Netty's
 * {@code WebSocketServerHandshaker}, which Vert.x uses), while the upgrade request is handled: a timer that fires on a
 * connection whose pipeline has a frame decoder, or a frame read, takes this handler out of the pipeline, and the
 * connection is never closed here. All of it runs on the connection's event loop, so no state needs a lock.
 */
final class HttpIdleTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private long lastActivityNanos;
    /** Running from the first request until this leaves the pipeline; null before. */
    private ScheduledFuture<?> timer;

    private HttpIdleTimeout(long millis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * Watches a connection just set up, whose pipeline has its TLS handler {@code tls}: once it is HTTP/1 and has made
     * its first request, it is closed after {@code millis} with nothing read or written, unless it has become a
     * WebSocket.
     */
    static void watch(Channel channel, SslHandler tls, long millis) {
        AfterTlsHandshake.install(channel, tls,
                decoder -> decoder.pipeline().addAfter(decoder.name(), null, new HttpIdleTimeout(millis)),
                () -> { });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivityNanos = System.nanoTime();
        if (msg instanceof WebSocketFrame) {
            ctx.pipeline().remove(this);
        } else if (timer == null && msg instanceof HttpRequest) {
            schedule(ctx, timeoutNanos);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastActivityNanos = System.nanoTime();
        ctx.write(msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        timer = ctx.executor().schedule(() -> expired(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void expired(ChannelHandlerContext ctx) {
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        if (ctx.pipeline().get(WebSocketFrameDecoder.class) != null) {
            // A WebSocket now, quiet since its upgrade: its pings decide whether it is still there, not this.
            ctx.pipeline().remove(this);
            return;
        }
        long idle = System.nanoTime() - lastActivityNanos;
        if (idle < timeoutNanos) {
            schedule(ctx, timeoutNanos - idle);
            return;
        }
        ctx.close();
    }
}
