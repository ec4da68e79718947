package io.warden.gateway.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.warden.api.DecisionEvent;
import io.warden.api.GatewayHeartbeat;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The one asynchronous way decision events leave the gateway, whatever their destination (a JSON-lines file, Kafka, or
 * both): {@link #publish} only offers the event to a bounded queue; one daemon thread drains it, encodes each event as
 * one JSON object, and hands the batch to an {@link Appender}. When the queue is full the event is dropped and counted:
 * the request path never waits for a disk or a broker. An event whose JSON would exceed {@link #MAX_LINE_BYTES}, or
 * whose argument snapshot cannot be serialised, is first written without the snapshot (counted in {@link #degraded()})
 * before anything is dropped. While the queue is idle the appender gets {@link Appender#idle()} calls, for retries.
 *
 * <p>The file appender ({@link FileAppender}) appends lines with {@code O_APPEND}, so copy-and-truncate log rotation
 * works; they are not fsync'ed. After a write error the file is reopened on the next batch.
 */
public final class AsyncDecisionSink implements DecisionSink, AutoCloseable {

    /** Longest line written with its argument snapshot; a longer event loses the snapshot first. */
    public static final int MAX_LINE_BYTES = 256 * 1024;

    private static final System.Logger LOG = System.getLogger(AsyncDecisionSink.class.getName());
    /** How long the writer waits for an event before giving the appender an {@link Appender#idle()} call. */
    private static final long IDLE_MILLIS = 500;
    private static final int MAX_BATCH_EVENTS = 512;
    private static final int FLUSH_BYTES = 1024 * 1024;
    private static final long CLOSE_WAIT_SECONDS = 10;
    /** Wakes the writer on close; never written. */
    private static final Object STOP = new Object();

    private final String name;
    private final int capacity;
    private final BlockingQueue<Object> queue;
    private final ObjectWriter writer;
    private final Appender appender;
    private final AtomicLongArray drops = new AtomicLongArray(DropCause.values().length);
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong degraded = new AtomicLong();
    private final Thread thread;
    /** The writer thread's generator over its batch buffer; only that thread touches it. */
    private JsonGenerator generator;
    private volatile boolean closed;
    /** Events of the current batch the appender reported lost; only the writer thread touches it. */
    private int appenderLost;
    /** Whether the appender could take more, as the writer thread last asked it. */
    private volatile boolean appenderRoom = true;
    /** Set once by {@link #heartbeats}; read by the writer thread. */
    private volatile Heartbeats heartbeats;
    /** How long the writer waits after a batch before taking the next one (see {@link #linger}). */
    private volatile long lingerNanos;
    /** When the writer sends the next heartbeat ({@link System#nanoTime()}); only the writer thread touches it. */
    private long nextHeartbeat;

    /** What a heartbeat needs: whose sequence it reports, how often, and the clock its time comes from. */
    private record Heartbeats(String gatewayId, EventSequence sequence, long everyNanos, java.time.Clock clock) {}

    /**
     * Opens (creating it and its directories if needed) the file for appending and starts the writer thread.
     *
     * @throws UncheckedIOException when the file cannot be opened for appending
     */
    public static AsyncDecisionSink toFile(Path file, int queueCapacity, ObjectMapper mapper) {
        return new AsyncDecisionSink(FileAppender.open(file), queueCapacity, mapper, file.toString());
    }

    /** A sink writing to {@code appender}; {@code name} appears in log lines. */
    public AsyncDecisionSink(Appender appender, int queueCapacity, ObjectMapper mapper, String name) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("decision log queue capacity must be at least 1, got " + queueCapacity);
        }
        this.appender = Objects.requireNonNull(appender, "appender");
        this.name = name;
        this.capacity = queueCapacity;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        // One event, one line, whatever the shared mapper is configured to do. Blackbird replaces the reflective
        // accessor calls of the event records with generated lambdas: reflection was an eighth of the writer's time.
        this.writer = mapper.copy().registerModule(new BlackbirdModule()).writer().without(SerializationFeature.INDENT_OUTPUT);
        this.thread = new Thread(this::drainLoop, "warden-decision-sink");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Sends a {@link GatewayHeartbeat} every {@code every} (and a last one on close) through the same appender as the
     * events, so the audit service learns this instance's sequence and drops even while no decisions flow.
     */
    public AsyncDecisionSink heartbeats(String gatewayId, EventSequence sequence, java.time.Duration every,
                                        java.time.Clock clock) {
        this.heartbeats = new Heartbeats(gatewayId, sequence, every.toNanos(), clock);
        return this;
    }

    /**
     * After each batch the writer waits {@code linger} before taking the next, so the events that arrive meanwhile go
     * out in one write. While it waits it is not blocked on the queue, so {@link #publish} wakes no thread; only an
     * idle writer (empty queue) is woken, by the first event. Each event is delayed by at most {@code linger}.
     */
    public AsyncDecisionSink linger(java.time.Duration linger) {
        if (linger.isNegative()) {
            throw new IllegalArgumentException("decision log linger must not be negative, got " + linger);
        }
        this.lingerNanos = linger.toNanos();
        return this;
    }

    /** Events lost so far, by cause tag. */
    public java.util.Map<String, Long> dropsByCause() {
        java.util.Map<String, Long> byCause = new java.util.TreeMap<>();
        for (DropCause cause : DropCause.values()) {
            byCause.put(cause.tag(), drops.get(cause.ordinal()));
        }
        return byCause;
    }

    @Override
    public void publish(DecisionEvent event) {
        if (event == null) {
            return;
        }
        if (closed) {
            drop(DropCause.CLOSED, 1, null);
        } else if (!queue.offer(event)) {
            drop(DropCause.QUEUE_FULL, 1, null);
        }
    }

    @Override
    public void countDrop(DropCause cause) {
        drop(cause, 1, null);
    }

    @Override
    public boolean hasRoom() {
        return !closed && appenderRoom && queue.remainingCapacity() > 0;
    }

    /** Events lost, all causes together. */
    public long dropped() {
        long total = 0;
        for (int i = 0; i < drops.length(); i++) {
            total += drops.get(i);
        }
        return total;
    }

    /** Events lost for one cause. */
    public long dropped(DropCause cause) {
        return drops.get(cause.ordinal());
    }

    /** Events appended to the file (including degraded ones). */
    public long written() {
        return written.get();
    }

    /** Events written without their argument snapshot, because it was too large or not serialisable. */
    public long degraded() {
        return degraded.get();
    }

    /** Events waiting to be written. */
    public int queued() {
        return queue.size();
    }

    /** Stops accepting events, writes what is queued (waiting up to ten seconds), and closes the file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.offer(STOP); // if the queue is full the writer is busy and sees 'closed' after its batch
        java.util.concurrent.locks.LockSupport.unpark(thread); // cuts a linger short
        try {
            thread.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "decision sink {0}: writer did not finish within {1} s of close; "
                    + "closing the destination anyway", name, CLOSE_WAIT_SECONDS);
        }
        int left = 0;
        for (Object item; (item = queue.poll()) != null; ) {
            left += item == STOP ? 0 : 1;
        }
        if (left > 0) {
            drop(DropCause.CLOSED, left, null);
        }
        try {
            appender.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "decision sink {0}: closing failed: {1}", name, e.toString());
        }
    }

    private void drainLoop() {
        List<Object> batch = new ArrayList<>(MAX_BATCH_EVENTS);
        Batch out = new Batch(this::lost);
        while (!(closed && queue.isEmpty())) {
            Object first;
            try {
                first = queue.poll(IDLE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // nobody but close() stops this thread, and it does so with STOP
            }
            if (first == null) {
                idle();
                appenderRoom = accepting();
                heartbeat(false);
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH_EVENTS - 1);
            for (Object item : batch) {
                if (item == STOP) {
                    continue;
                }
                DecisionEvent event = (DecisionEvent) item;
                if (!encode(event, out.lines)) {
                    continue;
                }
                out.add(event.grantId());
                if (out.lines.size() >= FLUSH_BYTES) {
                    append(out);
                }
            }
            append(out);
            boolean full = batch.size() >= MAX_BATCH_EVENTS;
            batch.clear();
            appenderRoom = accepting();
            heartbeat(false);
            long linger = lingerNanos;
            if (linger > 0 && !full && !closed) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, linger);
            }
        }
        heartbeat(true);
    }

    /**
     * Appends a heartbeat when one is due (always when {@code last}), in a batch of its own, keyed by the instance. A
     * heartbeat is not an event: a lost one counts nowhere, the next one carries the same totals.
     */
    private void heartbeat(boolean last) {
        Heartbeats h = heartbeats;
        long now = System.nanoTime();
        if (h == null || !last && now - nextHeartbeat < 0) {
            return;
        }
        nextHeartbeat = now + h.everyNanos();
        GatewayHeartbeat beat = GatewayHeartbeat.of(h.clock().instant(), h.gatewayId(), h.sequence().instance(),
                h.sequence().last(), dropsByCause(), last);
        Batch one = new Batch((cause, count) -> { });
        try {
            byte[] json = writer.writeValueAsBytes(beat);
            one.lines.write(json, 0, json.length);
            one.add(beat.instance());
            appender.append(one);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "decision sink {0}: heartbeat not written: {1}", name, e.toString());
        }
    }

    private void append(Batch out) {
        int count = out.size();
        if (count == 0) {
            return;
        }
        try {
            appenderLost = 0;
            appender.append(out);
            written.addAndGet(count - appenderLost);
        } catch (IOException | RuntimeException e) {
            drop(DropCause.WRITE_ERROR, count, e);
        } finally {
            out.reset();
        }
    }

    private boolean accepting() {
        try {
            return appender.accepting();
        } catch (RuntimeException e) {
            return true; // unknown: the drop counters will tell
        }
    }

    private void idle() {
        try {
            appender.idle();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "decision sink {0}: idle work failed: {1}", name, e.toString());
        }
    }

    /**
     * One batch of encoded events: their JSON lines back to back (each ended by {@code '\n'}), and for each event its key
     * (the grant id, which keeps one grant's events in order on a partitioned topic) and where its JSON lies.
     */
    public static final class Batch {
        final Lines lines = new Lines(64 * 1024);
        private final java.util.function.ObjIntConsumer<DropCause> losses;
        private String[] keys = new String[64];
        private int[] ends = new int[64];
        private int size;

        Batch(java.util.function.ObjIntConsumer<DropCause> losses) {
            this.losses = losses;
        }

        /** The appender could not keep {@code count} events of this batch: they are counted as dropped for {@code cause}. */
        public void lost(DropCause cause, int count) {
            losses.accept(cause, count);
        }

        void add(String key) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                ends = Arrays.copyOf(ends, size * 2);
            }
            lines.write('\n');
            keys[size] = key;
            ends[size] = lines.size();
            size++;
        }

        void reset() {
            lines.reset();
            size = 0;
        }

        public int size() {
            return size;
        }

        /** Every event of the batch, one JSON object per line. A fresh copy. */
        public byte[] lines() {
            return lines.toByteArray();
        }

        /** Writes the lines to {@code out} without copying them. */
        public void writeLinesTo(java.io.OutputStream out) throws IOException {
            lines.writeTo(out);
        }

        public String key(int i) {
            return keys[i];
        }

        /** The JSON of event {@code i}, without its line end. A fresh copy. */
        public byte[] event(int i) {
            int start = i == 0 ? 0 : ends[i - 1];
            return Arrays.copyOfRange(lines.buffer(), start, ends[i] - 1);
        }
    }

    /**
     * Appends the event's JSON to {@code lines}, or the event without its snapshot when that is too large or fails; false
     * (and counted) when nothing works, with {@code lines} as it was.
     */
    private boolean encode(DecisionEvent event, Lines lines) {
        int mark = lines.size();
        boolean ok = serialize(event, lines);
        if ((!ok || lines.size() - mark > MAX_LINE_BYTES) && event.arguments() != null) {
            byte[] full = ok ? lines.copyFrom(mark) : null; // written after all if the shed event fails too
            lines.truncate(mark);
            if (serialize(event.withoutArguments(), lines)) {
                degraded.incrementAndGet();
                return true;
            }
            lines.truncate(mark);
            if (full != null) {
                lines.write(full, 0, full.length);
            }
        }
        if (!ok) {
            drop(DropCause.ENCODE_ERROR, 1, null);
        }
        return ok;
    }

    /**
     * Writes one event's JSON to {@code lines} through the writer thread's generator, created once and reused: a
     * generator per event costs more than the event. After a failure the partial output is cut off and the generator,
     * whose state is then unknown, is replaced.
     */
    private boolean serialize(DecisionEvent event, Lines lines) {
        int mark = lines.size();
        try {
            if (generator == null) {
                generator = writer.createGenerator(lines);
                generator.setRootValueSeparator(null); // lines are separated by '\n' written outside the generator
            }
            writer.writeValue(generator, event);
            generator.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            generator = null; // the exception text may quote argument values: never logged
            lines.truncate(mark);
            return false;
        }
    }

    /** A growable byte buffer whose tail can be cut off, so a failed or oversized event leaves no trace. */
    static final class Lines extends ByteArrayOutputStream {
        Lines(int initialCapacity) {
            super(initialCapacity);
        }

        void truncate(int size) {
            count = Math.min(count, size);
        }

        byte[] copyFrom(int from) {
            return Arrays.copyOfRange(buf, from, count);
        }

        byte[] buffer() {
            return buf;
        }
    }

    /** Events of a batch its appender had to give up on (e.g. a full spool): counted and logged like every drop. */
    private void lost(DropCause cause, int count) {
        appenderLost += count;
        drop(cause, count, null);
    }

    private void drop(DropCause cause, int count, Exception error) {
        long before = drops.getAndAdd(cause.ordinal(), count);
        long after = before + count;
        // Log the first drop of each cause, then whenever the count crosses a power of two: visible, never a flood.
        if (Long.numberOfLeadingZeros(before) != Long.numberOfLeadingZeros(after)) {
            LOG.log(System.Logger.Level.WARNING, "decision sink {0}: {1} event(s) dropped so far ({2}): {3}",
                    name, after, cause.tag(), advice(cause, error));
        }
    }

    private String advice(DropCause cause, Exception error) {
        return switch (cause) {
            case QUEUE_FULL -> "the queue of " + capacity + " events is full; raise the decision-log queue capacity "
                    + "or move the file to a faster disk";
            case WRITE_ERROR -> "writing failed (" + error + "); check the path, its permissions and free space";
            case ENCODE_ERROR -> "an event could not be serialised even without its arguments; this is a bug";
            case CLOSED -> "events published after the log was closed";
            case UNAUTHENTICATED_EXCESS -> "more requests without a valid grant token than are recorded per second; "
                    + "the rest are counted only";
            case SPOOL_FULL -> "the broker has been unreachable for so long that the disk spool is full; raise "
                    + "warden.gateway.decision-log.kafka.spool-max-bytes or bring Kafka back";
        };
    }

    /** Where the events go; called by the writer thread only, one call per batch. */
    public interface Appender extends Closeable {
        /** Writes the batch; an exception counts every event of it as lost ({@link DropCause#WRITE_ERROR}). */
        void append(Batch batch) throws IOException;

        /** Called when no event came for a while: time for retries. */
        default void idle() {
        }

        /** Whether an event appended now would be kept; asked by the writer thread after each batch and idle call. */
        default boolean accepting() {
            return true;
        }
    }

    /** Gives every batch to each appender in turn; one failing never keeps the batch from the others. */
    public static Appender both(Appender first, Appender second) {
        return new Appender() {
            @Override
            public void append(Batch batch) throws IOException {
                try {
                    first.append(batch);
                } finally {
                    second.append(batch);
                }
            }

            @Override
            public void idle() {
                first.idle();
                second.idle();
            }

            @Override
            public boolean accepting() {
                return first.accepting() && second.accepting();
            }

            @Override
            public void close() throws IOException {
                try {
                    first.close();
                } finally {
                    second.close();
                }
            }
        };
    }

    /** Appends to a file, reopening it after a failure. */
    public static final class FileAppender implements Appender {
        private final Path file;
        private FileChannel channel;

        private FileAppender(Path file) throws IOException {
            this.file = file;
            this.channel = openChannel();
        }

        public static FileAppender open(Path file) {
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                return new FileAppender(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open decision log " + file + " for appending: " + e, e);
            }
        }

        private FileChannel openChannel() throws IOException {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }

        @Override
        public void append(Batch batch) throws IOException {
            try {
                if (channel == null) {
                    channel = openChannel();
                }
                ByteBuffer buffer = ByteBuffer.wrap(batch.lines.buffer(), 0, batch.lines.size());
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                closeQuietly();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }

        private void closeQuietly() {
            try {
                close();
            } catch (IOException ignored) {
                // reopened on the next batch
            }
        }
    }
}
