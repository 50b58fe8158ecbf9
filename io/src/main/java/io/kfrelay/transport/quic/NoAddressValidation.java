package io.kfrelay.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;

import java.net.InetSocketAddress;

/**
 * No Retry round trip: a client's first flight is answered at once. quiche still limits what the relay sends to an
 * unvalidated address to three times what it received (RFC 9000 §8), which is what bounds amplification.
 */
final class NoAddressValidation implements QuicTokenHandler {
    static final NoAddressValidation INSTANCE = new NoAddressValidation();

    private NoAddressValidation() {
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        return false;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        return -1;
    }

    @Override
    public int maxTokenLength() {
        return 0;
    }
}
