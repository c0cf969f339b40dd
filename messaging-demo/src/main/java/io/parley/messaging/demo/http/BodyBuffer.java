package io.parley.messaging.demo.http;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request's whole body without a thread, as its bytes arrive, and only then hands the request to the next
 * handler, on a pool thread: so a client that sends its body slowly holds a connection, never a worker thread. A body
 * over {@code maxBytes} is refused with 413 as soon as that is known, and one not in full {@code timeout} after the
 * headers with 408; either answer closes the connection.
 *
 * <p>A loader's state is touched by one thread at a time: Jetty calls back one demand at a time, and the timer only
 * claims {@link Loader#done} before it answers.
 */
final class BodyBuffer extends Handler.Wrapper {

    private final int maxBytes;
    private final Duration timeout;

    BodyBuffer(int maxBytes, Duration timeout) {
        this.maxBytes = maxBytes;
        this.timeout = timeout;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getLength();
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (length <= 0 && !chunked) {
            return super.handle(request, response, callback);
        }
        if (length > maxBytes) {
            refuse(request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, tooLarge());
            return true;
        }
        new Loader(request, response, callback, length > 0 ? (int) length : 8192).start();
        return true;
    }

    private String tooLarge() {
        return "the request body is over " + maxBytes + " bytes";
    }

    private static void refuse(Request request, Response response, Callback callback, int status, String message) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        JsonErrorHandler.write(response, status, message, callback);
    }

    private final class Loader implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final AtomicBoolean done = new AtomicBoolean();
        private byte[] body;
        private int size;
        private Scheduler.Task timer;

        Loader(Request request, Response response, Callback callback, int expected) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.body = new byte[Math.min(expected, maxBytes)];
        }

        void start() {
            timer = request.getComponents().getScheduler().schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
            run();
        }

        /** Reads what has arrived; asks to be called again when more does. */
        @Override
        public void run() {
            while (!done.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (finish()) {
                        Response.writeError(request, response, callback, chunk.getFailure());
                    }
                    return;
                }
                boolean last = chunk.isLast();
                boolean fits = append(chunk.getByteBuffer());
                chunk.release();
                if (!fits) {
                    if (finish()) {
                        refuse(request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, tooLarge());
                    }
                    return;
                }
                if (last) {
                    if (finish()) {
                        request.getContext().execute(this::dispatch);
                    }
                    return;
                }
            }
        }

        private boolean append(ByteBuffer bytes) {
            int n = bytes.remaining();
            if (size + n > maxBytes) {
                return false;
            }
            if (size + n > body.length) {
                body = Arrays.copyOf(body, Math.min(maxBytes, Math.max(size + n, body.length * 2)));
            }
            bytes.get(body, size, n);
            size += n;
            return true;
        }

        /** Claims the answer for whoever calls first: the reader or the timer. */
        private boolean finish() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            timer.cancel();
            return true;
        }

        private void expire() {
            if (done.compareAndSet(false, true)) {
                refuse(request, response, callback, HttpStatus.REQUEST_TIMEOUT_408, "the request body did not arrive in full within "
                        + timeout.toMillis() + " ms of its headers (" + size + " bytes came)");
            }
        }

        private void dispatch() {
            Request whole = new Whole(request, ByteBuffer.wrap(body, 0, size));
            try {
                if (!getHandler().handle(whole, response, callback)) {
                    Response.writeError(whole, response, callback, HttpStatus.NOT_FOUND_404);
                }
            } catch (Throwable t) {
                Response.writeError(whole, response, callback, t);
            }
        }
    }

    /** The request with its body read already: one chunk, then the end. */
    private static final class Whole extends Request.Wrapper {
        private ByteBuffer rest;

        Whole(Request request, ByteBuffer body) {
            super(request);
            this.rest = body;
        }

        @Override
        public Content.Chunk read() {
            ByteBuffer b = rest;
            rest = null;
            return b == null ? Content.Chunk.EOF : Content.Chunk.from(b, true);
        }

        @Override
        public void demand(Runnable demandCallback) {
            demandCallback.run();
        }
    }
}
