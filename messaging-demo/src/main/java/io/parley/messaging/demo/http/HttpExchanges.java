package io.parley.messaging.demo.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.parley.messaging.BackpressureException;
import io.parley.messaging.HistoryQuery;
import io.parley.messaging.NodeClosedException;
import io.parley.messaging.NodeId;
import io.parley.messaging.PayloadTooLargeException;
import io.parley.messaging.UnknownPeerException;
import io.parley.messaging.store.StoreUnavailableException;
import io.parley.messaging.demo.events.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reading requests and writing answers for {@link HttpApi}: JSON bodies with known fields only, query parameters, and
 * the {@link Refusal} that becomes a 4xx (or 5xx) answer with {@code {"error": "..."}}.
 */
final class HttpExchanges {

    /** A request that cannot be served: its status and the sentence that says why. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final Map<String, String> headers;

        Refusal(int status, String message) {
            this(status, message, Map.of());
        }

        Refusal(int status, String message, Map<String, String> headers) {
            super(message, null, false, false);
            this.status = status;
            this.headers = headers;
        }
    }

    private HttpExchanges() {
    }

    /** Why a send was refused at once, as a status: {@code receipt} is the failed future of what was refused. */
    static Refusal refusal(CompletableFuture<?> receipt) {
        Throwable cause;
        try {
            receipt.join();
            return new Refusal(500, "the send was refused without a reason");
        } catch (CompletionException e) {
            cause = e.getCause() != null ? e.getCause() : e;
        }
        String message = cause.getMessage();
        if (cause instanceof UnknownPeerException) {
            return new Refusal(422, message);
        }
        if (cause instanceof PayloadTooLargeException) {
            return new Refusal(413, message);
        }
        if (cause instanceof BackpressureException || cause instanceof StoreUnavailableException) {
            return new Refusal(503, message, Map.of("Retry-After", "1"));
        }
        if (cause instanceof NodeClosedException) {
            return new Refusal(503, message);
        }
        return new Refusal(500, String.valueOf(message));
    }

    /** The request's body, read in full before the handler ran ({@link BodyBuffer}), as a JSON object of {@code fields}. */
    static ObjectNode body(Context ctx, Set<String> fields) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0) {
            throw new Refusal(400, "the request has no body; send a JSON object with " + String.join(" and ", sorted(fields)));
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            String reason = e.getOriginalMessage().replaceAll("\\s*\\(start marker at .*", "").replaceAll("\\s+", " ");
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new Refusal(400, "the request body is not valid JSON" + where + ": " + reason);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array fails only as JSON
        }
        if (tree == null || !tree.isObject()) {
            throw new Refusal(400, "the request body must be a JSON object with " + String.join(" and ", sorted(fields)));
        }
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw new Refusal(400, "unknown field '" + name + "'; expected " + String.join(" and ", sorted(fields)));
            }
        }
        return (ObjectNode) tree;
    }

    /** The string {@code field}, which must be there. */
    static String string(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw new Refusal(400, "field '" + field + "' is missing");
        }
        if (!value.isTextual()) {
            throw new Refusal(400, "field '" + field + "' must be a string, got " + value.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return value.asText();
    }

    /** The text of a message: refused when empty, as the console refuses it. */
    static String text(ObjectNode body) {
        String text = string(body, "text");
        if (text.isEmpty()) {
            throw new Refusal(400, "field 'text' is empty: there is nothing to send");
        }
        return text;
    }

    static NodeId nodeId(String id) {
        if (!NodeId.isValid(id)) {
            throw new Refusal(400, "'" + id + "' is not a node id; ids are 1 to 64 letters, digits, '.', '_' and '-'");
        }
        return new NodeId(id);
    }

    static int limit(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= HistoryQuery.MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Refusal(400, "limit must be a whole number from 1 to " + HistoryQuery.MAX_LIMIT + ", got '" + value + "'");
    }

    /** The query parameters, each at most once, none but {@code allowed}. */
    static Map<String, String> query(Context ctx, Set<String> allowed) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = ctx.queryString();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!allowed.contains(name)) {
                throw new Refusal(400, "unknown parameter '" + name + "'; expected " + String.join(" or ", sorted(allowed)));
            }
            if (params.put(name, value) != null) {
                throw new Refusal(400, "parameter '" + name + "' is given twice");
            }
        }
        return params;
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType(JsonErrorHandler.CONTENT_TYPE).result((Json.line(body) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
