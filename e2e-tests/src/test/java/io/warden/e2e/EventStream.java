package io.warden.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A long-lived {@code GET} answered with {@code text/event-stream}, read in the background: every event as it arrives
 * (its type, id and data), until the server ends it, the connection breaks, or {@link #close()}.
 */
final class EventStream implements AutoCloseable {

    /** One server-sent event. */
    record Event(String type, String id, String data) {}

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final int status;
    private final Stream<String> lines;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private volatile boolean ended;

    private EventStream(HttpResponse<Stream<String>> response) {
        this.status = response.statusCode();
        this.lines = response.body();
        Thread reader = new Thread(this::read, "event-stream-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens the stream; returns once the status line is in (check {@link #status()}). */
    static EventStream open(String url, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
        headers.forEach(b::header);
        try {
            return new EventStream(HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new UncheckedIOException(new IOException("GET " + url + " failed", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A POST whose answer may be an event stream (a call the gateway holds), read the same way. */
    static EventStream post(String url, Map<String, String> headers, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json, text/event-stream")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            return new EventStream(HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines()).get(30, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new UncheckedIOException(new IOException("POST " + url + " failed", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void read() {
        String type = null;
        String id = null;
        StringBuilder data = new StringBuilder();
        try {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data.length() > 0 || id != null) {
                        events.add(new Event(type == null ? "message" : type, id, data.toString()));
                    }
                    type = null;
                    id = null;
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("data:")) {
                    data.append(data.length() > 0 ? "\n" : "").append(line.substring(5).stripLeading());
                }
            }
        } catch (RuntimeException e) {
            // the connection broke (the gateway was killed): the stream simply ends
        } finally {
            ended = true;
        }
    }

    int status() {
        return status;
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    boolean ended() {
        return ended;
    }

    /** Waits for the first event matching {@code p}. */
    Event await(Duration timeout, Predicate<Event> p) {
        Awaitility.await().atMost(timeout).until(() -> events.stream().anyMatch(p));
        return events.stream().filter(p).findFirst().orElseThrow();
    }

    /** Waits for an event whose data mentions {@code text}. */
    Event awaitData(Duration timeout, String text) {
        return await(timeout, e -> e.data().contains(text));
    }

    @Override
    public void close() {
        lines.close();
    }
}
