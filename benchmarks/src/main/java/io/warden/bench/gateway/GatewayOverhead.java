package io.warden.bench.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Gateway overhead (issue 2): {@code tools/call} round trips of an echo tool, direct to an MCP upstream and through the
 * Warden gateway, on the same machine in the same run. Starts the upstream(s) and the packaged gateway as separate
 * processes, alternates direct and gateway runs for every concurrency, and prints throughput, latency percentiles, the
 * latency the gateway adds, and CPU time per call of every process. See benchmarks/README.md and docs/benchmarks.md.
 */
public final class GatewayOverhead {

    static final double TARGET_ADDED_P50_MS = 0.5;
    static final double TARGET_ADDED_P99_MS = 2.0;
    static final double TARGET_RATIO = 0.8;

    /** An upstream MCP server: the Java echo server or the Node fixture. */
    private record Upstream(String id, int port, ManagedProcess process, GrantToken grant) {
    }

    /** One running gateway; {@code decisionLog} names its decision-log set-up, {@code decisions} is its file or null. */
    private record Gateway(String label, String decisionLog, int port, ManagedProcess process, Path decisions) {
    }

    /** CPU ticks of the driver, the upstream, all gateways and the whole machine at one moment. */
    private record Ticks(long driver, long upstream, long gateways, long machine) {
        Ticks minus(Ticks o) {
            return new Ticks(driver - o.driver, upstream - o.upstream, gateways - o.gateways, machine - o.machine);
        }

        Ticks plus(Ticks o) {
            return new Ticks(driver + o.driver, upstream + o.upstream, gateways + o.gateways, machine + o.machine);
        }

        /** Busy CPU of everything else on the machine (other processes, the kernel's own work), in ticks. */
        long others() {
            return machine - driver - upstream - gateways;
        }
    }

    /** Everything measured for one (era, upstream, workers, target) over all rounds. */
    private static final class Total {
        final org.HdrHistogram.Histogram latency = new org.HdrHistogram.Histogram(60_000_000_000L, 3);
        long calls;
        long errors;
        double seconds;
        Ticks cpu = new Ticks(0, 0, 0, 0);
        GatewayMetrics metrics = new GatewayMetrics(0, 0, 0, 0);
        final List<Double> roundThroughputs = new ArrayList<>();
        String firstError;

        double throughput() {
            return calls / seconds;
        }

        double ms(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1e6;
        }

        double cpuMicrosPerCall(long ticks) {
            return calls == 0 ? Double.NaN : ticks / CpuTime.TICKS_PER_SECOND * 1e6 / calls;
        }
    }

    private final Options options;
    private final Vertx vertx;
    private final List<ManagedProcess> processes = new ArrayList<>();
    private final List<Gateway> gateways = new ArrayList<>();
    private final Map<String, Total> totals = new LinkedHashMap<>();
    private final long self = ProcessHandle.current().pid();

    private GatewayOverhead(Options options) {
        this.options = options;
        // One event loop drives every caller: the driver costs the same whichever target it calls.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        GatewayOverhead bench = new GatewayOverhead(options);
        // Ctrl-C or a kill must not leave the upstream and gateway processes behind.
        Runtime.getRuntime().addShutdownHook(new Thread(bench::stopProcesses, "stop-benchmark-processes"));
        int status;
        try {
            status = bench.run(args);
        } finally {
            bench.close();
        }
        System.exit(status);
    }

    private int run(String[] args) throws Exception {
        Files.createDirectories(options.workDir());
        System.out.println("# Warden gateway overhead, " + Instant.now());
        System.out.println("arguments: " + String.join(" ", args));
        System.out.println(machine());
        System.out.println("work dir (logs, configuration, decision logs): " + options.workDir());

        List<Upstream> upstreams = new ArrayList<>();
        upstreams.add(startJavaUpstream());
        if (options.nodeFixture() != null) {
            upstreams.add(startNodeFixture());
        }
        Path config = writeConfig(upstreams);
        for (String log : options.decisionLogs()) {
            gateways.add(startGateway(log, config, options.gatewayJar(), "warden[log=" + log + "]", "log-" + log));
        }
        if (options.baselineJar() != null) {
            gateways.add(startGateway("file", config, options.baselineJar(), "baseline[log=file]", "baseline"));
        }
        for (Gateway g : gateways) {
            for (Upstream u : upstreams) {
                awaitEcho(new Target(g.label(), g.port(), "/mcp/" + u.id(), u.grant().token(), Target.Era.MODERN, null));
            }
        }
        System.out.printf(Locale.ROOT, "processes: driver pid %d; %s%n", self, processes.stream()
                .map(p -> p.name() + " pid " + p.pid()).collect(Collectors.joining("; ")));
        System.out.printf(Locale.ROOT, "plan: %d s initial warm-up per target, then workers %s, %d round(s), %d s warm-up"
                        + " + %d s measured per run%n%n", options.initialWarmup().toSeconds(), options.workers(),
                options.rounds(), options.warmup().toSeconds(), options.measure().toSeconds());

        upstreams.removeIf(u -> !options.measured().contains(u.id()));
        warmUp(upstreams);
        boolean allValid = true;
        for (Target.Era era : options.eras()) {
            for (Upstream u : upstreams) {
                List<Target> targets = new ArrayList<>();
                targets.add(new Target("direct", u.port(), "/mcp", null, era, null));
                for (Gateway g : gateways) {
                    targets.add(new Target(g.label(), g.port(), "/mcp/" + u.id(), u.grant().token(), era, null));
                }
                if (era == Target.Era.LEGACY) {
                    List<Target> withSessions = new ArrayList<>();
                    for (Target t : targets) {
                        withSessions.add(t.withSession(initialize(t)));
                    }
                    targets = withSessions;
                }
                for (int workers : options.workers()) {
                    for (int round = 1; round <= options.rounds(); round++) {
                        List<Target> order = new ArrayList<>(targets);
                        if (round % 2 == 0) {
                            Collections.reverse(order); // later runs meet a warmer machine: give each side its turn first
                        }
                        for (Target t : order) {
                            allValid &= measure(era, u, t, workers, round);
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println(report(upstreams));
        if (!allValid) {
            System.out.println("INVALID: some runs had errors (see the first error of each above); do not publish these numbers.");
            return 1;
        }
        return 0;
    }

    /** Every target once, unrecorded, so that the first measured configuration does not pay for the JIT. */
    private void warmUp(List<Upstream> upstreams) throws Exception {
        if (options.initialWarmup().isZero()) {
            return;
        }
        int workers = options.workers().stream().mapToInt(Integer::intValue).max().orElse(1);
        for (Upstream u : upstreams) {
            List<Target> targets = new ArrayList<>();
            targets.add(new Target("direct", u.port(), "/mcp", null, Target.Era.MODERN, null));
            for (Gateway g : gateways) {
                targets.add(new Target(g.label(), g.port(), "/mcp/" + u.id(), u.grant().token(), Target.Era.MODERN, null));
            }
            for (Target t : targets) {
                HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                        new PoolOptions().setHttp1MaxSize(workers));
                LoadRun.Result r = await(LoadRun.start(vertx, client, t, workers, options.initialWarmup(),
                        Duration.ofMillis(100), new LoadRun.Edges() {
                            @Override
                            public void measureStarted() {
                            }

                            @Override
                            public void measureEnded() {
                            }
                        }));
                await(client.close());
                System.out.printf(Locale.ROOT, "initial warm-up %s %s: %d s, %s%n", u.id(), t.label(),
                        options.initialWarmup().toSeconds(), r.firstError() == null ? "no errors" : "ERROR " + r.firstError());
            }
        }
    }

    // ---- one run --------------------------------------------------------------------------------

    private boolean measure(Target.Era era, Upstream u, Target t, int workers, int round) throws Exception {
        for (ManagedProcess p : processes) {
            if (!p.alive()) {
                throw new IOException(p.name() + " (pid " + p.pid() + ") is no longer running; see " + p.log());
            }
        }
        truncateDecisionLogs();
        awaitQuiet(u);
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(workers));
        HttpClient scraper = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
        Gateway gateway = gateways.stream().filter(g -> g.label().equals(t.label())).findFirst().orElse(null);
        Ticks[] ticks = new Ticks[2];
        List<Future<GatewayMetrics>> scrapes = new ArrayList<>();
        LoadRun.Edges edges = new LoadRun.Edges() {
            @Override
            public void measureStarted() {
                if (gateway != null) {
                    scrapes.add(GatewayMetrics.scrape(scraper, gateway.port(), u.id()));
                }
                ticks[0] = ticks(u);
            }

            @Override
            public void measureEnded() {
                ticks[1] = ticks(u);
                if (gateway != null) {
                    scrapes.add(GatewayMetrics.scrape(scraper, gateway.port(), u.id()));
                }
            }
        };
        LoadRun.Result r = await(LoadRun.start(vertx, client, t, workers, options.warmup(), options.measure(), edges));
        GatewayMetrics metrics = scrapes.size() == 2
                ? await(scrapes.get(1)).since(await(scrapes.get(0))) : GatewayMetrics.NONE;
        await(client.close());
        await(scraper.close());
        Ticks cpu = ticks[1].minus(ticks[0]);

        Total total = totals.computeIfAbsent(key(era, u.id(), workers, t.label()), k -> new Total());
        total.latency.add(r.latency());
        total.calls += r.calls();
        total.errors += r.errors() + r.warmupErrors();
        total.seconds += r.seconds();
        total.cpu = total.cpu.plus(cpu);
        total.metrics = total.metrics.plus(metrics);
        total.roundThroughputs.add(r.throughput());
        if (total.firstError == null) {
            total.firstError = r.firstError();
        }
        System.out.printf(Locale.ROOT,
                "%-6s %-5s workers %3d round %d %-22s %8.0f calls/s  p50 %6.3f  p90 %6.3f  p99 %6.3f ms  errors %d/%d"
                        + "  cpu us/call driver %5.1f upstream %5.1f gateway %5.1f  other load %.2f cores%s%n",
                era.name().toLowerCase(Locale.ROOT), u.id(), workers, round, t.label(), r.throughput(),
                r.millis(50), r.millis(90), r.millis(99), r.errors(), r.warmupErrors(),
                perCall(cpu.driver(), r.calls()), perCall(cpu.upstream(), r.calls()), perCall(cpu.gateways(), r.calls()),
                cores(cpu.others(), r.seconds()), r.firstError() == null ? "" : "  FIRST ERROR: " + r.firstError());
        return r.valid();
    }

    /**
     * The machine is shared: waits (at most {@code --quiet-wait}) until everything but the benchmark's own processes
     * used less than {@code --quiet-below} cores over one second.
     */
    private void awaitQuiet(Upstream u) throws InterruptedException {
        long deadline = System.nanoTime() + options.quietWait().toNanos();
        double load = Double.NaN;
        do {
            Ticks before = ticks(u);
            Thread.sleep(1000);
            load = cores(ticks(u).minus(before).others(), 1.0);
            if (load < options.quietBelow()) {
                return;
            }
        } while (System.nanoTime() < deadline);
        System.out.printf(Locale.ROOT, "  (machine still busy: other processes use %.2f cores; running anyway)%n", load);
    }

    private Ticks ticks(Upstream u) {
        long gw = 0;
        for (Gateway g : gateways) {
            gw += g.process().cpuTicks();
        }
        return new Ticks(CpuTime.ticks(self), u.process().cpuTicks(), gw, CpuTime.machineTicks());
    }

    private static double cores(long ticks, double seconds) {
        return ticks / CpuTime.TICKS_PER_SECOND / seconds;
    }

    private static double perCall(long ticks, long calls) {
        return calls == 0 || ticks < 0 ? Double.NaN : ticks / CpuTime.TICKS_PER_SECOND * 1e6 / calls;
    }

    private static String key(Target.Era era, String upstream, int workers, String label) {
        return era + "|" + upstream + "|" + workers + "|" + label;
    }

    // ---- the report -----------------------------------------------------------------------------

    private String report(List<Upstream> upstreams) {
        StringBuilder b = new StringBuilder();
        b.append("## Summary (all rounds merged; 2 cores shared by driver, upstream and gateway)\n\n");
        b.append(String.format(Locale.ROOT, "Targets: added p50 <= %.1f ms, added p99 <= %.1f ms, throughput >= %.1f x direct.%n%n",
                TARGET_ADDED_P50_MS, TARGET_ADDED_P99_MS, TARGET_RATIO));
        for (Target.Era era : options.eras()) {
            for (Upstream u : upstreams) {
                b.append("### ").append(era.name().toLowerCase(Locale.ROOT)).append(" era (").append(era.version)
                        .append("), upstream `").append(u.id()).append("`\n\n");
                b.append("| workers | run | calls/s | ratio | p50 ms | p90 ms | p99 ms | added p50 ms | added p99 ms | targets (p50/p99/ratio) |\n");
                b.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
                for (int w : options.workers()) {
                    Total direct = totals.get(key(era, u.id(), w, "direct"));
                    b.append(row(w, "direct", direct, null));
                    for (Gateway g : gateways) {
                        b.append(row(w, g.label(), totals.get(key(era, u.id(), w, g.label())), direct));
                    }
                }
                b.append("\nCPU time per call (µs, from /proc; the gateway column is all gateway processes) and the gateway's"
                        + " own timers (mean µs: before forwarding / until upstream headers):\n\n");
                b.append("| workers | run | driver | upstream | gateway | total | gateway pre-forward | upstream as seen by gateway"
                        + " | other load (cores) | calls/s per round |\n");
                b.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
                for (int w : options.workers()) {
                    List<String> labels = new ArrayList<>();
                    labels.add("direct");
                    gateways.forEach(g -> labels.add(g.label()));
                    for (String label : labels) {
                        Total t = totals.get(key(era, u.id(), w, label));
                        if (t == null) {
                            continue;
                        }
                        double d = t.cpuMicrosPerCall(t.cpu.driver());
                        double up = t.cpuMicrosPerCall(t.cpu.upstream());
                        double gw = t.cpuMicrosPerCall(t.cpu.gateways());
                        b.append(String.format(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %.2f | %s |%n",
                                w, label, d, up, gw, d + up + gw, micros(t.metrics.gatewayMeanMicros()),
                                micros(t.metrics.upstreamMeanMicros()), cores(t.cpu.others(), t.seconds), t.roundThroughputs.stream()
                                        .map(x -> String.format(Locale.ROOT, "%.0f", x)).collect(Collectors.joining(", "))));
                    }
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static String row(int workers, String label, Total t, Total direct) {
        if (t == null) {
            return String.format(Locale.ROOT, "| %d | %s | (not run) |||||||%n", workers, label);
        }
        String errors = t.errors == 0 ? "" : " **" + t.errors + " errors: " + t.firstError + "**";
        if (direct == null) {
            return String.format(Locale.ROOT, "| %d | %s | %.0f | 1.00 | %.3f | %.3f | %.3f | | | %s|%n", workers, label,
                    t.throughput(), t.ms(50), t.ms(90), t.ms(99), errors);
        }
        double ratio = t.throughput() / direct.throughput();
        double added50 = t.ms(50) - direct.ms(50);
        double added99 = t.ms(99) - direct.ms(99);
        String verdict = mark(added50 <= TARGET_ADDED_P50_MS) + "/" + mark(added99 <= TARGET_ADDED_P99_MS) + "/"
                + mark(ratio >= TARGET_RATIO);
        return String.format(Locale.ROOT, "| %d | %s | %.0f | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %s%s |%n", workers, label,
                t.throughput(), ratio, t.ms(50), t.ms(90), t.ms(99), added50, added99, verdict, errors);
    }

    private static String mark(boolean met) {
        return met ? "met" : "MISSED";
    }

    private static String micros(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String machine() {
        String cpu = "?";
        String mem = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> l.replaceAll("\\D+", "")).map(kb -> Long.parseLong(kb) / 1024 / 1024 + " GiB")
                    .findFirst().orElse("?");
        } catch (IOException | RuntimeException e) {
            // not Linux: leave the question marks
        }
        return String.format(Locale.ROOT, "machine: %d cores (%s), %s RAM, %s %s; Java %s (%s)",
                Runtime.getRuntime().availableProcessors(), cpu, mem, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"), System.getProperty("java.vm.name"));
    }

    // ---- processes ------------------------------------------------------------------------------

    private Upstream startJavaUpstream() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ManagedProcess.javaBinary());
        cmd.addAll(options.upstreamJvmArgs());
        cmd.addAll(List.of("-cp", ManagedProcess.classpath(GatewayOverhead.class), EchoUpstream.class.getName(), "--port", "0",
                "--threads", Integer.toString(options.upstreamThreads())));
        ManagedProcess p = started(ManagedProcess.start("echo-upstream", cmd, options.workDir(),
                options.workDir().resolve("echo-upstream.log"), line -> after(line, EchoUpstream.READY_PREFIX)));
        int port = Integer.parseInt(p.awaitReady(Duration.ofSeconds(30)));
        return new Upstream("echo", port, p, GrantToken.mint());
    }

    private Upstream startNodeFixture() throws IOException {
        List<String> cmd = List.of("node", options.nodeFixture().toString(), "--port", "0");
        ManagedProcess p = started(ManagedProcess.start("node-fixture", cmd, options.nodeFixture().getParent(),
                options.workDir().resolve("node-fixture.log"), line -> {
                    String rest = after(line, "FIXTURE_LISTENING port=");
                    return rest == null ? null : rest.split(" ")[0];
                }));
        int port = Integer.parseInt(p.awaitReady(Duration.ofSeconds(30)));
        return new Upstream("node", port, p, GrantToken.mint());
    }

    private Gateway startGateway(String decisionLog, Path config, Path jar, String label, String name) throws IOException {
        int port = ManagedProcess.freePort();
        Path log = decisionLog.equals("devnull") ? Path.of("/dev/null")
                : options.workDir().resolve("decisions-" + port + ".jsonl");
        List<String> cmd = new ArrayList<>();
        cmd.add(ManagedProcess.javaBinary());
        cmd.addAll(options.gatewayJvmArgs());
        cmd.addAll(List.of("-Dquarkus.http.port=" + port,
                "-Dwarden.gateway.standalone.file=" + config,
                "-Dwarden.gateway.decision-log.file=" + log,
                "-jar", jar.toString()));
        ManagedProcess p = started(ManagedProcess.start("gateway-" + name, cmd, options.workDir(),
                options.workDir().resolve("gateway-" + name.replaceFirst("^log-", "") + ".log"),
                line -> line.contains("Listening on") ? "up" : null));
        p.awaitReady(Duration.ofSeconds(60));
        return new Gateway(label, decisionLog, port, p, decisionLog.equals("devnull") ? null : log);
    }

    private ManagedProcess started(ManagedProcess p) {
        processes.add(p);
        return p;
    }

    private Path writeConfig(List<Upstream> upstreams) throws IOException {
        StringBuilder y = new StringBuilder("# Written by io.warden.bench.gateway.GatewayOverhead for one benchmark run.\n");
        y.append("servers:\n");
        for (Upstream u : upstreams) {
            y.append("  - {id: ").append(u.id()).append(", url: \"http://127.0.0.1:").append(u.port()).append("/mcp\"}\n");
        }
        y.append("grants:\n");
        for (Upstream u : upstreams) {
            y.append("  - {id: bench-").append(u.id()).append(", server: ").append(u.id())
                    .append(", token_hash: \"").append(u.grant().hash()).append("\", policy: allow}\n");
        }
        y.append("policies:\n  allow: {version: \"1\", default: allow}\n");
        Path file = options.workDir().resolve("warden-bench.yaml");
        Files.writeString(file, y.toString(), StandardCharsets.UTF_8);
        return file;
    }

    /**
     * At about 600 bytes per call a decision log grows by gigabytes in a full run; the gateway appends with O_APPEND, so
     * cutting the file between runs is safe (the same as copy-and-truncate rotation) and keeps the disk free.
     */
    private void truncateDecisionLogs() {
        for (Gateway g : gateways) {
            if (g.decisions() != null && Files.exists(g.decisions())) {
                try (var ch = java.nio.channels.FileChannel.open(g.decisions(), java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                } catch (IOException e) {
                    System.out.println("  (could not truncate " + g.decisions() + ": " + e + ")");
                }
            }
        }
    }

    private void close() {
        stopProcesses();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private synchronized void stopProcesses() {
        truncateDecisionLogs();
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        processes.clear();
    }

    // ---- small MCP exchanges outside the measured runs ------------------------------------------

    /** Waits until one echo call through {@code t} is answered correctly (the gateway loads its file at start-up). */
    private void awaitEcho(Target t) throws Exception {
        HttpClient client = vertx.createHttpClient();
        String last = null;
        try {
            for (int attempt = 0; attempt < 100; attempt++) {
                RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(t.port())
                        .setURI(t.path()).setHeaders(t.headers("tools/call", "echo"));
                Buffer body = McpMessages.echoCall(t.era(), 1, "probe");
                try {
                    last = await(client.request(ro).compose(req -> req.send(body))
                            .compose(resp -> resp.body().map(b -> McpMessages.checkEcho(resp.statusCode(),
                                    resp.getHeader("Content-Type"), b, 1, "probe"))));
                } catch (ExecutionException e) {
                    last = String.valueOf(e.getCause());
                }
                if (last == null) {
                    return;
                }
                Thread.sleep(100);
            }
        } finally {
            await(client.close());
        }
        throw new IOException(t.label() + " " + t.path() + " does not answer an echo call: " + last);
    }

    /** Legacy era: initialize, send notifications/initialized, and return the session to use. */
    private String initialize(Target t) throws Exception {
        HttpClient client = vertx.createHttpClient();
        try {
            var init = await(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(t.port()).setURI(t.path()).setHeaders(t.headers("initialize", null)))
                    .compose(req -> req.send(McpMessages.initialize(t.era().version)))
                    .compose(resp -> resp.body().map(b -> new String[] {resp.statusCode() + "",
                            resp.getHeader("Mcp-Session-Id"), b.toString()})));
            if (!"200".equals(init[0]) || init[1] == null) {
                throw new IOException(t.label() + ": initialize answered HTTP " + init[0] + " without a session: " + init[2]);
            }
            Target s = t.withSession(init[1]);
            int status = await(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(t.port()).setURI(t.path()).setHeaders(s.headers("notifications/initialized", null)))
                    .compose(req -> req.send(McpMessages.initialized()))
                    .compose(resp -> resp.body().map(b -> resp.statusCode())));
            if (status != 202) {
                throw new IOException(t.label() + ": notifications/initialized answered HTTP " + status);
            }
            return init[1];
        } finally {
            await(client.close());
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static <T> T await(Future<T> f) throws ExecutionException, InterruptedException {
        return f.toCompletionStage().toCompletableFuture().get();
    }

    private static String after(String line, String prefix) {
        int i = line.indexOf(prefix);
        return i < 0 ? null : line.substring(i + prefix.length()).trim();
    }
}
