package io.kfrelay.cli;

import io.kfrelay.client.CertificatePin;
import io.kfrelay.client.QuicClientOptions;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** How {@code publish} and {@code record} trust a {@code quic://} or {@code wss://} relay (a picocli mixin). */
final class ClientTlsOptions {

    @Option(names = "--pin", paramLabel = "SHA256", converter = PinConverter.class,
            description = "quic:// and wss://: accept only the relay certificate with this SHA-256 fingerprint (as "
                    + "'kfrelay serve' prints it), e.g. for its self-signed certificate.")
    CertificatePin pin;

    @Option(names = "--insecure",
            description = "quic:// and wss://: accept any relay certificate (no authentication; for tests on your own machine).")
    boolean insecure;

    /** The QUIC client settings these options describe. */
    QuicClientOptions quicOptions() {
        if (pin != null && insecure) {
            throw new IllegalArgumentException("--pin and --insecure exclude each other");
        }
        QuicClientOptions q = QuicClientOptions.defaults();
        return pin != null ? q.withPin(pin) : insecure ? q.withInsecure() : q;
    }

    static final class PinConverter implements ITypeConverter<CertificatePin> {
        @Override
        public CertificatePin convert(String value) {
            try {
                return CertificatePin.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
