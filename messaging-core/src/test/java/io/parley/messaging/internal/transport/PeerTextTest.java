package io.parley.messaging.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PeerTextTest {

    @Test
    void shortTextIsQuotedWhole() {
        assertThat(PeerText.quote("cluster-a")).isEqualTo("\"cluster-a\"");
    }

    @Test
    void longTextIsCutAndTheRestCounted() {
        String quoted = PeerText.quote("x".repeat(1_048_576));
        assertThat(quoted).hasSize(PeerText.MAX_CHARS + 2 + "…(+1048456 chars)".length())
                .endsWith("\"…(+" + (1_048_576 - PeerText.MAX_CHARS) + " chars)");
    }

    @Test
    void lineBreaksAndControlCharactersCannotForgeALogLine() {
        assertThat(PeerText.quote("a\nWARN forged\r\t\u0000\u001b[31m\"\\"))
                .isEqualTo("\"a\\nWARN forged\\r\\t\\u0000\\u001b[31m\\\"\\\\\"")
                .doesNotContain("\n", "\r");
    }

    @Test
    void neverCutsASurrogatePairInHalf() {
        String s = "a".repeat(PeerText.MAX_CHARS - 1) + "\uD83D\uDE00" + "tail";
        String quoted = PeerText.quote(s);
        assertThat(quoted).startsWith("\"" + "a".repeat(PeerText.MAX_CHARS - 1) + "\"…(+6 chars)");
    }

    @Test
    void nullIsSaidAsSuch() {
        assertThat(PeerText.quote(null)).isEqualTo("null");
    }

    @Test
    void cleanCutsAndEscapesLineBreaksButKeepsQuotes() {
        assertThat(PeerText.clean("node \"x\" said\nWARN forged")).isEqualTo("node \"x\" said\\nWARN forged");
        assertThat(PeerText.clean("y".repeat(500))).isEqualTo("y".repeat(PeerText.MAX_CHARS) + "…(+380 chars)");
    }
}
