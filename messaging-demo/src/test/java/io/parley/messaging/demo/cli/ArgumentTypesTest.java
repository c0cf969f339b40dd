package io.parley.messaging.demo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Durations and {@code HOST:PORT} as written on the command line. */
class ArgumentTypesTest {

    @Test
    void durationsInTheUnitsPeopleWrite() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("-3s")).isEqualTo(Duration.ofSeconds(-3));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("120us")).isEqualTo(Duration.ofNanos(120_000));
        assertThat(Durations.parse("PT0.5S")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("120s");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
    }

    @Test
    void aDurationWithoutAUnitIsRefusedRatherThanGuessed() {
        assertThatThrownBy(() -> Durations.parse("5")).hasMessage("'5' is not a duration; write it like 250ms, 5s, -3s, 2m or 1h");
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("'soon' is not a duration");
    }

    @Test
    void hostPortWithIpv6InBracketsAndPortZero() {
        assertThat(Endpoint.parse("127.0.0.1:7001")).isEqualTo(new Endpoint("127.0.0.1", 7001));
        assertThat(Endpoint.parse("[::1]:0")).isEqualTo(new Endpoint("::1", 0));
        assertThat(Endpoint.parse("[::1]:7000").toString()).isEqualTo("[::1]:7000");
        assertThat(Endpoint.parse("node-1.example:80")).isEqualTo(new Endpoint("node-1.example", 80));
    }

    @Test
    void malformedHostPortSaysWhatIsWrong() {
        assertThatThrownBy(() -> Endpoint.parse("7001")).hasMessage("'7001' must be written HOST:PORT, like 127.0.0.1:7001");
        assertThatThrownBy(() -> Endpoint.parse("host:")).hasMessageContaining("must be written HOST:PORT");
        assertThatThrownBy(() -> Endpoint.parse("host:x")).hasMessage("'host:x' has port 'x', which is not a number");
        assertThatThrownBy(() -> Endpoint.parse("host:70000")).hasMessage("'host:70000' has port 70000, outside 0 to 65535");
        assertThatThrownBy(() -> Endpoint.parse("::1:7000")).hasMessageContaining("needs brackets around the IPv6 address");
        assertThatThrownBy(() -> Endpoint.parse("[::1]7000")).hasMessage("'[::1]7000' must be written [IPV6]:PORT");
    }
}
