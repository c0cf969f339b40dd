package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What start() throws when the node cannot start: public exception types only, with messages that say why. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StartErrorsTest {

    @Test
    void startOnATakenPortThrowsAPublicExceptionNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Node node = Node.builder().id("a").listen("127.0.0.1", port).build();

            Throwable thrown = catchThrowable(node::start);

            assertThat(thrown).isExactlyInstanceOf(ListenException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + port + ": ")
                    .hasCauseInstanceOf(java.net.BindException.class);
            assertThat(thrown.getClass().getPackageName()).as("package of " + thrown.getClass().getName())
                    .isEqualTo("io.parley.messaging");
            assertThat(node.send("b", new byte[1])).as("the node is closed after a failed start")
                    .isCompletedExceptionally();
        }
    }
}
