package io.kfrelay.cli;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.WaitStrategyKind;
import io.kfrelay.server.ListenAddress;
import io.kfrelay.server.QuicCongestion;
import io.kfrelay.transport.AllocatorKind;
import io.kfrelay.transport.TransportKind;
import io.kfrelay.transport.ws.WsFramingKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/** picocli converters for kfrelay's option types; each turns bad input into a message that says what is expected. */
final class Converters {
    private Converters() {
    }

    static final class Bytes implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Units.parseBytes(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class IntBytes implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                return Units.parseIntBytes(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Time implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Units.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Cache implements ITypeConverter<CacheMode> {
        @Override
        public CacheMode convert(String value) {
            try {
                return CacheMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Congestion implements ITypeConverter<QuicCongestion> {
        @Override
        public QuicCongestion convert(String value) {
            try {
                return QuicCongestion.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Wait implements ITypeConverter<WaitStrategyKind> {
        @Override
        public WaitStrategyKind convert(String value) {
            try {
                return WaitStrategyKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code HOST:PORT}, {@code [IPv6]:PORT}, or {@code :PORT} for every interface; port 0 picks a free one. */
    static final class Listen implements ITypeConverter<ListenAddress> {
        @Override
        public ListenAddress convert(String value) {
            String v = value.trim();
            try {
                return ListenAddress.parse(v.startsWith(":") ? "0.0.0.0" + v : v);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Transport implements ITypeConverter<TransportKind> {
        @Override
        public TransportKind convert(String value) {
            try {
                return TransportKind.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("transport must be auto, epoll, io_uring or nio, not '" + value + "'");
            }
        }
    }

    static final class Allocator implements ITypeConverter<AllocatorKind> {
        @Override
        public AllocatorKind convert(String value) {
            try {
                return AllocatorKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Memory implements ITypeConverter<BufferMemory> {
        @Override
        public BufferMemory convert(String value) {
            try {
                return BufferMemory.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Framing implements ITypeConverter<WsFramingKind> {
        @Override
        public WsFramingKind convert(String value) {
            try {
                return WsFramingKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A simulcast layer: 0, 1, 2 or auto. */
    static final class Layer implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                return Recorder.Selection.parseLayer(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** TIME:LAYER, a layer to ask for at a time. */
    static final class LayerSwitch implements ITypeConverter<RecordCommand.LayerSwitch> {
        @Override
        public RecordCommand.LayerSwitch convert(String value) {
            try {
                return RecordCommand.LayerSwitch.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** IDENTITY/STREAM, a stream named by its publisher's identity. */
    static final class Stream implements ITypeConverter<Recorder.StreamName> {
        @Override
        public Recorder.StreamName convert(String value) {
            try {
                return Recorder.StreamName.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A relay URL: ws://HOST:PORT[/path], wss://HOST:PORT[/path] or quic://HOST:PORT. */
    static final class RelayUrl implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            URI uri;
            try {
                uri = new URI(value.trim());
            } catch (URISyntaxException e) {
                throw new TypeConversionException("'" + value + "' is not a URL: " + e.getMessage());
            }
            boolean known = "ws".equalsIgnoreCase(uri.getScheme()) || "wss".equalsIgnoreCase(uri.getScheme())
                    || "quic".equalsIgnoreCase(uri.getScheme());
            if (!known || uri.getHost() == null || uri.getPort() < 0) {
                throw new TypeConversionException("'" + value + "' is not a relay URL: use ws://HOST:PORT[/path], "
                        + "wss://HOST:PORT[/path] or quic://HOST:PORT");
            }
            return uri;
        }
    }
}
