package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.NodeId;
import io.parley.messaging.internal.delivery.InboundStreams.OwnResume;
import io.parley.messaging.internal.delivery.InboundStreams.Verdict;
import io.parley.messaging.internal.transport.Session;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receiving half of delivery as a specification, by plain calls: the store is a map of watermarks, and
 * sessions are only names for connections (their channels are never used).
 */
class InboundStreamsTest {

    private static final NodeId PEER = NodeId.of("peer");
    private static final NodeId OTHER = NodeId.of("other");
    private static final long INCARNATION = 7;

    private final Map<String, Long> stored = new HashMap<>();
    private int watermarkReads;
    private final InboundStreams streams = new InboundStreams((sender, incarnation) -> {
        watermarkReads++;
        return stored.getOrDefault(sender.value() + "/" + incarnation, 0L);
    });
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    // ---- order

    @Test
    void messagesInOrderAreAcceptedAndMoveTheWatermark() {
        Session s = session(PEER, INCARNATION);

        assertThat(streams.receive(s, 1, 0)).isEqualTo(Verdict.ACCEPT);
        assertThat(streams.receive(s, 2, 1)).isEqualTo(Verdict.ACCEPT);

        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(2);
    }

    @Test
    void theWatermarkStartsWhereTheStoreHoldsTheStream() {
        stored.put("peer/7", 5L);
        Session s = session(PEER, INCARNATION);

        assertThat(streams.receive(s, 6, 5)).isEqualTo(Verdict.ACCEPT);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(6);
    }

    @Test
    void aRepeatAtOrBelowTheWatermarkIsAcceptedForTheStoreToDedupe() {
        Session s = session(PEER, INCARNATION);
        streams.receive(s, 1, 0);
        streams.receive(s, 2, 1);

        assertThat(streams.receive(s, 2, 1)).as("at the watermark").isEqualTo(Verdict.ACCEPT);
        assertThat(streams.receive(s, 1, 0)).as("below it").isEqualTo(Verdict.ACCEPT);
        assertThat(streams.held(PEER, INCARNATION)).as("a repeat does not move it").isEqualTo(2);
    }

    @Test
    void aMessageThatDoesNotFollowWhatIsHeldIsAGap() {
        Session s = session(PEER, INCARNATION);
        streams.receive(s, 1, 0);

        assertThat(streams.receive(s, 3, 2)).isEqualTo(Verdict.GAP);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(1);
    }

    @Test
    void aMessageNamingTheHighestHeldAsItsPredecessorIsAcceptedAcrossWithdrawnOnes() {
        Session s = session(PEER, INCARNATION);
        streams.receive(s, 1, 0);

        assertThat(streams.receive(s, 3, 1)).as("the sender withdrew 2").isEqualTo(Verdict.ACCEPT);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(3);
    }

    @Test
    void eachSenderIncarnationHasAStreamOfItsOwn() {
        Session fromPeer = session(PEER, INCARNATION);
        Session fromOther = session(OTHER, INCARNATION);
        streams.receive(fromPeer, 1, 0);
        streams.receive(fromPeer, 2, 1);

        assertThat(streams.receive(fromOther, 1, 0)).isEqualTo(Verdict.ACCEPT);
        assertThat(streams.held(OTHER, INCARNATION)).isEqualTo(1);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(2);
    }

    // ---- which connection

    @Test
    void afterThisNodesResumeOnANewConnectionTheOldOneIsReplaced() {
        Session a = session(PEER, INCARNATION);
        Session b = session(PEER, INCARNATION);
        streams.receive(a, 1, 0);

        streams.ownResume(b);

        assertThat(streams.receive(a, 2, 1)).isEqualTo(Verdict.REPLACED_CONNECTION);
        assertThat(streams.held(PEER, INCARNATION)).as("nothing taken from it").isEqualTo(1);
        assertThat(streams.receive(b, 2, 1)).isEqualTo(Verdict.ACCEPT);
    }

    @Test
    void afterTheResumedConnectionEndsNothingIsTakenUntilTheNextOwnResume() {
        Session a = session(PEER, INCARNATION);
        Session b = session(PEER, INCARNATION);
        Session c = session(PEER, INCARNATION);
        streams.ownResume(b);
        streams.receive(b, 1, 0);

        streams.ended(b);

        assertThat(streams.receive(a, 2, 1)).as("an older connection").isEqualTo(Verdict.REPLACED_CONNECTION);
        assertThat(streams.receive(c, 2, 1)).as("a newer one, not resumed yet").isEqualTo(Verdict.REPLACED_CONNECTION);
        streams.ownResume(c);
        assertThat(streams.receive(c, 2, 1)).isEqualTo(Verdict.ACCEPT);
    }

    @Test
    void beforeAnyOwnResumeAStreamIsTakenFromAnyConnection() {
        Session a = session(PEER, INCARNATION);
        Session b = session(PEER, INCARNATION);

        assertThat(streams.receive(a, 1, 0)).isEqualTo(Verdict.ACCEPT);
        assertThat(streams.receive(b, 2, 1)).isEqualTo(Verdict.ACCEPT);
    }

    // ---- resume

    @Test
    void whenThePeerSettledMoreThanIsHeldTheStreamIsTakenUpAfterIt() {
        stored.put("peer/7", 2L); // this node's store was replaced by an older copy
        Session s = session(PEER, INCARNATION);

        long ackAgainUpTo = streams.peerResume(s, 5);

        assertThat(ackAgainUpTo).as("nothing above what the peer settled to ack again").isEqualTo(2);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(5);
        assertThat(streams.receive(s, 6, 5)).isEqualTo(Verdict.ACCEPT);
    }

    @Test
    void thePeersResumeAcksAgainWhatIsHeldAboveWhatItSettled() {
        stored.put("peer/7", 5L);
        Session s = session(PEER, INCARNATION);

        assertThat(streams.peerResume(s, 2)).as("ack again (2, 5]").isEqualTo(5);
        OwnResume own = streams.ownResume(s);

        assertThat(own.heldSeq()).isEqualTo(5);
        assertThat(own.ackAgainAfter()).as("the peer's Resume acked all of it again already").isEqualTo(5);
    }

    @Test
    void anOwnResumeFirstHasNothingToAckAgain() {
        stored.put("peer/7", 4L);
        Session s = session(PEER, INCARNATION);

        OwnResume own = streams.ownResume(s);

        assertThat(own).isEqualTo(new OwnResume(4, 4));
        assertThat(streams.peerResume(s, 1)).as("the peer's Resume then acks again (1, 4]").isEqualTo(4);
    }

    /**
     * The peer's Resume on the new connection came first; then messages still came in on the old one (their acks
     * went to it, and may be lost with it); then this node's own Resume, which counts them as held. They are acked
     * again on the new connection.
     */
    @Test
    void anOwnResumeAfterThePeersAcksAgainWhatArrivedOnTheOldConnectionInBetween() {
        Session old = session(PEER, INCARNATION);
        Session current = session(PEER, INCARNATION);
        streams.receive(old, 1, 0);

        assertThat(streams.peerResume(current, 1)).isEqualTo(1);
        streams.receive(old, 2, 1);
        streams.receive(old, 3, 2);
        OwnResume own = streams.ownResume(current);

        assertThat(own.heldSeq()).isEqualTo(3);
        assertThat(own.ackAgainAfter()).as("ack again (1, 3]").isEqualTo(1);
    }

    // ---- memory

    @Test
    void sessionsAreForgottenWhenTheyEnd() {
        for (int i = 0; i < 20; i++) {
            Session s = session(PEER, INCARNATION);
            streams.peerResume(s, 0);
            assertThat(streams.sessionsRemembered()).isEqualTo(1);
            streams.ownResume(s);
            assertThat(streams.sessionsRemembered()).isEqualTo(1);
            streams.ended(s);
            assertThat(streams.sessionsRemembered()).isZero();
        }
        Session halfResumed = session(PEER, INCARNATION);
        streams.ownResume(halfResumed);
        Session peerOnly = session(OTHER, INCARNATION);
        streams.peerResume(peerOnly, 0);
        streams.ended(halfResumed);
        streams.ended(peerOnly);

        assertThat(streams.sessionsRemembered()).as("ended half way through their Resumes").isZero();
    }

    @Test
    void anOwnResumeWithANewerIncarnationOfASenderForgetsItsOlderOnes() {
        Session older = session(PEER, 6);
        streams.receive(older, 1, 0);
        streams.receive(session(PEER, INCARNATION), 1, 0);
        streams.receive(session(OTHER, 3), 1, 0);
        assertThat(streams.streamsRemembered()).isEqualTo(3);

        streams.ownResume(session(PEER, 8));

        assertThat(streams.streamsRemembered()).as("peer/8, and other's own").isEqualTo(2);
        assertThat(streams.receive(session(OTHER, 3), 2, 1)).as("another sender's stream kept").isEqualTo(Verdict.ACCEPT);
    }

    @Test
    void forgottenWatermarksAreReadAgainFromTheStore() {
        stored.put("peer/7", 3L);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(3);
        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(3);
        assertThat(watermarkReads).as("read once, then remembered").isEqualTo(1);
        Session s = session(PEER, INCARNATION);
        streams.receive(s, 4, 3); // counted as held, but the batch that stored it failed

        streams.forgetWatermarks();

        assertThat(streams.held(PEER, INCARNATION)).isEqualTo(3);
        assertThat(watermarkReads).isEqualTo(2);
        assertThat(streams.receive(s, 4, 3)).as("sent again, and taken").isEqualTo(Verdict.ACCEPT);
    }

    private Session session(NodeId sender, long incarnation) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        return new Session(sender, incarnation, ch, false, "");
    }
}
