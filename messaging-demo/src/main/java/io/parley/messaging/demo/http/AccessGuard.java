package io.parley.messaging.demo.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.parley.messaging.demo.http.HttpExchanges.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Lets in only the API's owner, before any route runs: the {@code Host} header must name this API (an IP literal,
 * {@code localhost} or a configured name: a page on a rebound DNS name is refused), an {@code Origin}, when sent, must be
 * this API's own (a page elsewhere is refused: CSRF), every request but {@code GET /health} and the files of the
 * {@link WebView web view} (which hold no secret) must carry the bearer token,
 * and a {@code POST} must say {@code Content-Type: application/json} (which a page cannot send elsewhere without asking
 * first). Stateless and thread-safe.
 */
final class AccessGuard implements Handler {

    private final byte[] token;
    private final Set<String> hostNames;

    AccessGuard(HttpSettings settings) {
        this.token = settings.token().getBytes(StandardCharsets.US_ASCII);
        this.hostNames = settings.hostNames();
    }

    @Override
    public void handle(Context ctx) {
        String host = ctx.header("Host");
        String hostName = Hosts.hostOf(host);
        if (hostName == null || !(hostName.equals("localhost") || Hosts.isIpLiteral(hostName) || hostNames.contains(hostName))) {
            throw new Refusal(403, "Host '" + host + "' is not a name of this API; use its address, localhost"
                    + (hostNames.isEmpty() ? "" : " or " + String.join(", ", hostNames)) + " (--http-host NAME adds one)");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !sameOrigin(origin, host)) {
            throw new Refusal(403, "requests from pages at " + origin + " are refused: only this API's own origin may ask");
        }
        if (!isHealth(ctx.path()) && !WebView.isPublic(ctx.method(), ctx.path())) {
            authenticate(ctx.header("Authorization"));
        }
        if (ctx.method() == HandlerType.POST && !isJson(ctx.header("Content-Type"))) {
            throw new Refusal(415, "POST needs Content-Type: application/json, got "
                    + (ctx.header("Content-Type") == null ? "none" : "'" + ctx.header("Content-Type") + "'"));
        }
    }

    private void authenticate(String authorization) {
        if (authorization == null) {
            throw new Refusal(401, "this API needs 'Authorization: Bearer TOKEN'; the node printed where its token is",
                    Map.of("WWW-Authenticate", "Bearer realm=\"parley\""));
        }
        String given = authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.US_ASCII))) {
            throw new Refusal(401, "the bearer token is wrong",
                    Map.of("WWW-Authenticate", "Bearer realm=\"parley\", error=\"invalid_token\""));
        }
    }

    /** {@code /health} and {@code /nodes/ID/health}: what a HEALTHCHECK asks, with no token. */
    static boolean isHealth(String path) {
        return path.equals("/health") || (path.startsWith("/nodes/") && path.endsWith("/health")
                && path.indexOf('/', "/nodes/".length()) == path.length() - "/health".length());
    }

    private static boolean sameOrigin(String origin, String host) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        String h = host.trim().toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h);
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }
}
