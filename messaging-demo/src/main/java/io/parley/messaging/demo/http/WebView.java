package io.parley.messaging.demo.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.parley.messaging.demo.http.HttpExchanges.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web view: a page that draws the nodes as time lines and their messages as arrows, from the API's own
 * {@code /nodes}, {@code /nodes/{id}/messages}, {@code /nodes/{id}/peers} and {@code /events}. Its files are in the jar
 * (resources {@code io/parley/messaging/demo/http/ui/}) and served at {@code /ui/} without the token, since they hold
 * nothing secret; the page asks for the token itself (from the {@code #token=} fragment of the URL the node prints, or
 * typed in) and sends it as {@code Authorization: Bearer} on every API call, as any client does. So no cookie is ever
 * set, and a page elsewhere can make the browser send nothing that opens the API. Stateless and thread-safe; the files
 * are read once.
 */
final class WebView {

    /** The path of the page. */
    static final String PATH = "/ui/";
    /** What the page may load and where it may connect: this origin only, no inline script, no frames around it. */
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html;charset=utf-8",
            "view.js", "text/javascript;charset=utf-8",
            "view.css", "text/css;charset=utf-8");
    private static final Map<String, byte[]> FILES = load();

    private WebView() {
    }

    /** Whether {@code method path} asks for a file of the web view, which needs no token. */
    static boolean isPublic(HandlerType method, String path) {
        return (method == HandlerType.GET || method == HandlerType.HEAD)
                && (path.equals("/ui") || path.startsWith(PATH) && TYPES.containsKey(file(path)));
    }

    /** Serves the page at {@code /ui/} (and {@code /ui}: the page names its files by absolute paths) and its files. */
    static void routes(RoutesConfig r) {
        for (HandlerType method : new HandlerType[] {HandlerType.GET, HandlerType.HEAD}) {
            r.addHttpHandler(method, PATH, WebView::serve);
            r.addHttpHandler(method, PATH + "{file}", WebView::serve);
        }
    }

    private static void serve(Context ctx) {
        String name = file(ctx.path());
        byte[] body = FILES.get(name);
        if (body == null) {
            throw new Refusal(404, "the web view has no file '" + name + "'; open " + PATH);
        }
        ctx.header("Content-Security-Policy", POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(TYPES.get(name)).result(body);
    }

    private static String file(String path) {
        String rest = path.length() <= PATH.length() ? "" : path.substring(PATH.length());
        return rest.isEmpty() ? "index.html" : rest;
    }

    private static Map<String, byte[]> load() {
        Map<String, byte[]> files = new java.util.HashMap<>();
        for (String name : TYPES.keySet()) {
            try (InputStream in = WebView.class.getResourceAsStream("ui/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks the web view's " + name);
                }
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(files);
    }
}
