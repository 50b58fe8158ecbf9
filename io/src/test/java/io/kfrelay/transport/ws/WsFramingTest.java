package io.kfrelay.transport.ws;

import io.kfrelay.transport.EgressFraming;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WebSocket egress framing: exact header bytes, and a client decoding whatever a drain wrote. */
class WsFramingTest {

    private static String headerHex(int length) {
        ByteBuf b = Unpooled.buffer(WsFrameHeader.MAX_BYTES);
        WsFrameHeader.write(b, length);
        assertEquals(WsFrameHeader.size(length), b.readableBytes(), "size() agrees with write()");
        return ByteBufUtil.hexDump(b);
    }

    @Test
    void headersAreFinalUnmaskedBinaryFramesWithTheShortestLengthForm() {
        assertEquals("8200", headerHex(0));
        assertEquals("827d", headerHex(125));
        assertEquals("827e007e", headerHex(126));
        assertEquals("827e04b0", headerHex(1200));
        assertEquals("827effff", headerHex(65535));
        assertEquals("827f0000000000010000", headerHex(65536));
        assertEquals("827f0000000001000000", headerHex(16 * 1024 * 1024));
    }

    @Test
    void headersMatchWhatNettysEncoderWrites() {
        for (int length : new int[] {0, 1, 125, 126, 1023, 1025, 1200, 65535, 65536, 100_000}) {
            EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
            server.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[length])));
            ByteBuf first = server.readOutbound();
            String netty = ByteBufUtil.hexDump(first, first.readerIndex(), WsFrameHeader.size(length));
            first.release();
            server.finishAndReleaseAll();
            assertEquals(netty, headerHex(length), "header of a " + length + "-byte payload");
        }
    }

    /** A server pipeline's outbound end: Netty's frame encoder, as the handshake installs it. */
    private static EmbeddedChannel serverChannel() {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        return ch;
    }

    /** Everything the channel wrote, in order, as one byte stream (releasing what it reads). */
    private static ByteBuf wire(EmbeddedChannel ch) {
        CompositeByteBuf all = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = assertInstanceOf(ByteBuf.class, o, "only bytes leave the encoder");
            all.addComponent(true, b);
        }
        return all;
    }

    /** What a client decodes from {@code bytes}: the payloads of its frames, and the frames' types. */
    private static List<WebSocketFrame> decode(ByteBuf bytes) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false).allowMaskMismatch(false).maxFramePayloadLength(1 << 20).build()));
        client.writeInbound(bytes);
        List<WebSocketFrame> frames = new ArrayList<>();
        WebSocketFrame f;
        while ((f = client.readInbound()) != null) {
            frames.add(f);
        }
        assertFalse(client.finish(), "nothing left over");
        return frames;
    }

    @ParameterizedTest
    @EnumSource(WsFramingKind.class)
    void aClientDecodesEveryMessageOfADrainAndTheCloseFrameAfterThem(WsFramingKind kind) {
        EmbeddedChannel server = serverChannel();
        EgressFraming framing = kind.newFraming();
        Random random = new Random(kind.ordinal());
        // 300 messages: more headers than one slab holds; sizes across all three length forms.
        int[] sizes = new int[300];
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = switch (i % 6) {
                case 0 -> 0;
                case 1 -> 125;
                case 2 -> 126;
                case 3 -> 1200;
                case 4 -> i == 4 ? 65535 : 300;
                default -> i == 5 ? 70_000 : 20;
            };
            byte[] payload = new byte[sizes[i]];
            random.nextBytes(payload);
            sent.add(payload);
        }
        List<ByteBuf> messages = new ArrayList<>();
        for (int i = 0; i < 150; i++) { // first drain
            messages.add(write(server, framing, sent.get(i)));
        }
        framing.flush(server);
        for (int i = 150; i < sent.size(); i++) { // second drain
            messages.add(write(server, framing, sent.get(i)));
        }
        framing.flush(server);
        framing.goodbye(server);

        List<WebSocketFrame> frames = decode(wire(server));
        assertEquals(sent.size() + 1, frames.size());
        for (int i = 0; i < sent.size(); i++) {
            BinaryWebSocketFrame f = assertInstanceOf(BinaryWebSocketFrame.class, frames.get(i));
            assertTrue(f.isFinalFragment());
            assertArrayEquals(sent.get(i), ByteBufUtil.getBytes(f.content()), "message " + i);
            f.release();
        }
        CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, frames.getLast());
        assertEquals(WebSocketCloseStatus.NORMAL_CLOSURE.code(), close.statusCode());
        close.release();
        assertFalse(server.isOpen(), "closed after the close frame");
        for (ByteBuf m : messages) {
            assertEquals(0, m.refCnt(), "every message released once written");
        }
    }

    private static ByteBuf write(EmbeddedChannel server, EgressFraming framing, byte[] payload) {
        ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(payload.length).writeBytes(payload);
        framing.write(server, m);
        return m;
    }

    @Test
    void headerFramingWritesHeaderSlicesOfOneSlabAndTheMessagesThemselves() {
        EmbeddedChannel server = serverChannel();
        EgressFraming framing = WsFramingKind.HEADERS.newFraming();
        List<ByteBuf> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteBuf m = PooledByteBufAllocator.DEFAULT.directBuffer(1200).writeZero(1200);
            messages.add(m);
            framing.write(server, m);
        }
        framing.flush(server);
        // By identity: a ByteBuf's equals and hashCode read its bytes, and a slab whose slices are released may be
        // freed already (1 run in ~100 threw IllegalReferenceCountException here).
        Set<ByteBuf> slabs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 3; i++) {
            ByteBuf header = server.readOutbound();
            assertEquals("827e04b0", ByteBufUtil.hexDump(header));
            slabs.add(root(header));
            ByteBuf payload = server.readOutbound();
            assertSame(messages.get(i), payload, "the message itself, untouched by the encoder");
            assertEquals(messages.get(i).memoryAddress(), payload.memoryAddress(), "not a copy");
            header.release();
            payload.release();
        }
        assertNull(server.readOutbound());
        assertEquals(1, slabs.size(), "one slab for the drain's headers");
        assertEquals(0, slabs.iterator().next().refCnt(), "the slab is freed once its headers are written");
        assertFalse(server.finish());
    }

    /**
     * The buffer a slice was cut from: unwrapped to the end, since Netty's leak detector (sampling, so only now and
     * then) wraps a slab and each slice of it in wrappers of their own.
     */
    private static ByteBuf root(ByteBuf b) {
        ByteBuf r = b;
        while (r.unwrap() != null) {
            r = r.unwrap();
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"headers", "HEADERS", " frames "})
    void framingKindsParseAsTheOptionSpellsThem(String value) {
        assertEquals(value.trim().toLowerCase(), WsFramingKind.parse(value).label());
    }
}
