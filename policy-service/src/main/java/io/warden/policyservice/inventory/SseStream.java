package io.warden.policyservice.inventory;

import io.warden.policyservice.inventory.McpToolsClient.UpstreamException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open {@code text/event-stream} GET: its transport feeds it the body line by line ({@link #line}) and parses
 * nothing itself, and the caller waits for an event with a deadline. Bounded: an event longer than
 * {@value #MAX_EVENT_CHARS} characters, or more than {@value #MAX_EVENTS} events, end the stream. Closing cancels the
 * exchange.
 */
final class SseStream implements AutoCloseable {
    static final int MAX_EVENT_CHARS = 8 * 1024 * 1024;
    static final int MAX_EVENTS = 10_000;

    record Event(String name, String data) {}

    private static final Event END = new Event(null, null);

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Runnable cancel;
    private volatile String endReason = "the event stream ended";
    private String name;
    private final StringBuilder data = new StringBuilder();
    private int count;

    /** @param cancel ends the exchange (called on {@link #close}) */
    SseStream(Runnable cancel) {
        this.cancel = cancel;
    }

    /** Why a GET answer is not an event stream to read, or null when it is. */
    static UpstreamException refusal(int status, String contentType) {
        if (status == 200 && contentType.startsWith("text/event-stream")) {
            return null;
        }
        return new UpstreamException("the HTTP+SSE endpoint answered HTTP " + status
                + (contentType.isEmpty() ? "" : " (" + contentType.split(";")[0] + ")") + " instead of an event stream");
    }

    /**
     * Parses one line (without its line break) as the SSE format defines events: {@code event:} and {@code data:}
     * lines up to a blank line. False once the stream is over: the transport stops reading.
     */
    synchronized boolean line(String line) {
        if (ended.get()) {
            return false;
        }
        if (line.isEmpty()) {
            if (data.length() > 0 || name != null) {
                if (++count > MAX_EVENTS) {
                    end("the event stream sent more than " + MAX_EVENTS + " events");
                    return false;
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
                end("an event is longer than " + MAX_EVENT_CHARS + " characters");
                return false;
            }
        }
        return true;
    }

    /** The stream is over; {@code reason} null: it ended normally. Only the first call counts. */
    void end(String reason) {
        if (ended.compareAndSet(false, true)) {
            if (reason != null) {
                endReason = reason;
            }
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
        end(null);
        cancel.run();
    }
}
