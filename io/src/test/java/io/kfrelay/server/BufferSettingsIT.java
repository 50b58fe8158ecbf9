package io.kfrelay.server;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.AllocatorKind;
import io.kfrelay.transport.ws.WsFramingKind;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** --allocator and --ws-framing on a real server: the accepted channels use the allocator, media flows framed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BufferSettingsIT {

    @ParameterizedTest
    @EnumSource(AllocatorKind.class)
    void acceptedConnectionsAllocateFromTheConfiguredAllocator(AllocatorKind kind) throws Exception {
        ServerConfig config = RelayServerIT.loopback().allocator(kind).build();
        try (RelayServer server = new RelayServer(config, RelayConfig.defaults()).start();
             WsTestClient c = WsTestClient.connect(server.wsPort())) {
            c.join("room", "alice"); // answered: the connection is accepted and upgraded
            assertEquals(1, server.wsConnections().size());
            for (Channel ch : server.wsConnections()) {
                assertSame(kind.instance(), ch.alloc(), kind.label());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WsFramingKind.class)
    void mediaAndControlArriveWhole(WsFramingKind framing) throws Exception {
        ServerConfig config = RelayServerIT.loopback().wsFraming(framing).build();
        try (RelayServer server = new RelayServer(config, RelayConfig.defaults()).start();
             WsTestClient alice = WsTestClient.connect(server.wsPort());
             WsTestClient bob = WsTestClient.connect(server.wsPort())) {
            alice.join("room", "alice");
            bob.join("room", "bob");
            Random random = new Random(3);
            // Messages of 20, 125 and 126 bytes (the header-length boundary), a packet, a large one.
            for (int size : new int[] {0, 105, 106, 1200, 40_000}) {
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                byte[] sent = WsTestClient.media(0x0B, Protocol.KIND_VIDEO, 0, 1, size, 90_000, payload);
                alice.send(sent);
                byte[] got = bob.awaitMedia();
                assertEquals(sent.length, got.length);
                assertArrayEquals(Arrays.copyOfRange(sent, MediaHeader.STREAM_OFFSET, sent.length),
                        Arrays.copyOfRange(got, MediaHeader.STREAM_OFFSET, got.length), "payload of " + size);
            }
        }
    }
}
