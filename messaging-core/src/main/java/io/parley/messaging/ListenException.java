package io.parley.messaging;

/**
 * The node cannot listen on its address: the port is taken, the address is not one of this machine's, or the
 * system refused. Thrown by {@link Node#start()}, which has closed the node by then; the message names the address
 * and the system's reason, and the cause is the system's exception.
 */
public class ListenException extends MessagingException {

    private static final long serialVersionUID = 1L;

    /** With a message that names the address and says why it cannot be listened on, and the cause. */
    public ListenException(String message, Throwable cause) {
        super(message, cause);
    }
}
