package io.parley.messaging.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.messaging.BackpressureException;
import io.parley.messaging.DeliveryStatus;
import io.parley.messaging.Direction;
import io.parley.messaging.Limit;
import io.parley.messaging.Message;
import io.parley.messaging.NodeId;
import io.parley.messaging.clock.HybridTimestamp;
import io.parley.messaging.internal.transport.FrameEncoder;
import io.parley.messaging.internal.transport.Session;
import io.parley.messaging.proto.v1.Ack;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.AckStatus;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Frame;
import io.parley.messaging.store.ForwardingMessageStore;
import io.parley.messaging.store.InMemoryMessageStore;
import io.parley.messaging.store.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What bounds an outbound stream besides its window: its connection's writability and write buffer, the payload
 * bytes in flight on the connection, and the node's budget of body bytes in memory. Stepped by hand, as
 * {@link OutboundStreamTest}; each connection is an {@link EmbeddedChannel} with the real frame encoder and a gate in
 * front of the network that takes what is written only when the test opens it, as a peer that reads when it likes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutboundStreamBoundsTest {

    private static final NodeId SELF = NodeId.of("self");
    private static final NodeId PEER = NodeId.of("peer");
    private static final int FULL = 1; // a user-defined writability bit: the buffer is full

    private final InMemoryMessageStore memory = new InMemoryMessageStore();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<Envelope> received = new ArrayList<>();
    private DeliveryFixture node;

    @BeforeEach
    void openStore() {
        memory.open(SELF);
    }

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    // ---- writability

    @Test
    void noEnvelopeGoesOnAnUnwritableConnectionAndTheHeldOnesGoOnceItIsWritable() throws Exception {
        fixture(memory, 16, Long.MAX_VALUE, Long.MAX_VALUE);
        Peer peer = connect();
        peer.unwritable();

        send(10, 3);

        assertThat(peer.take()).as("nothing written while the peer does not read").isEmpty();

        peer.writable();
        peer.stream.onWritable(peer.session);

        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void theStreamsOwnEnvelopesNeverMakeItsConnectionUnwritable() throws Exception {
        fixture(memory, 64, Long.MAX_VALUE, Long.MAX_VALUE);
        Peer peer = connect();
        peer.channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(2_000, 6_000));

        send(300, 20); // 20 Envelopes of some 400 bytes each: 8 KB, more than the high water mark

        assertThat(peer.channel.isWritable()).as("filled only to the low water mark").isTrue();
        long waiting = peer.channel.unsafe().outboundBuffer().totalPendingWriteBytes();
        assertThat(waiting).isGreaterThan(0).isLessThanOrEqualTo(2_000 + 500);
        int total = 0;
        for (int round = 0; round < 20 && total < 20; round++) {
            List<Envelope> got = peer.take(); // the peer reads what waits: the stream goes on where it stopped
            assertThat(got.size()).as("at most a low water mark at a time").isLessThan(20);
            assertThat(peer.channel.isWritable()).isTrue();
            total += got.size();
        }
        assertThat(received).extracting(Envelope::getSeq).as("all of them, in order, in the end")
                .containsExactlyElementsOf(seqs(1, 20));
    }

    // ---- bytes in flight

    @Test
    void payloadBytesInFlightHoldBackNewEnvelopesUntilAcked() throws Exception {
        fixture(memory, 16, 1_000, Long.MAX_VALUE);
        Peer peer = connect();

        send(400, 4);

        assertThat(peer.take()).as("two of 400 bytes fit in 1,000; a third would not")
                .extracting(Envelope::getSeq).containsExactly(1L, 2L);
        assertThat(node.limits.count(Limit.IN_FLIGHT_BYTES_PER_PEER)).isEqualTo(1);

        peer.stream.onAcks(acks(1), 0, System.nanoTime());
        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(3L);
        peer.stream.onAcks(acks(2, 3), 0, System.nanoTime());
        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(4L);
    }

    @Test
    void aPayloadLargerThanTheByteBoundStillGoesAloneWhenNothingIsInFlight() throws Exception {
        fixture(memory, 16, 100, Long.MAX_VALUE);
        Peer peer = connect();

        send(1_000, 2);

        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(1L);
        peer.stream.onAcks(acks(1), 0, System.nanoTime());
        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(2L);
    }

    @Test
    void aReconnectStartsTheBytesInFlightAfresh() throws Exception {
        fixture(memory, 16, 1_000, Long.MAX_VALUE);
        Peer first = connect();
        send(400, 3);
        assertThat(first.take()).hasSize(2);

        first.channel.close();
        first.stream.detach(first.session);
        Peer second = connect(first.stream, 2);

        assertThat(second.take()).as("what the first left unacked goes again, as far as the bound allows")
                .extracting(Envelope::getSeq).containsExactly(1L, 2L);
    }

    // ---- body bytes in memory

    @Test
    void withAStoreThatIsNotDurableASendPastTheNodesBodyBudgetFailsAtOnce() throws Exception {
        fixture(memory, 16, Long.MAX_VALUE, 1_000);
        OutboundStream stream = node.stream(PEER, newChannel().eventLoop());

        List<ReceiptFuture> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            accepted.add(stream.send(300, seq -> message(seq, 300)));
        }
        ReceiptFuture refused = stream.send(300, seq -> message(seq, 300));

        assertThat(refused).isCompletedExceptionally();
        assertThat(refused.handle((r, e) -> e).get()).isInstanceOf(BackpressureException.class)
                .hasMessageContaining("maxBodyBytesInMemory (1000)");
        assertThat(node.limits.count(Limit.BODY_BYTES_IN_MEMORY)).isEqualTo(1);
        assertThat(accepted).noneMatch(ReceiptFuture::isDone);
        node.step();
        assertThat(node.bodies.held()).isEqualTo(900);

        Peer peer = connect(stream, 1);
        assertThat(peer.take()).hasSize(3);
        stream.onAcks(acks(1), 0, System.nanoTime());
        assertThat(node.bodies.held()).as("an acked body leaves memory").isEqualTo(600);
        assertThat(stream.send(300, seq -> message(seq, 300))).as("room again").isNotDone();
    }

    @Test
    void withADurableStoreBodiesPastTheNodesBudgetWaitInTheStoreAndAreReadBackWhenThereIsRoom() throws Exception {
        MessageStore durable = new ForwardingMessageStore(memory) {
            @Override
            public boolean isDurable() {
                return true;
            }
        };
        fixture(durable, 16, Long.MAX_VALUE, 600);
        Peer peer = connect();

        send(300, 5);

        assertThat(node.bodies.held()).as("two bodies of 300 bytes fit").isEqualTo(600);
        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(1L, 2L);
        assertThat(node.limits.count(Limit.BODY_BYTES_IN_MEMORY)).isPositive();

        for (long seq = 1; seq <= 5; seq++) {
            peer.stream.onAcks(acks(seq), 0, System.nanoTime());
            node.step(); // the outcome, and a read of the next body from the store
            assertThat(node.bodies.held()).as("never more than the budget").isLessThanOrEqualTo(600);
            peer.take();
        }
        assertThat(received).extracting(Envelope::getSeq).containsExactlyElementsOf(seqs(1, 5));
        node.runReceipts();
        assertThat(peer.stream.outstanding()).isZero();
        assertThat(node.bodies.held()).isZero();
    }

    @Test
    void aStreamHoldingNoBodyTakesOneEvenWhenOthersFilledTheBudget() throws Exception {
        MessageStore durable = new ForwardingMessageStore(memory) {
            @Override
            public boolean isDurable() {
                return true;
            }
        };
        fixture(durable, 16, Long.MAX_VALUE, 100);
        node.bodies.take(100); // other streams hold the whole budget
        Peer peer = connect();

        send(300, 2);

        assertThat(peer.take()).extracting(Envelope::getSeq).containsExactly(1L);
        assertThat(node.bodies.held()).isEqualTo(400);
    }

    // ---- helpers

    private void fixture(MessageStore store, int window, long maxInFlightBytes, long maxBodyBytes) {
        node = new DeliveryFixture(SELF, store, m -> { }, window, 10_000, System::currentTimeMillis, maxInFlightBytes,
                maxBodyBytes, 10_000);
    }

    private OutboundStream stream;

    private Peer connect() throws InvalidProtocolBufferException {
        stream = node.stream(PEER, newChannel().eventLoop());
        return connect(stream, 1);
    }

    /** A connection made current as the {@code generation}th, both Resumes through, the peer holding nothing. */
    private Peer connect(OutboundStream s, long generation) throws InvalidProtocolBufferException {
        stream = s;
        EmbeddedChannel ch = newChannel();
        Peer peer = new Peer(s, new Session(PEER, 7, ch, true, ""), ch);
        s.attach(peer.session, generation);
        node.step();
        ch.runPendingTasks();
        peer.take(); // this node's Resume
        s.onResume(peer.session, 0);
        return peer;
    }

    private void send(int payloadBytes, int count) {
        for (int i = 0; i < count; i++) {
            stream.send(payloadBytes, seq -> message(seq, payloadBytes));
        }
        node.step();
    }

    private EmbeddedChannel newChannel() {
        EmbeddedChannel ch = new EmbeddedChannel(new NetworkGate(), new FrameEncoder());
        ch.freezeTime();
        channels.add(ch);
        return ch;
    }

    private static Message message(long seq, int payloadBytes) {
        return new Message(UUID.randomUUID(), SELF, PEER, Direction.SENT, DeliveryStatus.PENDING, 9, seq, seq,
                Message.UNKNOWN_TIME, new HybridTimestamp(seq, 0), Message.NEVER, new byte[payloadBytes]);
    }

    private static AckBatch acks(long... seqs) {
        AckBatch.Builder b = AckBatch.newBuilder();
        for (long seq : seqs) {
            b.addAcks(Ack.newBuilder().setSeq(seq).setStatus(AckStatus.ACK_STATUS_STORED));
        }
        return b.build();
    }

    private static List<Long> seqs(long from, long to) {
        List<Long> l = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            l.add(s);
        }
        return l;
    }

    /** Holds flushes back until the peer reads, so what is written waits in the channel's buffer as on a full socket. */
    private static final class NetworkGate extends ChannelOutboundHandlerAdapter {
        int flushes; // let through

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (flushes > 0) {
                flushes--;
                ctx.flush();
            }
        }
    }

    private final class Peer {
        final OutboundStream stream;
        final Session session;
        final EmbeddedChannel channel;

        Peer(OutboundStream stream, Session session, EmbeddedChannel channel) {
            this.stream = stream;
            this.session = session;
            this.channel = channel;
        }

        void unwritable() {
            channel.unsafe().outboundBuffer().setUserDefinedWritability(FULL, false);
            channel.runPendingTasks();
        }

        void writable() {
            channel.unsafe().outboundBuffer().setUserDefinedWritability(FULL, true);
            channel.runPendingTasks();
        }

        /** The peer reads everything waiting for it; returns the Envelopes among it (the stream may write more). */
        List<Envelope> take() throws InvalidProtocolBufferException {
            channel.pipeline().get(NetworkGate.class).flushes = 1; // what waits now; what the stream adds meanwhile waits
            channel.flush();
            channel.runPendingTasks();
            List<Envelope> envelopes = new ArrayList<>();
            for (Object o; (o = channel.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                try {
                    while (b.readableBytes() >= 4) {
                        byte[] body = new byte[b.readInt()];
                        b.readBytes(body);
                        Frame f = Frame.parseFrom(body);
                        if (f.hasEnvelope()) {
                            envelopes.add(f.getEnvelope());
                        }
                    }
                } finally {
                    b.release();
                }
            }
            received.addAll(envelopes);
            return envelopes;
        }
    }
}
