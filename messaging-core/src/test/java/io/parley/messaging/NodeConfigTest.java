package io.parley.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A {@link NodeConfig} can only be had from {@link NodeBuilder}, so every one has passed the builder's checks, and it
 * does not hand out the live store the node writes to.
 */
class NodeConfigTest {

    @Test
    void onlyTheBuilderCanMakeAConfig() {
        assertThat(NodeConfig.class.isRecord()).as("a record has a public canonical constructor").isFalse();
        assertThat(Modifier.isFinal(NodeConfig.class.getModifiers())).isTrue();
        assertThat(NodeConfig.class.getDeclaredConstructors()).as("constructors")
                .isNotEmpty()
                .allMatch(c -> !Modifier.isPublic(c.getModifiers()) && !Modifier.isProtected(c.getModifiers()),
                        "not public or protected");
        assertThat(Arrays.stream(NodeConfig.class.getDeclaredMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()))
                .map(Method::getName)).as("public static factories").isEmpty();
    }

    @Test
    void theLiveStoreIsNotPublic() throws NoSuchMethodException {
        Method store = NodeConfig.class.getDeclaredMethod("store");

        assertThat(Modifier.isPublic(store.getModifiers())).isFalse();
    }

    @Test
    void theBuildersValidationStillRefusesABadConfig() {
        assertThatIllegalArgumentException().isThrownBy(() -> Node.builder().config())
                .withMessageContaining("node id is required");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Node.builder().id("a").heartbeat(Duration.ofSeconds(2), Duration.ofSeconds(1)).config())
                .withMessageContaining("heartbeat timeout (PT1S) must exceed the interval (PT2S)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Node.builder().id("a").reconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)).config())
                .withMessageContaining("reconnect max (PT1S) must not be less than min (PT2S)");
    }

    @Test
    void theConfigsListsCannotBeChanged() {
        NodeConfig c = Node.builder().id("a").peer("b=h:1").seed("h:2").discoverDns("h", 3, Duration.ofSeconds(1)).config();

        assertThat(c.peers()).isUnmodifiable();
        assertThat(c.seeds()).isUnmodifiable();
        assertThat(c.dnsDiscovery()).isUnmodifiable();
    }

    @Test
    void toStringNamesTheNodeAndItsAddress() {
        NodeConfig c = Node.builder().id("a").cluster("c1").listen("127.0.0.1", 7000).config();

        assertThat(c.toString()).contains("id=a", "cluster=c1", "listen=127.0.0.1:7000");
    }
}
