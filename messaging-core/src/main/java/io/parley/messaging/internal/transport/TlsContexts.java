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
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509KeyManager;

/**
 * The TLS contexts a node's connections use, made once from its {@link Tls} settings, and the check that a peer's
 * certificate names the node id it claims. A certificate names an id if the id is one of its DNS subject
 * alternative names or, if it has none, its subject's CN.
 */
public final class TlsContexts {

    // TLS 1.3 only: no renegotiation, forward secrecy always, and every JDK from 17 on has it.
    private static final String[] PROTOCOLS = {"TLSv1.3"};
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
        return create(tls, self, true);
    }

    /**
     * As {@link #create(Tls, NodeId)}; {@code checkOwn} false skips the check of this node's own certificate, for
     * tests that need a node showing a certificate for another id.
     */
    public static TlsContexts create(Tls tls, NodeId self, boolean checkOwn) {
        if (checkOwn) {
            tls.certificateChain().ifPresent(chain -> checkOwnCertificate(chain, self));
            tls.keyManagers().ifPresent(keys -> checkOwnCertificate(keys, self));
        }
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

    /** The TLS handler for a connection, accepted or dialled, whose handshake must end within {@code timeout}. */
    SslHandler newHandler(Channel ch, boolean accepted, java.time.Duration timeout) {
        SslHandler handler = (accepted ? server : client).newHandler(ch.alloc());
        handler.setHandshakeTimeoutMillis(timeout.toMillis());
        return handler;
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

    /**
     * The node ids {@code cert} names: its DNS subject alternative names; or, if it has no subject alternative name
     * of any kind, its subject's one CN (as RFC 6125 has it: a CA that issues alternative names may leave the CN
     * unchecked). Names compare exactly, case included, as node ids do.
     */
    static List<String> names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return names; // names nothing
        }
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(SAN_DNS).equals(san.get(0)) && san.get(1) instanceof String s) {
                    names.add(s);
                }
            }
            return names;
        }
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn) {
                    names.add(cn);
                }
            }
        } catch (InvalidNameException e) {
            return List.of();
        }
        return names.size() == 1 ? names : List.of(); // two CNs: which one is meant is not for this node to guess
    }

    /** At least one certificate the key managers hold must name {@code self}. */
    private static void checkOwnCertificate(KeyManagerFactory keys, NodeId self) {
        List<String> seen = new ArrayList<>();
        for (KeyManager km : keys.getKeyManagers()) {
            if (!(km instanceof X509KeyManager x509)) {
                continue;
            }
            for (String type : KEY_TYPES) {
                String[] aliases = x509.getServerAliases(type, null);
                for (String alias : aliases == null ? new String[0] : aliases) {
                    X509Certificate[] chain = x509.getCertificateChain(alias);
                    if (chain != null && chain.length > 0) {
                        List<String> names = names(chain[0]);
                        if (names.contains(self.value())) {
                            return;
                        }
                        seen.addAll(names);
                    }
                }
            }
        }
        throw new IllegalArgumentException("no TLS certificate of the key managers names this node's id '" + self + "' (they name "
                + (seen.isEmpty() ? "no node id" : String.join(", ", seen)) + "); peers would refuse it");
    }

    private static final String[] KEY_TYPES = {"EC", "RSA", "RSASSA-PSS", "EdDSA", "Ed25519", "Ed448"};

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
