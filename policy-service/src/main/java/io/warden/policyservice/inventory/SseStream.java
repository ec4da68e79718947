package io.warden.policyservice.inventory;

import io.warden.policyservice.inventory.McpToolsClient.UpstreamException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * One open {@code text/event-stream} GET, read line by line on its own thread into a queue of events, so the caller
 * waits for an event with a deadline. Bounded: an event longer than {@value #MAX_EVENT_CHARS} characters, or more than
 * {@value #MAX_EVENTS} events, end the stream. Closing cancels the exchange.
 */
final class SseStream implements AutoCloseable {
    static final int MAX_EVENT_CHARS = 8 * 1024 * 1024;
    static final int MAX_EVENTS = 10_000;

    record Event(String name, String data) {}

    private static final Event END = new Event(null, null);

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicReference<Stream<String>> lines = new AtomicReference<>();
    private volatile String endReason = "the event stream ended";

    private SseStream() {
    }

    static SseStream open(HttpClient http, URI uri, Map<String, String> headers, Duration timeout)
            throws UpstreamException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        for (Map.Entry<String, String> h : headers.entrySet()) {
            try {
                b.setHeader(h.getKey(), h.getValue());
            } catch (IllegalArgumentException e) {
                throw new UpstreamException("the static header '" + h.getKey() + "' cannot be sent by the HTTP client");
            }
        }
        CompletableFuture<HttpResponse<Stream<String>>> answer = http.sendAsync(b.build(),
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response;
        try {
            response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new UpstreamException("the HTTP+SSE stream did not open within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new UpstreamException("the HTTP+SSE stream could not be opened ("
                    + e.getCause().getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted");
        }
        String type = response.headers().firstValue("content-type").orElse("");
        if (response.statusCode() != 200 || !type.startsWith("text/event-stream")) {
            response.body().close();
            throw new UpstreamException("the HTTP+SSE endpoint answered HTTP " + response.statusCode()
                    + (type.isEmpty() ? "" : " (" + type.split(";")[0] + ")") + " instead of an event stream");
        }
        SseStream stream = new SseStream();
        stream.lines.set(response.body());
        Thread reader = new Thread(() -> stream.read(response.body()), "inventory-sse-reader");
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    /** Parses events as the SSE format defines them: {@code event:} and {@code data:} lines up to a blank line. */
    private void read(Stream<String> body) {
        String name = null;
        StringBuilder data = new StringBuilder();
        int count = 0;
        try {
            for (var it = body.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data.length() > 0 || name != null) {
                        if (++count > MAX_EVENTS) {
                            endReason = "the event stream sent more than " + MAX_EVENTS + " events";
                            break;
                        }
                        events.add(new Event(name == null ? "message" : name, data.toString()));
                    }
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String value = line.substring(5);
                    data.append(data.length() > 0 ? "\n" : "").append(value.startsWith(" ") ? value.substring(1) : value);
                    if (data.length() > MAX_EVENT_CHARS) {
                        endReason = "an event is longer than " + MAX_EVENT_CHARS + " characters";
                        break;
                    }
                }
            }
        } catch (RuntimeException e) {
            endReason = "the event stream failed (" + e.getClass().getSimpleName() + ")";
        } finally {
            events.add(END);
        }
    }

    /** The next event named {@code name} (others skipped) before {@code deadlineNanos}. */
    Event next(String name, long deadlineNanos) throws UpstreamException {
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            Event e;
            try {
                e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new UpstreamException("interrupted");
            }
            if (e == null) {
                throw new UpstreamException("no " + name + " event on the HTTP+SSE stream in time");
            }
            if (e == END) {
                events.add(END); // stays ended for the next caller
                throw new UpstreamException(endReason + " before its " + name + " event");
            }
            if (name.equals(e.name())) {
                return e;
            }
        }
    }

    @Override
    public void close() {
        Stream<String> body = lines.getAndSet(null);
        if (body != null) {
            body.close();
        }
    }
}
