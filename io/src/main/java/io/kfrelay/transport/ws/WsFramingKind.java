package io.kfrelay.transport.ws;

import io.kfrelay.transport.EgressFraming;

import java.util.Locale;

/** How the WebSocket egress frames each message ({@code serve --ws-framing}). */
public enum WsFramingKind {
    /** The relay writes the header bytes, one pooled slab per drain ({@link WsHeaderFraming}). */
    HEADERS,
    /** A Netty frame object per message, encoded by Netty's frame encoder ({@link WsFraming}). */
    FRAMES;

    /** The framing for one new connection. */
    EgressFraming newFraming() {
        return this == HEADERS ? new WsHeaderFraming() : WsFraming.INSTANCE;
    }

    /** Lower-case name, as the option spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code headers} or {@code frames}, any case. */
    public static WsFramingKind parse(String value) {
        for (WsFramingKind k : values()) {
            if (k.label().equalsIgnoreCase(value.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("ws-framing must be headers or frames, not '" + value + "'");
    }
}
