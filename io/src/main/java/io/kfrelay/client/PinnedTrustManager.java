package io.kfrelay.client;

import javax.net.ssl.X509TrustManager;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Trusts exactly one server certificate, by its SHA-256 fingerprint, whoever signed it and whatever it names (QUIC and
 * wss:// clients with a pin).
 */
public final class PinnedTrustManager implements X509TrustManager {
    private final CertificatePin pin;

    public PinnedTrustManager(CertificatePin pin) {
        this.pin = pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0 || !pin.matches(chain[0])) {
            throw new CertificateException("the relay's certificate (SHA-256 "
                    + (chain == null || chain.length == 0 ? "none" : CertificatePin.of(chain[0]))
                    + ") is not the pinned one (" + pin + ")");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client does not check client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
