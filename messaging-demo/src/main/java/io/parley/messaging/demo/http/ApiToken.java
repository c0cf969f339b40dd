package io.parley.messaging.demo.http;

import io.parley.messaging.demo.node.DemoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The bearer token of the HTTP API: read from a file the operator gives ({@code --http-token-file}), or made once into
 * the node's data directory, readable by its owner only (POSIX 0600), and read from there on every later start.
 */
public final class ApiToken {

    /** The file a node makes in its data directory when no token file is given. */
    public static final String FILE_NAME = "http-token";
    /** Fewest characters a token may have. */
    static final int MIN_LENGTH = 16;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiToken() {
    }

    /**
     * The token in {@code file}: its first line, trimmed.
     *
     * @throws DemoException if it cannot be read or holds no usable token
     */
    public static String read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DemoException("cannot read the HTTP token file " + file + ": " + e);
        }
        String token = text.lines().findFirst().orElse("").trim();
        try {
            return check(token);
        } catch (IllegalArgumentException e) {
            throw new DemoException("the HTTP token file " + file + ": " + e.getMessage());
        }
    }

    /**
     * The token in {@code dir}/{@value #FILE_NAME}, made now (32 random bytes, base64url, mode 0600 where the file
     * system is POSIX) if it is not there.
     *
     * @throws DemoException if it can neither be read nor made
     */
    public static String readOrCreate(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            try {
                Files.writeString(create(file), token + "\n", StandardCharsets.UTF_8);
                return token;
            } catch (FileAlreadyExistsException e) {
                // another process made it first: read theirs
            } catch (IOException e) {
                throw new DemoException("cannot write the HTTP token file " + file + ": " + e);
            }
        }
        ownerOnly(file);
        return read(file);
    }

    /** {@code token} if it is usable in an {@code Authorization: Bearer} header. */
    static String check(String token) {
        if (token == null || token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("a token needs at least " + MIN_LENGTH + " characters");
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("a token is printable ASCII without spaces");
        }
        return token;
    }

    private static Path create(Path file) throws IOException {
        if (posix(file)) {
            FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
            return Files.createFile(file, mode);
        }
        return Files.createFile(file);
    }

    /** Takes away what group and others may do with a token file this node made earlier. */
    private static void ownerOnly(Path file) {
        try {
            if (posix(file) && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
            }
        } catch (IOException e) {
            throw new DemoException("cannot make the HTTP token file " + file + " readable by its owner only: " + e);
        }
    }

    private static boolean posix(Path file) {
        return Files.getFileAttributeView(file.toAbsolutePath().getParent(), PosixFileAttributeView.class) != null;
    }
}
