package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "0", "node-1", "node_1", "node.1", "A.b_C-9", "..", "-", "_"})
    void idsOfLettersDigitsDotsUnderscoresAndDashesAreAccepted(String value) {
        NodeId id = new NodeId(value);

        assertThat(id.value()).isEqualTo(value);
        assertThat(id).hasToString(value);
        assertThat(NodeId.isValid(value)).isTrue();
    }

    @Test
    void idOfExactlySixtyFourCharactersIsAccepted() {
        String value = "x".repeat(NodeId.MAX_LENGTH);

        assertThat(NodeId.of(value).value()).hasSize(64);
    }

    @Test
    void emptyIdIsRefusedAsEmpty() {
        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId(""))
                .withMessageContaining("must not be empty");
        assertThat(NodeId.isValid("")).isFalse();
    }

    @Test
    void idOfSixtyFiveCharactersIsRefusedNamingTheLimitAndLength() {
        String value = "x".repeat(65);

        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId(value))
                .withMessageContaining("at most 64 characters")
                .withMessageContaining("got 65");
        assertThat(NodeId.isValid(value)).isFalse();
    }

    @Test
    void idWithASpaceIsRefusedNamingThePosition() {
        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId("node 1"))
                .withMessageContaining("'node 1'")
                .withMessageContaining("invalid character at position 4");
    }

    @Test
    void idWithASlashIsRefusedNamingThePosition() {
        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId("a/b"))
                .withMessageContaining("invalid character at position 1")
                .withMessageContaining("letters, digits, '.', '_' and '-'");
    }

    @Test
    void idWithANonAsciiLetterIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId("caf\u00e9"))
                .withMessageContaining("invalid character at position 3");
        assertThat(NodeId.isValid("caf\u00e9")).isFalse();
    }

    @Test
    void idWithAControlCharacterIsRefusedAndTheCharacterIsEscapedInTheMessage() {
        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId("a\nb"))
                .withMessageContaining("invalid character at position 1")
                .withMessageContaining("a\\u000ab")
                .withMessageNotContaining("\n");
        assertThatIllegalArgumentException().isThrownBy(() -> new NodeId("a\u007f"))
                .withMessageContaining("a\\u007f");
    }

    @Test
    void nullIdIsRefused() {
        assertThatNullPointerException().isThrownBy(() -> new NodeId(null));
        assertThat(NodeId.isValid(null)).isFalse();
    }

    @Test
    void idsCompareByTheirTextCaseSensitively() {
        List<NodeId> ids = new ArrayList<>(List.of(NodeId.of("b"), NodeId.of("a10"), NodeId.of("B"),
                NodeId.of("a"), NodeId.of("a2")));

        ids.sort(null);

        assertThat(ids).extracting(NodeId::value).containsExactly("B", "a", "a10", "a2", "b");
        assertThat(NodeId.of("n1").compareTo(NodeId.of("n1"))).isZero();
        assertThat(NodeId.of("n1").compareTo(NodeId.of("n2"))).isNegative();
        assertThat(NodeId.of("n2").compareTo(NodeId.of("n1"))).isPositive();
    }

    @Test
    void idsWithTheSameTextAreEqual() {
        assertThat(NodeId.of("n1")).isEqualTo(new NodeId("n1")).hasSameHashCodeAs(new NodeId("n1"));
        assertThat(NodeId.of("n1")).isNotEqualTo(NodeId.of("N1"));
    }
}
