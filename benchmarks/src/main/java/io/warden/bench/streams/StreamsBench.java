package io.warden.bench.streams;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.warden.bench.gateway.GatewayMetrics;
import io.warden.bench.gateway.GrantToken;
import io.warden.bench.gateway.ManagedProcess;
import io.warden.bench.gateway.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The streams-per-pod load run. Starts {@link StreamUpstream} and one gateway process, then, for the upstream reached
 * directly and for the gateway in front of it: call latency with no streams open; streams opened in steps up to
 * {@code --target} (each a client session: {@code initialize}, then a standalone GET stream held open), with the gateway's
 * RSS and heap after a full GC at each step; call latency with all of them connected. A step where streams fail ends
 * the ramp: the count held then is the ceiling, reported with the first errors. Prints a Markdown report.
 */
public final class StreamsBench {

    static final String VERSION = "2025-11-25";
    static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\""
            + VERSION + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"streams-bench\",\"version\":\"1\"}}}";
    static final double TARGET_KIB_PER_STREAM = 30;

    /** Where a client sends: the upstream itself or the gateway's route to it. */
    record Endpoint(String label, int port, String path, String token) {
        RequestOptions request(HttpMethod method, String session) {
            RequestOptions ro = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path)
                    .putHeader("MCP-Protocol-Version", VERSION);
            if (token != null) {
                ro.putHeader("Authorization", "Bearer " + token);
            }
            if (session != null) {
                ro.putHeader("Mcp-Session-Id", session);
            }
            if (method == HttpMethod.GET) {
                ro.putHeader("Accept", "text/event-stream");
            } else {
                ro.putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json");
            }
            return ro;
        }
    }

    /** Calls measured; {@code gatewayMicros}: the gateway's own mean time per call (its metrics), NaN for the direct run. */
    record Latency(long calls, long errors, double p50ms, double p99ms, double maxMs, double gatewayMicros) {}

    record Step(int streams, long rssKib, long heapKib, int gatewayCount) {}

    private final Vertx vertx = Vertx.vertx();
    private final List<ManagedProcess> processes = new ArrayList<>();
    private int gatewayPort;
    private int target = 10_000;
    private int step = 1_000;
    private int opening = 64;
    private int workers = 8;
    private Duration warmup = Duration.ofSeconds(20);
    private Duration measure = Duration.ofSeconds(10);
    private String gatewayHeap = "1g";
    /** The gateway reaches the upstream's streams over h2c ({@code http2: true}); calls are measured both ways. */
    private boolean upstreamHttp2 = true;
    private Path jar;
    private Path work;

    public static void main(String[] args) throws Exception {
        StreamsBench b = new StreamsBench();
        try {
            b.parse(args);
            System.out.println(b.run());
        } finally {
            b.close();
        }
        System.exit(0);
    }

    private void parse(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--target" -> target = Integer.parseInt(v);
                case "--step" -> step = Integer.parseInt(v);
                case "--opening" -> opening = Integer.parseInt(v);
                case "--workers" -> workers = Integer.parseInt(v);
                case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(v));
                case "--measure" -> measure = Duration.ofSeconds(Long.parseLong(v));
                case "--gateway-heap" -> gatewayHeap = v;
                case "--upstream-http2" -> upstreamHttp2 = Boolean.parseBoolean(v);
                case "--gateway-jar" -> jar = Path.of(v).toAbsolutePath();
                case "--work-dir" -> work = Path.of(v).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --target 10000"
                        + " --step 1000 --opening 64 --workers 8 --warmup 20 --measure 10 --gateway-heap 1g"
                        + " --upstream-http2 true --gateway-jar PATH --work-dir DIR");
            }
        }
        if (jar == null) {
            jar = Options.findUp(Path.of("gateway-service", "target", "quarkus-app", "quarkus-run.jar"));
        }
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("gateway jar not found: ./mvnw -B -q -pl gateway-service -am package"
                    + " -DskipTests, or pass --gateway-jar");
        }
        if (work == null) {
            Path bench = Options.findUp(Path.of("benchmarks", "pom.xml"));
            work = (bench != null ? bench.getParent().resolve("target") : Path.of("target")).resolve("streams-bench");
        }
    }

    private String run() throws Exception {
        Files.createDirectories(work);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        ManagedProcess upstream = started(ManagedProcess.start("stream-upstream", List.of(ManagedProcess.javaBinary(), "-Xmx512m", "-cp",
                        ManagedProcess.classpath(StreamsBench.class), StreamUpstream.class.getName(), "--port", "0"), work, work.resolve("upstream.log"),
                line -> line.startsWith(StreamUpstream.READY_PREFIX) ? line.substring(StreamUpstream.READY_PREFIX.length()) : null));
        int upstreamPort = Integer.parseInt(upstream.awaitReady(Duration.ofSeconds(30)).trim());
        GrantToken grant = GrantToken.mint();
        GrantToken grant1 = GrantToken.mint();
        Path config = work.resolve("warden-streams.yaml");
        // The same upstream twice: "up" as configured for the run (h2c by default) carries the streams, "up1" over
        // HTTP/1.1 measures calls the other way in the same run.
        Files.writeString(config, """
                # Written by io.warden.bench.streams.StreamsBench for one run.
                servers:
                  - {id: up, era: legacy, http2: %s, url: "http://127.0.0.1:%d/mcp"}
                  - {id: up1, era: legacy, url: "http://127.0.0.1:%d/mcp"}
                grants:
                  - {id: bench, server: up, token_hash: "%s", policy: allow}
                  - {id: bench1, server: up1, token_hash: "%s", policy: allow}
                policies:
                  allow: {version: "1", default: allow}
                """.formatted(upstreamHttp2, upstreamPort, upstreamPort, grant.hash(), grant1.hash()), StandardCharsets.UTF_8);
        gatewayPort = ManagedProcess.freePort();
        // One grant opens every stream: its own budgets are lifted so that the pod's limits are what is measured.
        List<String> cmd = List.of(ManagedProcess.javaBinary(), "-Xmx" + gatewayHeap, "-Dquarkus.http.port=" + gatewayPort,
                "-Dwarden.gateway.standalone.file=" + config,
                "-Dwarden.gateway.decision-log.file=" + work.resolve("decisions.jsonl"),
                "-Dwarden.gateway.limits.max-concurrent-streams=" + (target * 2),
                "-Dwarden.gateway.limits.max-streams-per-grant=" + (target * 2),
                "-Dwarden.gateway.limits.max-sessions-per-grant-per-minute=" + (target * 10),
                "-jar", jar.toString());
        ManagedProcess gateway = started(ManagedProcess.start("gateway", cmd, work, work.resolve("gateway.log"),
                line -> line.contains("Listening on") ? "up" : null));
        gateway.awaitReady(Duration.ofSeconds(120));

        Endpoint direct = new Endpoint("direct", upstreamPort, "/mcp", null);
        Endpoint through = new Endpoint(upstreamHttp2 ? "gateway, upstream over h2c" : "gateway", gatewayPort, "/mcp/up",
                grant.token());
        Endpoint through1 = new Endpoint("gateway, calls over HTTP/1.1", gatewayPort, "/mcp/up1", grant1.token());
        StringBuilder report = new StringBuilder();
        report.append("## Streams per pod: run of ").append(java.time.Instant.now()).append("\n\n");
        report.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load average before: ")
                .append(loadBefore).append("; open-file limit of every process: ").append(fileLimit()).append("\n\n");

        // The upstream alone, as the baseline of the same run.
        latency(direct, warmup); // JIT of both sides
        Latency directIdle = latency(direct, measure);
        Ramp directRamp = ramp(direct, null, upstream);
        Latency directBusy = latency(direct, measure);
        int directHeld = directRamp.held();
        directRamp.close();
        awaitUpstreamStreams(upstreamPort, 0);
        Latency directAfter = latency(direct, measure);

        latency(through, warmup);
        latency(through1, warmup);
        Latency gatewayIdle = latency(through, measure);
        Latency gateway1Idle = latency(through1, measure);
        Ramp gatewayRamp = ramp(through, gateway, upstream);
        Latency gatewayBusy = latency(through, measure);
        Latency gateway1Busy = latency(through1, measure);
        int gatewayHeld = gatewayRamp.held();
        String upstreamConnections = upstreamStat(upstreamPort, "/stats/connections");
        gatewayRamp.close();
        awaitUpstreamStreams(upstreamPort, 0);
        // Once more without streams, now that the gateway is as warm as when they were held.
        Latency gatewayAfter = latency(through, measure);
        Latency gateway1After = latency(through1, measure);

        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        report.append("Echo calls, ").append(workers).append(" closed-loop callers on one session, ")
                .append(measure.toSeconds()).append(" s each; p50 / p99 / max in ms:\n\n");
        report.append("| | streams held | no streams, before the ramp | streams held | no streams, after the ramp (warm) |\n");
        report.append("|---|---:|---|---|---|\n");
        report.append(row(direct.label(), directHeld, directIdle, directBusy, directAfter));
        report.append(row(through.label(), gatewayHeld, gatewayIdle, gatewayBusy, gatewayAfter));
        report.append(row(through1.label() + " (streams held on the h2c route)", gatewayHeld, gateway1Idle, gateway1Busy,
                gateway1After));
        report.append("\nUpstream connections with ").append(gatewayHeld).append(" streams held through the gateway: ")
                .append(upstreamConnections).append(" (including the callers' pools).\n");
        report.append("\nGateway memory by streams held (RSS; heap used after a full GC; `warden_streams_active`):\n\n");
        report.append("| streams | RSS MiB | heap MiB | gauge | RSS KiB / stream | heap KiB / stream |\n|---:|---:|---:|---:|---:|---:|\n");
        Step zero = gatewayRamp.steps().get(0);
        for (Step s : gatewayRamp.steps()) {
            report.append(String.format("| %d | %.1f | %.1f | %d | %s | %s |%n", s.streams(), s.rssKib() / 1024.0,
                    s.heapKib() / 1024.0, s.gatewayCount(), perStream(s.rssKib() - zero.rssKib(), s.streams()),
                    perStream(s.heapKib() - zero.heapKib(), s.streams())));
        }
        Step last = gatewayRamp.steps().get(gatewayRamp.steps().size() - 1);
        if (last.streams() > 0) {
            double rssPer = (last.rssKib() - zero.rssKib()) / (double) last.streams();
            double heapPer = (last.heapKib() - zero.heapKib()) / (double) last.streams();
            report.append(String.format("%nPer 1,000 streams: RSS %.1f MiB, heap %.1f MiB (target <= %.0f KiB per stream: RSS %s,"
                            + " heap %s).%n", rssPer * 1000 / 1024, heapPer * 1000 / 1024, TARGET_KIB_PER_STREAM,
                    rssPer <= TARGET_KIB_PER_STREAM ? "met" : "MISSED", heapPer <= TARGET_KIB_PER_STREAM ? "met" : "MISSED"));
        }
        Step up = directRamp.steps().get(directRamp.steps().size() - 1);
        report.append(String.format("Upstream alone: RSS %.1f MiB with %d streams held directly.%n", up.rssKib() / 1024.0,
                up.streams()));
        for (Ramp r : List.of(directRamp, gatewayRamp)) {
            if (!r.errors().isEmpty()) {
                report.append("\n").append(r.label()).append(": the ramp stopped at ")
                        .append(r.steps().get(r.steps().size() - 1).streams())
                        .append(" streams; first errors: ").append(String.join("; ", r.errors())).append("\n");
            }
        }
        report.append("\nLoad average after: ").append(loadAfter).append("\n");
        Files.writeString(work.resolve("report.md"), report.toString(), StandardCharsets.UTF_8);
        return report.toString();
    }

    private static String row(String label, int held, Latency... phases) {
        StringBuilder r = new StringBuilder("| ").append(label).append(" | ").append(held).append(" |");
        for (Latency l : phases) {
            r.append(String.format(" %.2f / %.2f / %.1f (%d calls, %d errors%s) |", l.p50ms(), l.p99ms(), l.maxMs(),
                    l.calls(), l.errors(), own(l)));
        }
        return r.append("\n").toString();
    }

    private static String own(Latency l) {
        return Double.isNaN(l.gatewayMicros()) ? "" : String.format("; gateway's own time %.0f us", l.gatewayMicros());
    }

    private static String perStream(long kib, int streams) {
        return streams == 0 ? "-" : String.format("%.1f", kib / (double) streams);
    }

    // ---- streams --------------------------------------------------------------------------------

    /** The streams one ramp holds open, and what was measured on the way. */
    record Ramp(String label, HttpClient client, AtomicInteger open, List<Step> steps, List<String> errors) {
        int held() {
            return open.get();
        }

        void close() throws Exception {
            client.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Opens streams in steps of {@code step} up to {@code target}, {@code opening} sessions at a time; measures the
     * process ({@code measured}: the gateway, or the upstream for the direct run) after each step.
     */
    private Ramp ramp(Endpoint e, ManagedProcess measured, ManagedProcess upstream) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(30_000)
                .setIdleTimeout(0), new PoolOptions().setHttp1MaxSize(target + opening + 16).setMaxWaitQueueSize(-1));
        Ramp r = new Ramp(e.label(), client, new AtomicInteger(), new ArrayList<>(), new ArrayList<>());
        ManagedProcess p = measured != null ? measured : upstream;
        r.steps().add(measure(p, measured != null, 0));
        System.out.printf("%s: %d streams, RSS %d KiB%n", e.label(), 0, r.steps().get(0).rssKib());
        for (int n = step; n <= target && r.errors().isEmpty(); n += step) {
            int want = n - r.held();
            long t0 = System.nanoTime();
            open(e, r, want).toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
            Step s = measure(p, measured != null, r.held());
            r.steps().add(s);
            System.out.printf("%s: %d streams held (%d errors) in %.1f s, RSS %d KiB, heap %d KiB, gauge %d%n", e.label(),
                    r.held(), r.errors().size(), (System.nanoTime() - t0) / 1e9, s.rssKib(), s.heapKib(), s.gatewayCount());
        }
        return r;
    }

    /** Opens {@code count} sessions with their GET streams, {@code opening} at a time; failures are noted, not thrown. */
    private Future<Void> open(Endpoint e, Ramp r, int count) {
        Promise<Void> done = Promise.promise();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.incrementAndGet() > count) {
                return;
            }
            openOne(e, r).onComplete(ar -> {
                if (ar.failed() && r.errors().size() < 5) {
                    synchronized (r.errors()) {
                        r.errors().add(String.valueOf(ar.cause().getMessage()));
                    }
                }
                if (finished.incrementAndGet() == count) {
                    done.complete();
                } else {
                    next[0].run();
                }
            });
        };
        if (count <= 0) {
            return Future.succeededFuture();
        }
        for (int i = 0; i < Math.min(opening, count); i++) {
            vertx.runOnContext(v -> next[0].run());
        }
        return done.future();
    }

    private Future<Void> openOne(Endpoint e, Ramp r) {
        HttpClient client = r.client();
        return client.request(e.request(HttpMethod.POST, null))
                .compose(req -> req.send(INIT))
                .compose(resp -> resp.body().compose(b -> {
                    String session = resp.getHeader("Mcp-Session-Id");
                    return resp.statusCode() == 200 && session != null ? Future.succeededFuture(session)
                            : Future.failedFuture("initialize: HTTP " + resp.statusCode() + " " + cut(b));
                }))
                .compose(session -> client.request(e.request(HttpMethod.GET, session)))
                .compose(req -> req.send())
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        return resp.body().compose(b -> Future.failedFuture("GET: HTTP " + resp.statusCode() + " " + cut(b)));
                    }
                    r.open().incrementAndGet();
                    AtomicInteger once = new AtomicInteger();
                    Runnable gone = () -> {
                        if (once.getAndIncrement() == 0) {
                            r.open().decrementAndGet();
                        }
                    };
                    resp.handler(b -> { }); // heartbeats
                    resp.exceptionHandler(t -> gone.run());
                    resp.endHandler(v -> gone.run());
                    return Future.succeededFuture();
                });
    }

    private static String cut(Buffer b) {
        String s = b.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private String upstreamStat(int port, String path) throws Exception {
        HttpClient c = vertx.createHttpClient();
        try {
            return c.request(HttpMethod.GET, port, "127.0.0.1", path).compose(req -> req.send())
                    .compose(resp -> resp.body()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .toString().trim();
        } finally {
            c.close();
        }
    }

    private void awaitUpstreamStreams(int port, int expected) throws Exception {
        HttpClient c = vertx.createHttpClient();
        try {
            for (int i = 0; i < 600; i++) {
                String n;
                try {
                    n = c.request(HttpMethod.GET, port, "127.0.0.1", "/stats").compose(req -> req.send())
                            .compose(resp -> resp.body()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                            .toString();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException busy) {
                    n = "";
                }
                // An empty or odd answer (the upstream busy closing thousands of streams) counts as "not yet".
                if (n.trim().matches("\\d+") && Integer.parseInt(n.trim()) <= expected) {
                    return;
                }
                Thread.sleep(100); // polling another process, not synchronising threads
            }
        } finally {
            c.close();
        }
    }

    // ---- calls ----------------------------------------------------------------------------------

    /** {@code workers} closed-loop callers of {@code tools/call} on one session for {@code period}. */
    private Latency latency(Endpoint e, Duration period) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(workers + 1));
        try {
            String session = client.request(e.request(HttpMethod.POST, null)).compose(req -> req.send(INIT))
                    .compose(resp -> resp.body().map(b -> resp.getHeader("Mcp-Session-Id")))
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            if (session == null) {
                throw new IOException(e.label() + ": initialize gave no session");
            }
            GatewayMetrics before = gatewayMetrics(client, e);
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            AtomicLong errors = new AtomicLong();
            long end = System.nanoTime() + period.toNanos();
            List<Future<Void>> loops = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Promise<Void> p = Promise.promise();
                loops.add(p.future());
                vertx.runOnContext(v -> call(client, e, session, end, h, errors, p, 0));
            }
            Future.all(loops).toCompletionStage().toCompletableFuture().get(period.toSeconds() + 120, TimeUnit.SECONDS);
            double own = gatewayMetrics(client, e).since(before).gatewayMeanMicros();
            synchronized (h) {
                return new Latency(h.getTotalCount(), errors.get(), h.getValueAtPercentile(50) / 1000.0,
                        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, own);
            }
        } finally {
            client.close();
        }
    }

    private GatewayMetrics gatewayMetrics(HttpClient client, Endpoint e) throws Exception {
        return e.token() == null ? GatewayMetrics.NONE : GatewayMetrics.scrape(client, e.port(), e.path().substring("/mcp/".length()))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private void call(HttpClient client, Endpoint e, String session, long end, Histogram h, AtomicLong errors,
                      Promise<Void> done, int n) {
        if (System.nanoTime() >= end) {
            done.complete();
            return;
        }
        Buffer body = Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":" + (n + 2) + ",\"method\":\"tools/call\",\"params\":"
                + "{\"name\":\"echo\",\"arguments\":{\"message\":\"m" + n + "\"}}}");
        long t0 = System.nanoTime();
        client.request(e.request(HttpMethod.POST, session)).compose(req -> req.send(body))
                .compose(resp -> resp.body().map(b -> resp.statusCode() == 200 && b.toString().contains("echo: m" + n)))
                .onComplete(ar -> {
                    long micros = (System.nanoTime() - t0) / 1000;
                    if (ar.succeeded() && ar.result()) {
                        synchronized (h) {
                            h.recordValue(Math.min(micros, h.getHighestTrackableValue()));
                        }
                    } else {
                        errors.incrementAndGet();
                    }
                    call(client, e, session, end, h, errors, done, n + 1);
                });
    }

    // ---- the processes --------------------------------------------------------------------------

    /** RSS from /proc; heap used after a full GC, from the gateway's metrics (gateway only); its stream gauge. */
    private Step measure(ManagedProcess p, boolean gateway, int streams) throws Exception {
        long heap = 0;
        int gauge = -1;
        if (gateway) {
            new ProcessBuilder("jcmd", String.valueOf(p.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(120, TimeUnit.SECONDS);
            String metrics = scrape(gatewayPort);
            for (String line : metrics.split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"")) {
                    heap += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) / 1024;
                } else if (line.startsWith("warden_streams_active ")) {
                    gauge = (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return new Step(streams, rssKib(p.pid()), heap, gauge);
    }

    private String scrape(int port) throws Exception {
        HttpClient c = vertx.createHttpClient();
        try {
            return c.request(HttpMethod.GET, port, "127.0.0.1", "/q/metrics").compose(req -> req.send())
                    .compose(resp -> resp.body()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS)
                    .toString();
        } finally {
            c.close();
        }
    }

    private static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static String fileLimit() {
        try {
            return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                    .map(l -> l.replaceAll("\\s+", " ").replace("Max open files ", "").replace(" files", ""))
                    .findFirst().orElse("?") + " (soft hard)";
        } catch (IOException e) {
            return "?";
        }
    }

    private ManagedProcess started(ManagedProcess p) {
        processes.add(p);
        return p;
    }

    private void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        vertx.close();
    }
}
