package org.sfu.signaling;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTPS connection whose first HTTP request has not come in full (its request line and headers, RFC 9112
 * §2.1) within a deadline of its accept. Without it, a client that finished its TLS handshake could then say nothing
 * and hold the connection, and its slot under the caps of {@link AcceptGate}, for ever: the HTTPS port has no idle
 * timeout, since a WebSocket may rightly be quiet between pings. The deadline ends at the first request, so neither a
 * WebSocket (its first request is the upgrade) nor a kept-alive connection after its first request is affected. A
 * request dripped a byte at a time meets the deadline too, since it counts only once its head is complete.
 *
 * <p>How it sees the request: Vert.x adds its HTTP decoder only once the TLS handshake is done, in its handler of
 * Netty's handshake-completion event. So a first handler just after the TLS handler passes that event on, and then,
 * the decoder in place, puts a second just after the decoder, where requests come as {@link HttpRequest}s; all this
 * within the event, before the TLS handler decrypts the first byte of the request. The timer, the event and the reads
 * all run on the connection's event loop, so none of this state needs a lock.
 */
final class FirstRequestDeadline {
    private final Channel channel;
    private final ScheduledFuture<?> timer;

    private FirstRequestDeadline(Channel channel, long millis, Runnable onTimeout) {
        this.channel = channel;
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
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addAfter(pipeline.context(tls).name(), null, deadline.new AfterHandshake());
    }

    private void met() {
        timer.cancel(false);
    }

    /** Just after the TLS handler: puts {@link FirstRequest} after the HTTP decoder once Vert.x has added it. */
    private final class AfterHandshake extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (!(event instanceof SslHandshakeCompletionEvent done)) {
                super.userEventTriggered(ctx, event);
                return;
            }
            ChannelPipeline pipeline = ctx.pipeline();
            // Vert.x sets up HTTP while this event passes through its handlers.
            ctx.fireUserEventTriggered(event);
            pipeline.remove(this);
            if (!done.isSuccess() || !channel.isActive()) {
                return;
            }
            ChannelHandlerContext decoder = pipeline.context(HttpRequestDecoder.class);
            if (decoder == null) {
                // Not HTTP/1 (the server offers no HTTP/2 by ALPN): nothing to watch for, so no deadline rather than
                // closing connections that did nothing wrong.
                met();
                return;
            }
            pipeline.addAfter(decoder.name(), null, new FirstRequest());
        }
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
