package io.parley.messaging.demo.node;

/**
 * A failure the person running the demo can act on, said in one sentence: it is printed without a stack trace
 * (unless {@code --verbose}) and the program exits with 1.
 */
public final class DemoException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DemoException(String message) {
        super(message);
    }

    public DemoException(String message, Throwable cause) {
        super(message, cause);
    }
}
