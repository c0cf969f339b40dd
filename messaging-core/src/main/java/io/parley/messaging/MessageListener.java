package io.parley.messaging;

/**
 * Receives the messages other nodes send to this one, each once, after it is stored, in send order per
 * sender. Calls come one at a time on the node's listener executor (see
 * {@link NodeBuilder#listenerExecutor}); an exception thrown here is logged and does not affect delivery,
 * since the message is already stored and acknowledged.
 */
@FunctionalInterface
public interface MessageListener {

    /** Called for each received message. */
    void onMessage(Message message);
}
