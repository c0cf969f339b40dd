package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class PeerAddressTest {

    @Test
    void ipv4AddressIsParsed() {
        PeerAddress p = PeerAddress.parse("b=127.0.0.1:7000");

        assertThat(p.id()).isEqualTo(NodeId.of("b"));
        assertThat(p.host()).isEqualTo("127.0.0.1");
        assertThat(p.port()).isEqualTo(7000);
        assertThat(p).hasToString("b=127.0.0.1:7000");
    }

    @Test
    void hostNameWithLowestPortIsParsed() {
        PeerAddress p = PeerAddress.parse("b=host.example:1");

        assertThat(p).isEqualTo(new PeerAddress(NodeId.of("b"), "host.example", 1));
        assertThat(p.socketAddress().getHostString()).isEqualTo("host.example");
        assertThat(p.socketAddress().getPort()).isEqualTo(1);
        assertThat(p.socketAddress().isUnresolved()).isTrue();
    }

    @Test
    void highestPortIsParsed() {
        assertThat(PeerAddress.parse("b=h:65535").port()).isEqualTo(65535);
    }

    @Test
    void bracketedIpv6AddressIsParsedWithoutBracketsAndPrintedWithThem() {
        PeerAddress p = PeerAddress.parse("b=[::1]:7000");

        assertThat(p.host()).isEqualTo("::1");
        assertThat(p.port()).isEqualTo(7000);
        assertThat(p.hostPort()).isEqualTo("[::1]:7000");
        assertThat(p).hasToString("b=[::1]:7000");
    }

    @Test
    void printedAddressParsesBackToTheSameAddress() {
        for (String text : new String[] {"b=127.0.0.1:7000", "b=host.example:1", "b=[fe80::1]:65535"}) {
            assertThat(PeerAddress.parse(PeerAddress.parse(text).toString())).isEqualTo(PeerAddress.parse(text));
        }
    }

    @Test
    void addressWithoutEqualsSignIsRefusedShowingTheExpectedForm() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("127.0.0.1:7000"))
                .withMessageContaining("'127.0.0.1:7000'")
                .withMessageContaining("ID=HOST:PORT");
    }

    @Test
    void addressWithoutPortIsRefusedShowingTheExpectedForm() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=127.0.0.1"))
                .withMessageContaining("peer b")
                .withMessageContaining("HOST:PORT");
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=127.0.0.1:"))
                .withMessageContaining("HOST:PORT");
    }

    @Test
    void bracketedAddressWithoutPortIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=[::1]"))
                .withMessageContaining("[IPV6]:PORT");
    }

    @Test
    void portZeroIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=h:0"))
                .withMessageContaining("port must be between 1 and 65535")
                .withMessageContaining("got 0");
    }

    @Test
    void portAboveRangeIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=h:70000"))
                .withMessageContaining("port must be between")
                .withMessageContaining("65535")
                .withMessageContaining("got 70000");
    }

    @Test
    void nonNumericPortIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=h:x"))
                .withMessageContaining("port 'x' is not a number");
    }

    @Test
    void ipv6AddressWithoutBracketsIsRefusedSuggestingBrackets() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b=::1:7000"))
                .withMessageContaining("needs brackets")
                .withMessageContaining("[::1]:7000");
    }

    @Test
    void invalidIdIsRefusedWithTheNodeIdProblem() {
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("b c=h:1"))
                .withMessageContaining("invalid character");
        assertThatIllegalArgumentException().isThrownBy(() -> PeerAddress.parse("=h:1"))
                .withMessageContaining("must not be empty");
    }

    @Test
    void blankHostIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new PeerAddress(NodeId.of("b"), " ", 1))
                .withMessageContaining("host must not be empty");
    }
}
