package io.parley.messaging.demo.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The web view's files: served without the token (they hold nothing secret), with a policy that lets the page load
 * and call nothing but its own origin; everything else still needs the token, and a page elsewhere is still refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebViewTest {

    @Test
    void thePageAndItsFilesNeedNoTokenAndComeWithAStrictPolicy() {
        try (ApiFixture f = ApiFixture.oneNode()) {
            for (String path : new String[] {"/ui/", "/ui"}) {
                HttpResponse<String> page = f.send(anonymous(f, path));
                assertThat(page.statusCode()).as(path).isEqualTo(200);
                assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
                assertThat(page.body()).contains("<script src=\"/ui/view.js\"></script>").doesNotContain(ApiFixture.TOKEN);
                assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(p -> assertThat(p)
                        .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"));
                assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
            }
            HttpResponse<String> script = f.send(anonymous(f, "/ui/view.js"));
            assertThat(script.statusCode()).isEqualTo(200);
            assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript;charset=utf-8");
            assertThat(script.body()).contains("Authorization: 'Bearer ' + token");
            assertThat(f.send(anonymous(f, "/ui/view.css")).headers().firstValue("Content-Type")).hasValue("text/css;charset=utf-8");
            assertThat(f.send(anonymous(f, "/ui/view.js").method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void onlyTheFilesAreOpenAndAPageElsewhereIsStillRefused() {
        try (ApiFixture f = ApiFixture.oneNode()) {
            assertThat(f.send(anonymous(f, "/ui/other.js")).statusCode()).isEqualTo(401);
            assertThat(f.send(anonymous(f, "/nodes")).statusCode()).isEqualTo(401);
            assertThat(f.send(anonymous(f, "/events").header("Accept", "text/event-stream")).statusCode()).isEqualTo(401);
            assertThat(f.send(anonymous(f, "/ui/").header("Origin", "http://evil.example")).statusCode()).isEqualTo(403);
            assertThat(f.send(anonymous(f, "/ui/").POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .header("Content-Type", "application/json")).statusCode()).isEqualTo(401);
            // the page's own calls, as it makes them: the token in the header, from its own origin
            assertThat(f.send(f.request("/nodes").header("Origin", f.base())).statusCode()).isEqualTo(200);
        }
    }

    private static HttpRequest.Builder anonymous(ApiFixture f, String path) {
        return HttpRequest.newBuilder(URI.create(f.base() + path)).timeout(ApiFixture.WAIT);
    }
}
