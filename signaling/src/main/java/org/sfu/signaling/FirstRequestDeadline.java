package org.sfu.signaling;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTPS connection whose first HTTP request has not come in full (its request line and headers, RFC 9112
 * §2.1) within a deadline of its accept. Without it, a client that finished its TLS handshake could then say nothing
 * and hold the connection, and its slot under the caps of {@link AcceptGate}, for ever: the HTTPS port has no idle
 * timeout before the first request ({@link HttpIdleTimeout} starts with it). The deadline ends at the first request,
 * so neither a WebSocket (its first request is the upgrade) nor a kept-alive connection after its first request is
 * affected. A request dripped a byte at a time meets the deadline too, since it counts only once its head is
 * complete.
 *
 * <p>How it sees the request: a handler just after the HTTP decoder ({@link AfterTlsHandshake} finds it once Vert.x
 * has set HTTP up), where requests come as {@link HttpRequest}s. The timer and the reads all run on the
 * connection's event loop, so none of this state needs a lock. After the first request, {@link HttpIdleTimeout}
 * closes a kept-alive connection that then sits idle.
 */
final class FirstRequestDeadline {
    private final ScheduledFuture<?> timer;

    private FirstRequestDeadline(Channel channel, long millis, Runnable onTimeout) {
        this.timer = channel.eventLoop().schedule(() -> {
            onTimeout.run();
            channel.close();
        }, millis, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> timer.cancel(false));
    }

    /**
     * Starts the deadline of a connection just set up, whose pipeline has its TLS handler {@code tls}:
     * {@code onTimeout} runs, and the connection is closed, if no request has come in {@code millis}.
     */
    static void watch(Channel channel, SslHandler tls, long millis, Runnable onTimeout) {
        FirstRequestDeadline deadline = new FirstRequestDeadline(channel, millis, onTimeout);
        // Not HTTP/1 (the server offers no HTTP/2 by ALPN): nothing to watch for, so no deadline rather than closing
        // connections that did nothing wrong.
        AfterTlsHandshake.install(channel, tls,
                decoder -> decoder.pipeline().addAfter(decoder.name(), null, deadline.new FirstRequest()),
                deadline::met);
    }

    private void met() {
        timer.cancel(false);
    }

    /** Just after the HTTP decoder: the first request meets the deadline, and this leaves the pipeline. */
    private final class FirstRequest extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                met();
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
