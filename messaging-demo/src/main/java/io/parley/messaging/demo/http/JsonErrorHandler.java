package io.parley.messaging.demo.http;

import io.parley.messaging.demo.events.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty answers by itself (a malformed request, headers over the limit, a body that failed) in the API's one error
 * shape, {@code {"error": "..."}}, instead of its HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

    static final String CONTENT_TYPE = "application/json;charset=utf-8";

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        write(response, code, sentence(code, message), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, CONTENT_TYPE));
        return ByteBuffer.wrap(body(sentence(status, reason)));
    }

    /** Answers {@code status} with {@code {"error": message}}. */
    static void write(Response response, int status, String message, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        byte[] body = body(message);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static String sentence(int status, String message) {
        String reason = HttpStatus.getMessage(status);
        return message == null || message.isBlank() || message.equals(reason) ? reason : reason + ": " + message;
    }

    private static byte[] body(String message) {
        return (Json.line(Json.error(message)) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
