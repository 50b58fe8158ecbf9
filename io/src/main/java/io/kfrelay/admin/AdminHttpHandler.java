package io.kfrelay.admin;

import io.kfrelay.web.WebHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** One admin request at a time per connection: route it, check the token, answer (keep-alive if asked). */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final AdminApi api;
    private final AdminAuth auth;

    AdminHttpHandler(AdminApi api, AdminAuth auth) {
        this.api = api;
        this.auth = auth;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, AdminResponse.error(400, "malformed request"), false, false);
            return;
        }
        AdminRoute route = AdminRoute.of(request.method(), request.uri());
        if (route instanceof AdminRoute.Metrics) {
            route = new AdminRoute.Metrics(request.headers().get(HttpHeaderNames.ACCEPT)); // the format to answer in
        }
        if (!auth.permits(route, request)) {
            LOG.warn("event=admin_refused reason=bad_or_missing_token path={} remote={}",
                    request.uri(), ctx.channel().remoteAddress());
            respond(ctx, AdminResponse.error(401, "this call needs the admin token: Authorization: Bearer TOKEN"),
                    keepAlive, head);
            return;
        }
        api.handle(route).whenComplete((response, error) -> respond(ctx,
                error == null ? response : AdminResponse.error(500, String.valueOf(error.getMessage())), keepAlive, head));
    }

    private static void respond(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive, boolean head) {
        // Any thread: answers of room queries complete on a shard thread; Netty hands the write to the loop.
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(r.body(), StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, head ? r.body().getBytes(StandardCharsets.UTF_8).length : body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        // The live page reads these: the same headers as its files (nothing here is to be sniffed, framed or run).
        WebHeaders.secure(response.headers(), WebHeaders.contentSecurityPolicy("'self'"));
        if (r.status() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"kfrelay-admin\"");
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and idle keep-alive connections timing out are routine; anything else is worth a line.
        if (!(cause instanceof IOException) && !(cause instanceof ReadTimeoutException)) {
            LOG.warn("closing admin connection {} after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
