package io.kfrelay.admin;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.MediaPacket;
import io.kfrelay.client.RelayErrorException;
import io.kfrelay.protocol.Protocol;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A listener that counts the media a test client receives (replayed ones apart) and keeps relay errors. */
final class MediaCount implements ClientListener {
    final AtomicInteger packets = new AtomicInteger();
    final AtomicInteger replayed = new AtomicInteger();
    final List<RelayErrorException> relayErrors = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    @Override
    public void onMedia(MediaPacket p) {
        packets.incrementAndGet();
        if ((p.flags() & Protocol.FLAG_REPLAY) != 0) {
            replayed.incrementAndGet();
        }
    }

    @Override
    public void onError(Throwable error) {
        if (error instanceof RelayErrorException e) {
            relayErrors.add(e);
        }
    }

    @Override
    public void onClose() {
        closed = true;
    }
}
