package io.parley.messaging.demo.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.messaging.NodeId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How console lines are read: what each command means, and the one sentence a mistyped one gets. */
class ConsoleCommandTest {

    @Test
    void sendKeepsTheTextAsTypedAfterThePeer() {
        assertThat(ConsoleCommand.parse("/send n2 hello,   world!"))
                .isEqualTo(new ConsoleCommand.Send(NodeId.of("n2"), "hello,   world!"));
        assertThat(ConsoleCommand.parse("@n3 hi there ")).isEqualTo(new ConsoleCommand.Send(NodeId.of("n3"), "hi there"));
    }

    @Test
    void allHistoryPeersUseHelpQuitAndNothing() {
        assertThat(ConsoleCommand.parse("/all hi everyone")).isEqualTo(new ConsoleCommand.All("hi everyone"));
        assertThat(ConsoleCommand.parse("/history")).isEqualTo(new ConsoleCommand.History(Optional.empty(),
                ConsoleCommand.DEFAULT_HISTORY_LIMIT));
        assertThat(ConsoleCommand.parse("/history n2 --limit 5")).isEqualTo(new ConsoleCommand.History(Optional.of(NodeId.of("n2")), 5));
        assertThat(ConsoleCommand.parse("/history --limit=7")).isEqualTo(new ConsoleCommand.History(Optional.empty(), 7));
        assertThat(ConsoleCommand.parse("/peers")).isEqualTo(new ConsoleCommand.Peers());
        assertThat(ConsoleCommand.parse("/use n3")).isEqualTo(new ConsoleCommand.Use(NodeId.of("n3")));
        assertThat(ConsoleCommand.parse("/help")).isEqualTo(new ConsoleCommand.Help());
        assertThat(ConsoleCommand.parse("/quit")).isEqualTo(new ConsoleCommand.Quit());
        assertThat(ConsoleCommand.parse("   ")).isEqualTo(new ConsoleCommand.Nothing());
        assertThat(ConsoleCommand.parse("# a comment in a script")).isEqualTo(new ConsoleCommand.Nothing());
    }

    @Test
    void commandsAreCaseInsensitiveButPeersAndTextAreNot() {
        assertThat(ConsoleCommand.parse("/USE n3")).isEqualTo(new ConsoleCommand.Use(NodeId.of("n3")));
        assertThat(ConsoleCommand.parse("/Quit")).isEqualTo(new ConsoleCommand.Quit());
        assertThat(ConsoleCommand.parse("/Send n2 Hello")).isEqualTo(new ConsoleCommand.Send(NodeId.of("n2"), "Hello"));
        assertThat(ConsoleCommand.parse("/HISTORY --limit 3")).isEqualTo(new ConsoleCommand.History(Optional.empty(), 3));
        assertThatThrownBy(() -> ConsoleCommand.parse("/SNED n2 hi")).hasMessage("unknown command '/SNED'; type /help for the list");
    }

    @Test
    void theStartHintSendsToAPeerNeverToTheNodeItself() {
        assertThat(Console.startHint(NodeId.of("n2"), List.of(NodeId.of("n2"), NodeId.of("n1"), NodeId.of("n3"))))
                .isEqualTo("Type /help for the commands; @n1 hello sends 'hello' to n1.");
        assertThat(Console.startHint(NodeId.of("n1"), List.of(NodeId.of("n1"), NodeId.of("n2"))))
                .isEqualTo("Type /help for the commands; @n2 hello sends 'hello' to n2.");
        assertThat(Console.startHint(NodeId.of("n2"), List.of(NodeId.of("n2"))))
                .startsWith("Type /help for the commands; @PEER TEXT sends TEXT to PEER")
                .doesNotContain("@n2");
    }

    @Test
    void mistakesAreOneSentenceSayingHowToWriteIt() {
        assertThatThrownBy(() -> ConsoleCommand.parse("hello")).hasMessage(
                "'hello' is not a command; to send it, write @PEER hello (type /help for every command)");
        assertThatThrownBy(() -> ConsoleCommand.parse("/send n2")).hasMessage("nothing to send; write /send n2 TEXT");
        assertThatThrownBy(() -> ConsoleCommand.parse("/send")).hasMessage("write /send PEER TEXT, like /send n2 hello");
        assertThatThrownBy(() -> ConsoleCommand.parse("@ hi")).hasMessage("write @PEER TEXT, like @n2 hello");
        assertThatThrownBy(() -> ConsoleCommand.parse("@n2")).hasMessage("nothing to send; write @n2 TEXT");
        assertThatThrownBy(() -> ConsoleCommand.parse("@n2! hi")).hasMessageContaining("'n2!' is not a node id");
        assertThatThrownBy(() -> ConsoleCommand.parse("/all")).hasMessage("nothing to send; write /all TEXT");
        assertThatThrownBy(() -> ConsoleCommand.parse("/history --limit 0"))
                .hasMessage("--limit takes a number from 1 to 100000, got '0'");
        assertThatThrownBy(() -> ConsoleCommand.parse("/history --limit"))
                .hasMessage("--limit takes a number from 1 to 100000");
        assertThatThrownBy(() -> ConsoleCommand.parse("/history n1 n2")).hasMessage("/history takes one peer, got 'n1' and 'n2'");
        assertThatThrownBy(() -> ConsoleCommand.parse("/history --since 5")).hasMessageContaining("unknown option '--since'");
        assertThatThrownBy(() -> ConsoleCommand.parse("/peers n2")).hasMessage("/peers takes no arguments, got 'n2'");
        assertThatThrownBy(() -> ConsoleCommand.parse("/use")).hasMessage("write /use NODE, like /use n2");
        assertThatThrownBy(() -> ConsoleCommand.parse("/sned n2 hi")).hasMessage("unknown command '/sned'; type /help for the list");
    }
}
