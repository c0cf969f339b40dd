package io.parley.messaging.internal;

/**
 * A single-threaded stage in the manner of Aeron's agents: all of its state belongs to whichever one thread calls
 * {@link #doWork()}, a thin {@link AgentRunner} in a node or a test calling it directly, step by step, with no
 * threads, sleeps or latches. Work reaches it through its own queue; the runner is the only part that knows
 * about threads.
 */
public interface Agent {

    /**
     * Does one bounded piece of work: what is queued, up to a batch.
     *
     * @return how much was done; 0 when there was nothing to do, and the runner may then idle
     */
    int doWork();

    /** The agent ends: called once, on the agent's thread, after its last {@link #doWork()}. */
    void onClose();

    /** What the agent is, for thread names and log lines. */
    String roleName();
}
