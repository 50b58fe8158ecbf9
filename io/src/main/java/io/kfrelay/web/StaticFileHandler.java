package io.kfrelay.web;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Answers requests for bundled files from a {@link StaticFiles} index: GET and HEAD, 304 for a matching
 * If-None-Match, 404 for what is not bundled (or refused by {@link RequestPath}), 405 for other methods; every answer
 * with {@link WebHeaders}' security headers. Requests {@code passOn} picks go to the next handler untouched (the
 * WebSocket upgrade, an API). Keep-alive as the client asks.
 *
 * <p>Owns each request it answers and releases it once; what it passes on, the next handler owns.
 */
public final class StaticFileHandler extends ChannelInboundHandlerAdapter {
    private final StaticFiles files;
    private final Predicate<HttpRequest> passOn;
    private final Function<HttpRequest, String> policy;

    /**
     * @param passOn which requests are not this handler's to answer
     * @param policy the Content-Security-Policy of the answer to a request ({@link WebHeaders#webAppPolicy} and the like)
     */
    public StaticFileHandler(StaticFiles files, Predicate<HttpRequest> passOn, Function<HttpRequest, String> policy) {
        this.files = files;
        this.passOn = passOn;
        this.policy = policy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || passOn.test(request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            answer(ctx, request);
        } finally {
            request.release();
        }
    }

    private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        String csp = policy.apply(request);
        boolean head = HttpMethod.HEAD.equals(request.method());
        if (!request.decoderResult().isSuccess()) {
            ctx.writeAndFlush(text(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request", csp, head))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        FullHttpResponse response;
        StaticFile file = files.at(request.uri());
        if (!head && !HttpMethod.GET.equals(request.method())) {
            response = text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET or HEAD", csp, head);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        } else if (file == null) {
            response = text(ctx, HttpResponseStatus.NOT_FOUND, "not found", csp, head);
        } else if (notModified(request, file)) {
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
                    Unpooled.EMPTY_BUFFER);
            fileHeaders(response, file, csp);
        } else {
            // HEAD: the same headers, no body (the codec knows a HEAD response has none).
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    head ? Unpooled.EMPTY_BUFFER : file.content());
            fileHeaders(response, file, csp);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, file.contentType())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, file.length());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** If-None-Match: a list of ETags or '*'; weak comparison, as RFC 9110 §13.1.2 asks for this header. */
    private static boolean notModified(HttpRequest request, StaticFile file) {
        String header = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        if (header == null) {
            return false;
        }
        for (String tag : header.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals(file.etag())) {
                return true;
            }
        }
        return false;
    }

    /** Revalidate every time (the files change with the relay's version) and compare ETags to skip the body. */
    private static void fileHeaders(FullHttpResponse response, StaticFile file, String csp) {
        response.headers()
                .set(HttpHeaderNames.ETAG, file.etag())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        WebHeaders.secure(response.headers(), csp);
    }

    private static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String text, String csp,
                                         boolean head) {
        String body = text + "\n";
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : ByteBufUtil.writeUtf8(ctx.alloc(), body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, ByteBufUtil.utf8Bytes(body))
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        WebHeaders.secure(response.headers(), csp);
        return response;
    }
}
