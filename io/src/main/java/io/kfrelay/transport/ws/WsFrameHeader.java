package io.kfrelay.transport.ws;

import io.netty.buffer.ByteBuf;

/**
 * The header of a final, unmasked binary WebSocket frame (RFC 6455 §5.2): what a server puts before each message.
 * FIN + opcode 2, then the payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits (network order).
 */
final class WsFrameHeader {
    /** The longest header: 2 bytes and a 64-bit length. */
    static final int MAX_BYTES = 10;
    private static final int FIN_BINARY = 0x80 | 0x02;

    private WsFrameHeader() {
    }

    /** Header bytes for a payload of {@code length} bytes. */
    static int size(int length) {
        return length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    }

    /** Appends the header of a {@code length}-byte payload to {@code out} (which must have room for it). */
    static void write(ByteBuf out, int length) {
        if (length < 126) {
            out.writeShort(FIN_BINARY << 8 | length);
        } else if (length <= 0xFFFF) {
            out.writeInt(FIN_BINARY << 24 | 126 << 16 | length);
        } else {
            out.writeShort(FIN_BINARY << 8 | 127);
            out.writeLong(length);
        }
    }
}
