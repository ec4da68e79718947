package io.warden.bench.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One closed-loop run: {@code workers} callers, each sending its next {@code tools/call} as soon as the previous one is
 * answered, first for a warm-up period (not recorded), then for a measured period. Every answer is checked to be the
 * echo of what was sent. Everything runs on one event loop of the driver's Vert.x instance, so the histogram and the
 * counters need no synchronisation.
 */
public final class LoadRun {

    /** What happened at the two edges of the measured period, e.g. CPU counters of the processes involved. */
    public interface Edges {
        void measureStarted();

        void measureEnded();
    }

    /**
     * @param calls        correct answers to calls started and finished inside the measured period
     * @param errors       wrong or failed answers in the measured period
     * @param warmupErrors wrong or failed answers during warm-up
     * @param firstError   the first problem seen, or null
     * @param seconds      length of the measured period
     * @param latency      round-trip times of the counted calls, in nanoseconds
     */
    public record Result(Target target, int workers, long calls, long errors, long warmupErrors, String firstError, double seconds,
                  Histogram latency) {

        public double throughput() {
            return calls / seconds;
        }

        public boolean valid() {
            return errors == 0 && warmupErrors == 0 && calls > 0;
        }

        public double millis(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1e6;
        }
    }

    private enum Phase { WARMUP, MEASURE, DONE }

    private static final long CALL_TIMEOUT_MS = 10_000;

    private final Vertx vertx;
    private final HttpClient client;
    private final Target target;
    private final int workers;
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final Promise<Result> done = Promise.promise();
    private final Edges edges;
    private Phase phase = Phase.WARMUP;
    private long measureStart;
    private long measureEnd;
    private long seq;
    private long calls;
    private long errors;
    private long warmupErrors;
    private String firstError;
    private int running;

    private LoadRun(Vertx vertx, HttpClient client, Target target, int workers, Edges edges) {
        this.vertx = vertx;
        this.client = client;
        this.target = target;
        this.workers = workers;
        this.edges = edges;
    }

    /** Starts the run on a context of {@code vertx}; {@code client} must belong to the same Vert.x instance. */
    public static Future<Result> start(Vertx vertx, HttpClient client, Target target, int workers, Duration warmup, Duration measure,
                                Edges edges) {
        LoadRun run = new LoadRun(vertx, client, target, workers, edges);
        vertx.getOrCreateContext().runOnContext(v -> run.begin(warmup, measure));
        return run.done.future();
    }

    private void begin(Duration warmup, Duration measure) {
        vertx.setTimer(warmup.toMillis(), t -> {
            edges.measureStarted();
            measureStart = System.nanoTime();
            phase = Phase.MEASURE;
        });
        vertx.setTimer(warmup.toMillis() + measure.toMillis(), t -> {
            measureEnd = System.nanoTime();
            phase = Phase.DONE;
            edges.measureEnded();
        });
        running = workers;
        for (int w = 0; w < workers; w++) {
            next(w);
        }
    }

    private void next(int worker) {
        if (phase == Phase.DONE) {
            if (--running == 0) {
                done.complete(new Result(target, workers, calls, errors, warmupErrors, firstError,
                        (measureEnd - measureStart) / 1e9, latency));
            }
            return;
        }
        long id = ++seq;
        String message = "w" + worker + "-" + id;
        Buffer body = McpMessages.echoCall(target.era(), id, message);
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(target.port())
                .setURI(target.path())
                .setHeaders(target.headers("tools/call", "echo"))
                .setIdleTimeout(CALL_TIMEOUT_MS);
        long started = System.nanoTime();
        client.request(ro)
                .compose(req -> req.send(body))
                .compose(resp -> resp.body().map(b -> check(resp, b, id, message)))
                .onComplete(ar -> {
                    long ended = System.nanoTime();
                    String problem = ar.succeeded() ? ar.result() : "request failed: " + ar.cause();
                    count(started, ended, problem);
                    next(worker);
                });
    }

    private static String check(HttpClientResponse resp, Buffer body, long id, String message) {
        return McpMessages.checkEcho(resp.statusCode(), resp.getHeader("Content-Type"), body, id, message);
    }

    private void count(long started, long ended, String problem) {
        if (problem != null && firstError == null) {
            firstError = problem;
        }
        if (phase == Phase.WARMUP || started < measureStart) {
            if (problem != null) {
                warmupErrors++;
            }
            return;
        }
        if (phase != Phase.MEASURE) {
            return; // finished after the end of the measured period
        }
        if (problem != null) {
            errors++;
        } else {
            calls++;
            latency.recordValue(Math.min(ended - started, latency.getHighestTrackableValue()));
        }
    }
}
