package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.parley.messaging.NodeId;
import io.parley.messaging.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The TLS contexts a node's connections use, made once from its {@link Tls} settings, and the check that a peer's
 * certificate names the node id it claims. A certificate names an id if the id is one of its DNS subject
 * alternative names or, if it has none, its subject's CN.
 */
public final class TlsContexts {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final int SAN_DNS = 2;

    private final SslContext server;
    private final SslContext client;
    private final boolean mutual;

    private TlsContexts(SslContext server, SslContext client, boolean mutual) {
        this.server = server;
        this.client = client;
        this.mutual = mutual;
    }

    /**
     * Loads the key material of {@code tls} for node {@code self}.
     *
     * @throws IllegalArgumentException naming the file and the reason if it cannot be loaded, or if this node's own
     *     certificate does not name {@code self}
     */
    public static TlsContexts create(Tls tls, NodeId self) {
        tls.certificateChain().ifPresent(chain -> checkOwnCertificate(chain, self));
        try {
            SslContextBuilder server = tls.keyManagers().map(SslContextBuilder::forServer)
                    .orElseGet(() -> SslContextBuilder.forServer(tls.certificateChain().get().toFile(),
                            tls.privateKey().get().toFile()));
            // No host name check: peers are dialled by address and known by id, which the handshake checks
            // against the certificate instead.
            SslContextBuilder client = SslContextBuilder.forClient().endpointIdentificationAlgorithm(null);
            tls.keyManagers().ifPresentOrElse(client::keyManager,
                    () -> client.keyManager(tls.certificateChain().get().toFile(), tls.privateKey().get().toFile()));
            for (SslContextBuilder b : List.of(server, client)) {
                tls.trustManagers().ifPresentOrElse(b::trustManager, () -> b.trustManager(tls.trustedCertificates().get().toFile()));
                b.sslProvider(SslProvider.JDK).protocols(PROTOCOLS);
            }
            server.clientAuth(tls.mutualAuthentication() ? ClientAuth.REQUIRE : ClientAuth.NONE);
            return new TlsContexts(server.build(), client.build(), tls.mutualAuthentication());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load the TLS key material of node " + self + " (" + tls + "): "
                    + rootMessage(e), e);
        }
    }

    /** Whether accepted connections must show a certificate, checked against the id in their Hello. */
    public boolean mutual() {
        return mutual;
    }

    /** The TLS handler for a connection, accepted or dialled. */
    SslHandler newHandler(Channel ch, boolean accepted) {
        return (accepted ? server : client).newHandler(ch.alloc());
    }

    /**
     * Why the peer on {@code ch} is not {@code claimed}, or null if its certificate names that id. Called once the
     * TLS handshake is done (a Hello or Welcome has come through it).
     */
    static String mismatch(Channel ch, NodeId claimed) {
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        Certificate[] chain;
        try {
            chain = tls.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return "the node at " + ch.remoteAddress() + " says it is '" + claimed + "' but showed no certificate";
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
            return "the node at " + ch.remoteAddress() + " says it is '" + claimed + "' but showed no X.509 certificate";
        }
        List<String> names = names(cert);
        if (names.contains(claimed.value())) {
            return null;
        }
        return "the node at " + ch.remoteAddress() + " says it is '" + claimed + "' but its certificate names "
                + (names.isEmpty() ? "no node id" : String.join(", ", names));
    }

    /** The node ids {@code cert} names: its DNS subject alternative names, or else its subject's CN. */
    static List<String> names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(SAN_DNS).equals(san.get(0)) && san.get(1) instanceof String s) {
                        names.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return names; // names nothing
        }
        if (!names.isEmpty()) {
            return names;
        }
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn) {
                    names.add(cn);
                }
            }
        } catch (InvalidNameException e) {
            return names;
        }
        return names;
    }

    private static void checkOwnCertificate(Path chain, NodeId self) {
        X509Certificate own;
        try (InputStream in = Files.newInputStream(chain)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty() || !(certs.iterator().next() instanceof X509Certificate first)) {
                throw new IllegalArgumentException("TLS certificate chain " + chain + " holds no X.509 certificate");
            }
            own = first;
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read the TLS certificate chain " + chain + ": " + rootMessage(e), e);
        }
        List<String> names = names(own);
        if (!names.contains(self.value())) {
            throw new IllegalArgumentException("the TLS certificate in " + chain + " names " + (names.isEmpty() ? "no node id"
                    : String.join(", ", names)) + ", not this node's id '" + self + "'; peers would refuse it");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m != null ? m : t.getClass().getSimpleName();
    }
}
