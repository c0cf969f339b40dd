package io.parley.messaging.internal.transport;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A node's cluster secret and the handshake's arithmetic with it: fresh nonces, and the HMAC-SHA256 proofs of the
 * Challenge and Proof frames over both sides' nonces, ids and incarnations and the cluster name (the input is laid
 * out in {@code frame.proto}). Immutable and thread-safe; the key never leaves it and {@link #toString} does not
 * show it.
 */
public final class ClusterSecret {

    /** The fewest bytes a secret may have. */
    public static final int MIN_BYTES = 16;
    /** Bytes of every nonce. */
    public static final int NONCE_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] ACCEPTOR_LABEL = "parley-v1 acceptor proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DIALLER_LABEL = "parley-v1 dialler proof".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    // A DRBG seeded once, here: nonces drawn on event loops never read the system's entropy source (a file read).
    private final SecureRandom random;

    /**
     * @param secret the key, at least {@value #MIN_BYTES} bytes; copied
     * @throws IllegalArgumentException if it is shorter
     */
    public ClusterSecret(byte[] secret) {
        if (secret.length < MIN_BYTES) {
            throw new IllegalArgumentException("cluster secret must be at least " + MIN_BYTES + " bytes, got "
                    + secret.length);
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        try {
            this.random = SecureRandom.getInstance("DRBG");
            Mac.getInstance(ALGORITHM).init(key); // fails here, on the caller's thread, if the JDK lacks it
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + ALGORITHM + " proofs: " + e.getMessage(), e);
        }
        random.nextBytes(new byte[NONCE_BYTES]); // seeds it now
    }

    /** {@value #NONCE_BYTES} new random bytes. */
    public ByteString nonce() {
        byte[] b = new byte[NONCE_BYTES];
        random.nextBytes(b);
        return ByteString.copyFrom(b);
    }

    /** The acceptor's proof of a Challenge. */
    ByteString acceptorProof(Exchange exchange) {
        return proof(ACCEPTOR_LABEL, exchange);
    }

    /** The dialler's proof of a Proof frame. */
    ByteString diallerProof(Exchange exchange) {
        return proof(DIALLER_LABEL, exchange);
    }

    /** Whether {@code given} is {@code expected}, in time that does not depend on where they differ. */
    static boolean matches(ByteString expected, ByteString given) {
        return MessageDigest.isEqual(expected.toByteArray(), given.toByteArray());
    }

    private ByteString proof(byte[] label, Exchange x) {
        byte[] cluster = x.cluster().getBytes(StandardCharsets.UTF_8);
        byte[] diallerId = x.diallerId().getBytes(StandardCharsets.UTF_8);
        byte[] acceptorId = x.acceptorId().getBytes(StandardCharsets.UTF_8);
        ByteBuffer in = ByteBuffer.allocate(6 * 4 + 2 * 8 + label.length + cluster.length + diallerId.length
                + acceptorId.length + x.diallerNonce().size() + x.acceptorNonce().size());
        put(in, label);
        put(in, cluster);
        put(in, diallerId);
        in.putLong(x.diallerIncarnation());
        put(in, acceptorId);
        in.putLong(x.acceptorIncarnation());
        put(in, x.diallerNonce().toByteArray());
        put(in, x.acceptorNonce().toByteArray());
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return ByteString.copyFrom(mac.doFinal(in.array()));
        } catch (NoSuchAlgorithmException | java.security.InvalidKeyException e) {
            throw new IllegalStateException(e); // the constructor made sure it works
        }
    }

    private static void put(ByteBuffer in, byte[] bytes) {
        in.putInt(bytes.length).put(bytes);
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "ClusterSecret[not shown]";
    }

    /**
     * What both proofs of one handshake cover.
     *
     * @param cluster the cluster name
     * @param diallerId the dialling node's id, as its Hello gives it
     * @param diallerIncarnation the dialling node's incarnation, as its Hello gives it
     * @param acceptorId the accepting node's id, as its Challenge gives it
     * @param acceptorIncarnation the accepting node's incarnation, as its Challenge gives it
     * @param diallerNonce the Hello's nonce
     * @param acceptorNonce the Challenge's nonce
     */
    record Exchange(String cluster, String diallerId, long diallerIncarnation, String acceptorId,
                    long acceptorIncarnation, ByteString diallerNonce, ByteString acceptorNonce) {
    }
}
