package io.parley.messaging.demo.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OpenAPI 3 description of the API, {@code openapi.json} beside this class, served as it is at {@code /openapi.json}. */
final class OpenApi {

    static final String RESOURCE = "openapi.json";
    private static final byte[] DOCUMENT = load();

    private OpenApi() {
    }

    static byte[] document() {
        return DOCUMENT.clone();
    }

    private static byte[] load() {
        try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
