package org.sfu.signaling;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.Consumer;

/**
 * Finds where HTTP requests come out of an HTTPS connection's pipeline, for handlers that watch them
 * ({@link FirstRequestDeadline}, {@link HttpIdleTimeout}). Vert.x adds its HTTP decoder only once the TLS handshake is
 * done, in its handler of Netty's handshake-completion event. So this sits just after the TLS handler, passes that
 * event on, and then, the decoder in place, hands the decoder's context to its callback and leaves the pipeline; all
 * within the event, before the TLS handler decrypts the first byte of a request. Runs on the connection's event loop.
 */
final class AfterTlsHandshake extends ChannelInboundHandlerAdapter {
    private final Consumer<ChannelHandlerContext> onDecoder;
    private final Runnable onNotHttp1;

    private AfterTlsHandshake(Consumer<ChannelHandlerContext> onDecoder, Runnable onNotHttp1) {
        this.onDecoder = onDecoder;
        this.onNotHttp1 = onNotHttp1;
    }

    /**
     * Once {@code channel}'s TLS handshake (by {@code tls}) has succeeded: {@code onDecoder} with the HTTP/1 request
     * decoder's context, or {@code onNotHttp1} when the connection has none (not HTTP/1). Neither runs when the
     * handshake fails or the connection closes first.
     */
    static void install(Channel channel, SslHandler tls, Consumer<ChannelHandlerContext> onDecoder,
                        Runnable onNotHttp1) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addAfter(pipeline.context(tls).name(), null, new AfterTlsHandshake(onDecoder, onNotHttp1));
    }

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
        if (!done.isSuccess() || !ctx.channel().isActive()) {
            return;
        }
        ChannelHandlerContext decoder = pipeline.context(HttpRequestDecoder.class);
        if (decoder == null) {
            onNotHttp1.run();
        } else {
            onDecoder.accept(decoder);
        }
    }
}
