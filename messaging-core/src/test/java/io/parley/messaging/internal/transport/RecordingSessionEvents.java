package io.parley.messaging.internal.transport;

import io.netty.channel.Channel;
import io.parley.messaging.NodeId;
import io.parley.messaging.proto.v1.AckBatch;
import io.parley.messaging.proto.v1.Envelope;
import io.parley.messaging.proto.v1.Error;
import io.parley.messaging.proto.v1.Member;
import io.parley.messaging.proto.v1.Pong;
import java.util.ArrayList;
import java.util.List;

/**
 * A recipient of every port's events that remembers every call, for tests to assert on afterwards. Admits (and confirms)
 * every peer unless told to refuse. Single-threaded, like the event loop that calls it.
 */
final class RecordingSessionEvents implements HandshakeEvents, MembershipEvents, TrafficEvents {

    record DialFailure(NodeId peer, Channel channel, Error.Code code, String reason) {
    }

    record EnvelopeArrival(Session session, Envelope envelope, long receivedMicros) {
    }

    record AckArrival(Session session, AckBatch batch, long receivedMicros, long receivedNanos) {
    }

    record PongArrival(Session session, Pong pong, long receivedMicros) {
    }

    record Farewell(Session session, String reason) {
    }

    final List<PeerHello> admitted = new ArrayList<>();
    final List<PeerHello> confirmed = new ArrayList<>();
    final List<DialFailure> dialFailures = new ArrayList<>();
    final List<Session> established = new ArrayList<>();
    final List<Session> writable = new ArrayList<>();
    final List<Session> ended = new ArrayList<>();
    final List<EnvelopeArrival> envelopes = new ArrayList<>();
    final List<AckArrival> acks = new ArrayList<>();
    final List<PongArrival> pongs = new ArrayList<>();
    final List<io.parley.messaging.proto.v1.Resume> resumes = new ArrayList<>();
    final List<Farewell> goodbyes = new ArrayList<>();
    final List<Session> closed = new ArrayList<>();
    final List<io.parley.messaging.proto.v1.Gossip> gossip = new ArrayList<>();
    final List<String> suspicions = new ArrayList<>();
    final List<Session> recoveries = new ArrayList<>();
    final List<String> unreachable = new ArrayList<>();
    List<Member> members = List.of();

    private Error.Code refusal;
    private String refusalReason;

    /** From now on, admit and confirm refuse every peer with {@code code}. */
    RecordingSessionEvents refuseWith(Error.Code code, String reason) {
        this.refusal = code;
        this.refusalReason = reason;
        return this;
    }

    @Override
    public Admission admit(PeerHello hello, Channel channel) {
        admitted.add(hello);
        return answer(hello, channel, false);
    }

    @Override
    public Admission confirm(PeerHello welcome, Channel channel) {
        confirmed.add(welcome);
        return answer(welcome, channel, true);
    }

    private Admission answer(PeerHello hello, Channel channel, boolean dialedBySelf) {
        if (refusal != null) {
            return Admission.refuse(refusal, refusalReason);
        }
        return Admission.admit(new Session(hello.nodeId(), hello.incarnation(), channel, dialedBySelf, hello.advertisedAddress(),
                hello.authenticated()));
    }

    @Override
    public void dialFailed(NodeId peer, Channel channel, Error.Code code, String reason) {
        dialFailures.add(new DialFailure(peer, channel, code, reason));
    }

    @Override
    public List<Member> members() {
        return members;
    }

    @Override
    public void gossip(Session session, io.parley.messaging.proto.v1.Gossip g) {
        gossip.add(g);
    }

    @Override
    public void suspected(Session session, String reason) {
        suspicions.add(reason);
    }

    @Override
    public void recovered(Session session) {
        recoveries.add(session);
    }

    @Override
    public void unreachable(Session session, String reason) {
        unreachable.add(reason);
    }

    @Override
    public void established(Session session) {
        established.add(session);
    }

    @Override
    public void envelope(Session session, Envelope envelope, long receivedMicros) {
        envelopes.add(new EnvelopeArrival(session, envelope, receivedMicros));
    }

    @Override
    public void acks(Session session, AckBatch batch, long receivedMicros, long receivedNanos) {
        acks.add(new AckArrival(session, batch, receivedMicros, receivedNanos));
    }

    @Override
    public void resume(Session session, io.parley.messaging.proto.v1.Resume resume) {
        resumes.add(resume);
    }

    @Override
    public void pong(Session session, Pong pong, long receivedMicros) {
        pongs.add(new PongArrival(session, pong, receivedMicros));
    }

    @Override
    public void goodbye(Session session, String reason) {
        goodbyes.add(new Farewell(session, reason));
    }

    @Override
    public void writable(Session session) {
        writable.add(session);
    }

    @Override
    public void sessionEnded(Session session) {
        ended.add(session);
    }

    @Override
    public void closed(Session session) {
        closed.add(session);
    }
}
