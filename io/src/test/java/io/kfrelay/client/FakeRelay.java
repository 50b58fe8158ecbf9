package io.kfrelay.client;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A relay played by the test on a raw loopback socket, for what a real relay will not do on cue: answer the
 * upgrade late, stop reading, say exactly these messages. One connection; every read bounded (5 s).
 */
public final class FakeRelay implements AutoCloseable {
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final ServerSocket server;
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;
    private String key;

    private FakeRelay(ServerSocket server) {
        this.server = server;
    }

    /** Listens on 127.0.0.1; {@code receiveBufferBytes} > 0 makes a small window, so a client fills it fast. */
    public static FakeRelay start(int receiveBufferBytes) throws IOException {
        ServerSocket s = new ServerSocket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes); // before bind: accepted sockets inherit it
        }
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        s.setSoTimeout(5_000);
        return new FakeRelay(s);
    }

    public static FakeRelay start() throws IOException {
        return start(0);
    }

    public URI url() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort());
    }

    /** Accepts the client's connection and reads its upgrade request, without answering it. */
    public void awaitUpgradeRequest() throws IOException {
        socket = server.accept();
        socket.setSoTimeout(5_000);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = socket.getOutputStream();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            if (line.regionMatches(true, 0, "sec-websocket-key:", 0, 18)) {
                key = line.substring(18).trim();
            }
        }
    }

    /** One header line, byte by byte: nothing after the request may be read ahead. */
    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.readUnsignedByte(); c != '\n'; c = in.readUnsignedByte()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** Completes the upgrade the client asked for. */
    public void answerUpgrade() throws IOException {
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + WS_GUID).getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Connects a client, upgrades its connection and answers its JOIN: it is participant {@code id} of room "r". */
    public KfRelayClient join(ClientOptions options, ClientListener listener, long id) throws Exception {
        CompletableFuture<KfRelayClient> connecting = KfRelayClient.connect(url(), options, listener);
        awaitUpgradeRequest();
        answerUpgrade();
        KfRelayClient client = connecting.get(5, TimeUnit.SECONDS);
        CompletableFuture<ControlMessage.Joined> joining = client.join("r", "client", "");
        answerJoin(id);
        joining.get(5, TimeUnit.SECONDS);
        return client;
    }

    /** Serves a client that connects and joins on its own: upgrades, then answers its JOIN (participant {@code id}). */
    public void acceptJoin(long id) throws IOException {
        awaitUpgradeRequest();
        answerUpgrade();
        answerJoin(id);
    }

    private void answerJoin(long id) throws IOException {
        if (readMessage() == null) {
            throw new EOFException("the client closed instead of joining");
        }
        send(new ControlMessage.Joined(id, "r", List.of()));
    }

    public void send(ControlMessage m) throws IOException {
        ByteBuf b = ControlCodec.encode(m, UnpooledByteBufAllocator.DEFAULT);
        try {
            sendBinary(ByteBufUtil.getBytes(b));
        } finally {
            b.release();
        }
    }

    /** {@code m}, {@code count} times, in one write: a flood the client must answer (PINGs, say). */
    public void sendRepeatedly(ControlMessage m, int count) throws IOException {
        ByteBuf b = ControlCodec.encode(m, UnpooledByteBufAllocator.DEFAULT);
        byte[] message;
        try {
            message = ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
        if (message.length > 125) {
            throw new IllegalArgumentException("only short messages");
        }
        byte[] all = new byte[count * (2 + message.length)];
        for (int i = 0, at = 0; i < count; i++, at += 2 + message.length) {
            all[at] = (byte) 0x82;
            all[at + 1] = (byte) message.length;
            System.arraycopy(message, 0, all, at + 2, message.length);
        }
        write(all);
    }

    /** One media packet as the relay would forward it. */
    public void sendMedia(int flags, int kind, long sender, int stream, long sequence, long timestamp, byte[] payload)
            throws IOException {
        ByteBuf b = Unpooled.buffer(MediaHeader.LENGTH + payload.length);
        try {
            MediaHeader.write(b, flags, kind, (int) sender, stream, sequence, timestamp);
            b.writeBytes(payload);
            sendBinary(ByteBufUtil.getBytes(b));
        } finally {
            b.release();
        }
    }

    /** One unmasked binary frame (server to client). */
    public synchronized void sendBinary(byte[] payload) throws IOException {
        int n = payload.length;
        byte[] header = n <= 125 ? new byte[] {(byte) 0x82, (byte) n}
                : n <= 0xFFFF ? new byte[] {(byte) 0x82, 126, (byte) (n >>> 8), (byte) n}
                : new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        out.write(header);
        out.write(payload);
        out.flush();
    }

    private synchronized void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * The payload of the client's next binary frame (masked, as clients send), or null at its close frame or the
     * end of the connection. Throws {@link SocketTimeoutException} after 5 s of silence.
     */
    public byte[] readMessage() throws IOException {
        while (true) {
            int b0;
            try {
                b0 = in.read();
            } catch (SocketException reset) {
                return null;
            }
            if (b0 < 0) {
                return null;
            }
            int b1 = in.readUnsignedByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] mask = new byte[4];
            if ((b1 & 0x80) != 0) {
                in.readFully(mask);
            }
            byte[] payload = new byte[Math.toIntExact(length)];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            int opcode = b0 & 0x0F;
            if (opcode == 0x8) {
                return null;
            }
            if (opcode == 0x2) {
                return payload;
            }
            // ping/pong/text: not part of this protocol, skip
        }
    }

    /** Reads (and drops) whatever comes until the client closes the connection; false if it did not within {@code limit}. */
    public boolean awaitClosedByClient(Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        socket.setSoTimeout(50);
        byte[] sink = new byte[64 * 1024];
        while (System.nanoTime() < deadline) {
            try {
                if (socket.getInputStream().read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException quiet) {
                // nothing yet: look again
            } catch (SocketException reset) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
        server.close();
    }
}
