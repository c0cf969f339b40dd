package io.parley.messaging;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Transport security for a node's connections (set with {@link NodeBuilder#tls}): TLS 1.3 on every
 * connection it dials or accepts, with certificates that name node ids. Immutable; made with {@link #builder()}.
 *
 * <p>TLS 1.3 only (no renegotiation; every JDK from 17 on has it).
 *
 * <p><b>Identity.</b> A certificate names a node id if the id is one of its subject alternative names of type DNS,
 * or, if it has no subject alternative name at all, its subject's one common name (CN). Names compare exactly, case
 * included, as node ids do. A node's own certificate must name its id ({@link NodeBuilder#build()} checks it). A
 * node checks the certificate of every peer against its trusted certificates, and checks that it names the node id
 * the peer gives in its handshake (and, for a peer it dialled by id, the id it dialled): a peer with a valid
 * certificate for another id is refused. Host names are not checked: nodes are found by address, and known by id.
 *
 * <p><b>Mutual authentication</b> (the default): the accepting side asks for the dialling side's certificate and
 * refuses a connection without one, so both ends of every connection are authenticated. Without it
 * ({@link Builder#mutualAuthentication(boolean) mutualAuthentication(false)}) only the accepting side shows a
 * certificate: a node knows whom it dials, but <em>a node that dials in is not authenticated at all</em>. Anyone
 * who can reach the port can then claim any node id, be sent the messages waiting for that id, send messages as
 * it, and give addresses and members that the node takes up. Turn it off only where the network itself is trusted
 * and encryption alone is wanted.
 *
 * <p>Key material comes from PEM files (a certificate chain, its PKCS#8 private key, unencrypted, and the trusted
 * CA certificates), or from a {@link KeyManagerFactory} and a {@link TrustManagerFactory} (a PKCS#12 key store,
 * a hardware token). {@link NodeBuilder#build()} loads it, and names the file and the reason if it cannot.
 */
public final class Tls {

    private final Path certificateChain;
    private final Path privateKey;
    private final Path trustedCertificates;
    private final KeyManagerFactory keyManagers;
    private final TrustManagerFactory trustManagers;
    private final boolean mutualAuthentication;

    private Tls(Builder b) {
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.trustedCertificates = b.trustedCertificates;
        this.keyManagers = b.keyManagers;
        this.trustManagers = b.trustManagers;
        this.mutualAuthentication = b.mutualAuthentication;
    }

    /** A builder; a certificate with its key, and trusted certificates, are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The PEM file of this node's certificate chain, if its key material comes from files. */
    public Optional<Path> certificateChain() {
        return Optional.ofNullable(certificateChain);
    }

    /** The PEM file of this node's private key (PKCS#8), if its key material comes from files. */
    public Optional<Path> privateKey() {
        return Optional.ofNullable(privateKey);
    }

    /** The PEM file of the certificates this node trusts, if they come from a file. */
    public Optional<Path> trustedCertificates() {
        return Optional.ofNullable(trustedCertificates);
    }

    /** This node's key material, if it does not come from files. */
    public Optional<KeyManagerFactory> keyManagers() {
        return Optional.ofNullable(keyManagers);
    }

    /** The certificates this node trusts, if they do not come from a file. */
    public Optional<TrustManagerFactory> trustManagers() {
        return Optional.ofNullable(trustManagers);
    }

    /** Whether a node accepting a connection requires, and checks, the dialling node's certificate. */
    public boolean mutualAuthentication() {
        return mutualAuthentication;
    }

    @Override
    public String toString() {
        return "Tls[" + (certificateChain != null ? "certificate " + certificateChain : "key managers") + ", trusting "
                + (trustedCertificates != null ? trustedCertificates.toString() : "trust managers")
                + (mutualAuthentication ? ", mutual" : ", accepting side only") + "]";
    }

    /** Builds {@link Tls} settings. */
    public static final class Builder {

        private Path certificateChain;
        private Path privateKey;
        private Path trustedCertificates;
        private KeyManagerFactory keyManagers;
        private TrustManagerFactory trustManagers;
        private boolean mutualAuthentication = true;

        private Builder() {
        }

        /**
         * This node's certificate chain and private key, as PEM files: the node's certificate first, then any
         * intermediate CA certificates; the key in PKCS#8 ({@code BEGIN PRIVATE KEY}), unencrypted.
         */
        public Builder keyPair(Path certificateChain, Path privateKey) {
            this.certificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
            this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
            this.keyManagers = null;
            return this;
        }

        /** This node's key material from a key manager factory, initialised (for example from a PKCS#12 key store). */
        public Builder keyManagers(KeyManagerFactory factory) {
            this.keyManagers = Objects.requireNonNull(factory, "factory");
            this.certificateChain = null;
            this.privateKey = null;
            return this;
        }

        /** The CA certificates this node trusts to sign its peers' certificates, as one PEM file. */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = Objects.requireNonNull(pemFile, "pemFile");
            this.trustManagers = null;
            return this;
        }

        /** The certificates this node trusts, from a trust manager factory, initialised. */
        public Builder trustManagers(TrustManagerFactory factory) {
            this.trustManagers = Objects.requireNonNull(factory, "factory");
            this.trustedCertificates = null;
            return this;
        }

        /** Whether the accepting side requires and checks the dialling side's certificate (default true). */
        public Builder mutualAuthentication(boolean required) {
            this.mutualAuthentication = required;
            return this;
        }

        /**
         * The settings. Files are read when the node is built, not here.
         *
         * @throws IllegalArgumentException if the key material or the trusted certificates are missing
         */
        public Tls build() {
            if (certificateChain == null && keyManagers == null) {
                throw new IllegalArgumentException("TLS needs this node's certificate and key: call keyPair(...) or keyManagers(...)");
            }
            if (trustedCertificates == null && trustManagers == null) {
                throw new IllegalArgumentException("TLS needs the certificates to trust: call trustedCertificates(...) or "
                        + "trustManagers(...)");
            }
            return new Tls(this);
        }
    }
}
