package io.parley.messaging.demo.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.messaging.demo.events.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** A client of {@code GET /events} that reads every event into a queue, on a thread of its own, until closed. */
final class SseReader implements AutoCloseable {

    /** One event: its {@code id:}, {@code event:} and {@code data:} (parsed). */
    record Frame(String id, String event, JsonNode data) {
    }

    /** Every event read and not taken yet, in order. */
    private final List<Frame> frames = new ArrayList<>();
    private final InputStream body;
    final HttpResponse<InputStream> response;

    SseReader(ApiFixture f, String path, String lastEventId) {
        HttpRequest.Builder request = f.request(path).timeout(Duration.ofMinutes(5)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        body = response.body();
        Thread t = new Thread(this::read, "sse-reader");
        t.setDaemon(true);
        t.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        Frame f = new Frame(id, event, Json.MAPPER.readTree(data.toString()));
                        synchronized (frames) {
                            frames.add(f);
                            frames.notifyAll();
                        }
                    }
                    id = null;
                    event = null;
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Takes the first event of type {@code event} whose data has {@code field} = {@code value}; waits up to 20 s for it. */
    Frame next(String event, String field, String value) {
        long end = System.nanoTime() + ApiFixture.WAIT.toNanos();
        synchronized (frames) {
            try {
                while (System.nanoTime() < end) {
                    for (Iterator<Frame> i = frames.iterator(); i.hasNext(); ) {
                        Frame f = i.next();
                        if (f.event().equals(event) && f.data().path(field).asText().equals(value)) {
                            i.remove();
                            return f;
                        }
                    }
                    frames.wait(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError("no '" + event + "' event with " + field + "=" + value + " within " + ApiFixture.WAIT);
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // closing
        }
    }
}
