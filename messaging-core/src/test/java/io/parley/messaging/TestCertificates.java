package io.parley.messaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificate authorities and node certificates made on the fly (EC P-256), written as PEM files for tests. */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A node's key pair as files: its certificate (PEM) and its PKCS#8 key (PEM). */
    public record NodeFiles(Path certificate, Path key, X509Certificate x509, KeyPair keys) {

        /** The same key material as a key manager factory (from an in-memory PKCS#12 key store). */
        public KeyManagerFactory keyManagers() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("node", keys.getPrivate(), new char[0], new java.security.cert.Certificate[] {x509});
                KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                f.init(store, new char[0]);
                return f;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A certificate authority that signs node certificates. */
    public static final class Ca {
        private final String name;
        private final KeyPair keys;
        private final X509Certificate certificate;
        private final Path dir;

        private Ca(String name, Path dir) {
            this.name = name;
            this.dir = dir;
            this.keys = ecKeys();
            this.certificate = sign(new X500Name("CN=" + name), keys, new X500Name("CN=" + name), keys, true);
        }

        /** A new CA whose files go to {@code dir}. */
        public static Ca create(String name, Path dir) {
            return new Ca(name, dir);
        }

        /** The CA's certificate, as a PEM file: what nodes trust. */
        public Path certificateFile() {
            return write(dir.resolve(name + "-ca.pem"), pem("CERTIFICATE", encoded(certificate)));
        }

        /** A certificate for {@code nodeId}, naming it as its CN and as a DNS subject alternative name. */
        public NodeFiles issue(String nodeId) {
            return issue(nodeId, nodeId, nodeId);
        }

        /**
         * A certificate whose files are named {@code fileName}, with subject CN {@code cn} and the DNS subject
         * alternative names {@code sans} (none: the CN alone names the node).
         */
        public NodeFiles issue(String fileName, String cn, String... sans) {
            KeyPair nodeKeys = ecKeys();
            X509Certificate cert = sign(new X500Name("CN=" + cn), nodeKeys, new X500Name("CN=" + name), keys, false, sans);
            Path certFile = write(dir.resolve(fileName + ".crt"), pem("CERTIFICATE", encoded(cert)));
            Path keyFile = write(dir.resolve(fileName + ".key"), pem("PRIVATE KEY", nodeKeys.getPrivate().getEncoded()));
            return new NodeFiles(certFile, keyFile, cert, nodeKeys);
        }

        /**
         * A certificate whose files are named {@code fileName}, with the subject {@code subjectDn} (for example
         * {@code "CN=a, CN=b"}) and exactly the subject alternative names {@code sans}, of any kind.
         */
        public NodeFiles issueRaw(String fileName, String subjectDn, GeneralName... sans) {
            KeyPair nodeKeys = ecKeys();
            X509Certificate cert = signRaw(new X500Name(subjectDn), nodeKeys, new X500Name("CN=" + name), keys, sans);
            Path certFile = write(dir.resolve(fileName + ".crt"), pem("CERTIFICATE", encoded(cert)));
            Path keyFile = write(dir.resolve(fileName + ".key"), pem("PRIVATE KEY", nodeKeys.getPrivate().getEncoded()));
            return new NodeFiles(certFile, keyFile, cert, nodeKeys);
        }

        /** TLS settings for a node with this CA's certificate for {@code nodeId}, trusting this CA. */
        public Tls tlsFor(String nodeId) {
            NodeFiles files = issue(nodeId);
            return Tls.builder().keyPair(files.certificate(), files.key()).trustedCertificates(certificateFile()).build();
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                        boolean ca, String... sans) {
        GeneralName[] names = new GeneralName[sans.length];
        for (int i = 0; i < sans.length; i++) {
            names[i] = new GeneralName(GeneralName.dNSName, sans[i]);
        }
        return ca ? signCa(subject, subjectKeys, issuer, issuerKeys) : signRaw(subject, subjectKeys, issuer, issuerKeys, names);
    }

    private static X509Certificate signCa(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys) {
        return build(subject, subjectKeys, issuer, issuerKeys, true);
    }

    private static X509Certificate signRaw(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                           GeneralName... sans) {
        return build(subject, subjectKeys, issuer, issuerKeys, false, sans);
    }

    private static X509Certificate build(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                         boolean ca, GeneralName... sans) {
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                    subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            if (sans.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
