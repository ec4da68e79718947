package io.warden.bench.stack;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.warden.bench.gateway.CpuTime;
import io.warden.bench.gateway.EchoUpstream;
import io.warden.bench.gateway.LoadRun;
import io.warden.bench.gateway.ManagedProcess;
import io.warden.bench.gateway.Target;
import io.warden.stack.ApiClient;
import io.warden.stack.PackagedService;
import io.warden.stack.Stack;
import io.warden.testsupport.Commands;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole system under load, in one run: Warden (the balancer, three gateways in connected mode with a policy, a
 * Redis limit on the tool and decisions published to Kafka and stored by audit-service) against the echo upstream
 * called directly and through baseline proxies, at rising concurrency: nginx ({@code proxy_pass} with upstream
 * keep-alive), {@link PlainVertxProxy} (the floor of a proxy on the gateway's stack), and each of them three times
 * behind their own stream balancer (targets {@code nginx3}, {@code vertx3}: the gateways' topology). Per target
 * and level: throughput, p50/p99/p99.9, and CPU per 1,000 calls of every process involved (from {@code /proc}); then
 * Warden's added CPU per call as a multiple of nginx's, and the gateways' memory per 1,000 open SSE streams.
 *
 * <pre>
 * ./mvnw -B -ntp -pl benchmarks -am package -DskipTests
 * ./mvnw -q -pl benchmarks exec:exec -Dexec.executable=java \
 *   -Dexec.args="-cp %classpath io.warden.bench.stack.WholeSystem --workers 1,8,32 --warmup 5 --measure 10 --streams 1000"
 * </pre>
 */
public final class WholeSystem {
    private static final String POLICY = """
            {"version": "1", "default": "deny",
             "tools": {"echo": {"limits": [{"counter": "bench", "window": "second", "max": 1000000, "scope": "grant"}]}}}
            """;

    private final List<Integer> workers;
    private final Duration warmup;
    private final Duration measure;
    private final int streams;
    private final List<String> only;
    private final Duration initialWarmup;
    private final Duration idle;
    private final Path dir;
    private final String balancerKind;
    private final Map<String, String> gatewaySettings;
    private final List<String> jvmOptions;
    private final Duration settleMax;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ManagedProcess echo;
    /** nginx's stream module balancing connections over the gateways, when {@code --balancer nginx}. */
    private ProcessHandle nginxBalancer;
    /** The baseline proxies started, by target label (see {@link #BASELINES}). */
    private final Map<String, Baseline> baselines = new LinkedHashMap<>();
    /** Every nginx and plain proxy started, to stop at the end. */
    private final List<Process> nginxes = new ArrayList<>();
    private final List<ManagedProcess> plainProxies = new ArrayList<>();
    private int balancerPort;
    private Stack stack;

    private WholeSystem(List<Integer> workers, Duration warmup, Duration measure, int streams, List<String> only, Duration initialWarmup,
                        Duration idle, Path dir, String balancerKind, Map<String, String> gatewaySettings, List<String> jvmOptions,
                        Duration settleMax) {
        this.balancerKind = balancerKind;
        this.gatewaySettings = gatewaySettings;
        this.jvmOptions = jvmOptions;
        this.settleMax = settleMax;
        this.workers = workers;
        this.only = only;
        this.initialWarmup = initialWarmup;
        this.idle = idle;
        this.warmup = warmup;
        this.measure = measure;
        this.streams = streams;
        this.dir = dir.toAbsolutePath();
    }

    public static void main(String[] args) throws Exception {
        List<Integer> workers = List.of(1, 8, 32);
        Duration warmup = Duration.ofSeconds(5);
        Duration measure = Duration.ofSeconds(10);
        int streams = 1000;
        List<String> only = List.of("direct", "nginx", "nginx3", "vertx", "vertx3", "warden");
        Duration initialWarmup = Duration.ofSeconds(10);
        Duration idle = Duration.ofSeconds(10);
        Path dir = Path.of("target", "whole-system");
        String balancerKind = "nginx";
        Map<String, String> gatewaySettings = new LinkedHashMap<>();
        // A fixed, pre-touched heap: its resident size cannot grow or shrink between the memory phase's two readings.
        List<String> jvmOptions = new ArrayList<>(List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"));
        boolean jvmGiven = false;
        Duration settleMax = Duration.ofSeconds(300);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--workers" -> workers = java.util.Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--measure" -> measure = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--initial-warmup" -> initialWarmup = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--idle" -> idle = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--targets" -> only = List.of(args[++i].split(","));
                case "--dir" -> dir = Path.of(args[++i]);
                case "--balancer" -> balancerKind = args[++i];
                case "--settle-max" -> settleMax = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--gateway-setting" -> {
                    String[] kv = args[++i].split("=", 2);
                    gatewaySettings.put(kv[0], kv[1]);
                }
                case "--jvm" -> {
                    if (!jvmGiven) {
                        jvmOptions.clear();
                        jvmGiven = true;
                    }
                    jvmOptions.add(args[++i]);
                }
                default -> {
                    System.err.println("usage: WholeSystem [--workers 1,8,32] [--warmup 5] [--measure 10] [--streams 1000]"
                            + " [--targets direct,nginx,nginx3,vertx,vertx3,warden] [--initial-warmup 10] [--settle-max 300] [--idle 10]"
                            + " [--balancer nginx|java] [--gateway-setting key=value]... [--jvm option]..."
                            + " [--dir target/whole-system]   (unknown " + args[i] + ")");
                    System.exit(2);
                }
            }
        }
        if (!balancerKind.equals("nginx") && !balancerKind.equals("java")) {
            System.err.println("--balancer is nginx (its stream module, as an L4 balancer would be) or java (local-stack's)");
            System.exit(2);
        }
        WholeSystem bench = new WholeSystem(workers, warmup, measure, streams, only, initialWarmup, idle, dir, balancerKind,
                gatewaySettings, jvmOptions, settleMax);
        int status;
        try {
            status = bench.run(args);
        } finally {
            bench.close();
        }
        System.exit(status);
    }

    private int run(String[] args) throws Exception {
        Commands.deleteTree(dir);
        Files.createDirectories(dir);
        System.out.println("# Warden, whole system, " + Instant.now() + "  (args: " + String.join(" ", args) + ")");
        System.out.println(machine());

        echo = ManagedProcess.start("echo-upstream", List.of(java(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EchoUpstream.class.getName(), "--threads", "1"), dir, dir.resolve("echo-upstream.log"),
                line -> line.startsWith(EchoUpstream.READY_PREFIX) ? line.substring(EchoUpstream.READY_PREFIX.length()) : null);
        int echoPort = Integer.parseInt(echo.awaitReady(Duration.ofSeconds(60)).trim());
        for (String label : BASELINES) {
            if (only.contains(label)) {
                baselines.put(label, startBaseline(label, echoPort));
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("warden.gateway.limits.max-streams-per-grant", String.valueOf(streams + 100));
        // the memory phase opens all its sessions within a minute or two
        settings.put("warden.gateway.limits.max-sessions-per-grant-per-minute", String.valueOf(2 * streams + 600));
        settings.putAll(gatewaySettings);
        stack = Stack.start(Stack.Options.of(dir.resolve("stack"), 3).withGatewaySettings(settings).withJvmOptions(jvmOptions));
        if (balancerKind.equals("nginx")) {
            Launched b = startNginxBalancer("nginx-balancer", stack.gateways().stream().map(PackagedService::port).toList());
            nginxBalancer = b.process();
            balancerPort = b.port();
        } else {
            balancerPort = stack.balancer().port();
        }
        System.out.println("gateway JVM options " + jvmOptions + ", settings " + gatewaySettings + ", balancer " + balancerKind);
        ApiClient admin = stack.admin();
        admin.call("POST", "/api/servers", ApiClient.JSON.createObjectNode().put("id", "echo").put("name", "Echo upstream")
                .put("url", "http://127.0.0.1:" + echoPort + "/mcp").toString());
        admin.call("POST", "/api/policies/bench", POLICY);
        String token = admin.call("POST", "/api/grants", ApiClient.JSON.createObjectNode().put("id", "bench")
                .put("label", "bench").put("server", "echo").put("policy", "bench").toString()).path("token").asText();
        StringBuilder proxies = new StringBuilder();
        baselines.forEach((label, b) -> proxies.append(label).append(' ').append(b.proxies().stream().map(ProcessHandle::pid).toList()).append(", "));
        System.out.printf("processes: echo upstream pid %d, %sgateways %s, balancer %s%n",
                echo.pid(), proxies, stack.gateways().stream().map(g -> g.name() + " " + g.pid()).toList(),
                nginxBalancer != null ? "nginx pid " + nginxBalancer.pid() : "in this JVM (pid " + ProcessHandle.current().pid() + ")");

        List<Target> targets = new ArrayList<>();
        if (only.contains("direct")) {
            targets.add(new Target("direct", echoPort, "/mcp", null, Target.Era.MODERN, null));
        }
        baselines.forEach((label, b) -> targets.add(new Target(label, b.port(), "/mcp", null, Target.Era.MODERN, null)));
        if (only.contains("warden")) {
            targets.add(new Target("warden", balancerPort, "/mcp/echo", token, Target.Era.MODERN, null));
        }
        // The grant reaches the gateways through the snapshot stream; then JIT warm-up of every path.
        for (Target t : targets) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            LoadRun.Result r;
            do {
                r = once(t, 8, Duration.ofSeconds(3), initialWarmup);
            } while (!r.valid() && System.nanoTime() < deadline);
            System.out.printf(Locale.ROOT, "warm-up %-6s: %.0f calls/s%s%n", t.label(), r.throughput(),
                    r.valid() ? "" : "  ERROR " + r.firstError());
            if (t.label().equals("warden")) {
                settle(t);
            }
        }
        if (!idle.isZero()) {
            idleCost();
        }

        System.out.println();
        System.out.println("| target | workers | calls/s | p50 ms | p99 ms | p99.9 ms | errors | CPU ms per 1,000 calls: "
                + "upstream | proxy (baseline / 3 gateways) | of which gateways' JIT | balancer | Redis | Kafka | audit-service | policy-service | other load (cores) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        // per workers level: each target's proxy CPU and proxy + balancer CPU per 1,000 calls; Warden's also with
        // Redis, Kafka and audit-service
        Map<Integer, Map<String, double[]>> perK = new LinkedHashMap<>();
        boolean ok = true;
        for (int w : workers) {
            for (Target t : targets) {
                Sample s = measure(t, w);
                ok &= s.result.valid();
                System.out.println(s.row());
                perK.computeIfAbsent(w, k -> new LinkedHashMap<>()).put(t.label(), new double[] {s.perK(s.proxy),
                        s.perK(s.proxy + s.balancer), s.perK(s.proxy + s.balancer + s.redis + s.kafka + s.audit)});
            }
        }
        if (only.contains("warden") && baselines.containsKey("nginx")) {
            System.out.println();
            System.out.println("| workers | nginx ms/1k | gateways ms/1k | ×nginx | + balancer | ×nginx | + Redis, Kafka, audit | ×nginx |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            perK.forEach((w, m) -> {
                double n = m.get("nginx")[0];
                double[] g = m.get("warden");
                System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.1f× | %.1f | %.1f× | %.1f | %.1f× |%n",
                        w, n, g[0], g[0] / n, g[1], g[1] / n, g[2], g[2] / n);
            });
        }
        if (only.contains("warden") && baselines.size() > (baselines.containsKey("nginx") ? 1 : 0)) {
            // Each baseline beside the gateways; a three-proxy one is compared like with like: proxies and balancer.
            System.out.println();
            System.out.println("| workers | baseline | its proxies ms/1k | + its balancer | 3 gateways ms/1k | + balancer | gateways ×baseline | with balancers × |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            perK.forEach((w, m) -> baselines.keySet().forEach(label -> {
                double[] b = m.get(label);
                double[] g = m.get("warden");
                System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f× | %.1f× |%n",
                        w, label, b[0], b[1], g[0], g[1], g[0] / b[0], g[1] / b[1]);
            }));
        }
        if (streams > 0) {
            streamMemory();
        }
        return ok ? 0 : 1;
    }

    // ---- baselines: nginx and the plain Vert.x proxy, alone or three behind a balancer

    /** Baseline targets: one proxy, or ("...3") three behind their own nginx stream balancer, as the gateways are. */
    private static final List<String> BASELINES = List.of("nginx", "nginx3", "vertx", "vertx3");

    /** A baseline's proxy processes, the balancer in front of them (none for one proxy), and the port its clients call. */
    private record Baseline(List<ProcessHandle> proxies, ProcessHandle balancer, int port) {
        long proxyTicks() {
            long t = 0;
            for (ProcessHandle p : proxies) {
                t += treeTicks(p);
            }
            return t;
        }

        long balancerTicks() {
            return balancer == null ? 0 : treeTicks(balancer);
        }
    }

    /** A started proxy and the loopback port it listens on. */
    private record Launched(ProcessHandle process, int port) {}

    private Baseline startBaseline(String label, int echoPort) throws Exception {
        int n = label.endsWith("3") ? 3 : 1;
        List<ProcessHandle> proxies = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String name = n == 1 ? label : label + "-" + i;
            Launched l = label.startsWith("nginx") ? startNginx(name, echoPort) : startPlainProxy(name, echoPort);
            proxies.add(l.process());
            ports.add(l.port());
        }
        if (n == 1) {
            return new Baseline(proxies, null, ports.get(0));
        }
        Launched b = startNginxBalancer(label + "-balancer", ports);
        return new Baseline(proxies, b.process(), b.port());
    }

    /** {@link PlainVertxProxy} with the gateways' JVM options. */
    private Launched startPlainProxy(String name, int echoPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PlainVertxProxy.class.getName(),
                "--upstream", String.valueOf(echoPort)));
        ManagedProcess p = ManagedProcess.start(name, command, dir, dir.resolve(name + ".log"),
                line -> line.startsWith(PlainVertxProxy.READY_PREFIX) ? line.substring(PlainVertxProxy.READY_PREFIX.length()) : null);
        plainProxies.add(p);
        int port = Integer.parseInt(p.awaitReady(Duration.ofSeconds(60)).trim());
        return new Launched(ProcessHandle.of(p.pid()).orElseThrow(() -> new IOException(name + " exited at start")), port);
    }

    private Launched startNginx(String name, int echoPort) throws IOException, InterruptedException {
        Path ndir = Files.createDirectories(dir.resolve(name));
        int port = io.warden.testsupport.FreePorts.next();
        Process p = launchNginx(ndir, port, "", 4096, """
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    upstream echo { server 127.0.0.1:%2$d; keepalive 64; }
                    server {
                        listen 127.0.0.1:%3$d;
                        location / {
                            proxy_pass http://echo;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_buffering off;
                        }
                    }
                }
                """.formatted(ndir, echoPort, port));
        return new Launched(p.toHandle(), port);
    }

    /**
     * nginx's stream module as the round-robin balancer: one worker, per-connection round robin over the gateways, as an
     * L4 balancer in front of pods would do (local-stack's Java balancer is a thread per connection and direction, which
     * costs more than the proxies it is measured with). Debian: {@code apt-get install nginx libnginx-mod-stream}.
     */
    private Launched startNginxBalancer(String name, List<Integer> proxyPorts) throws IOException, InterruptedException {
        Path module = Path.of("/usr/lib/nginx/modules/ngx_stream_module.so");
        if (!Files.exists(module)) {
            throw new IllegalStateException("no " + module + ": apt-get install -y libnginx-mod-stream (or --balancer java)");
        }
        Path bdir = Files.createDirectories(dir.resolve(name));
        int port = io.warden.testsupport.FreePorts.next();
        StringBuilder servers = new StringBuilder();
        proxyPorts.forEach(p -> servers.append("server 127.0.0.1:").append(p).append("; "));
        Process p = launchNginx(bdir, port, "load_module " + module + ";\n", 8192, """
                stream {
                    upstream gateways { %s}
                    server { listen 127.0.0.1:%d; proxy_pass gateways; proxy_timeout 1h; }
                }
                """.formatted(servers, port));
        return new Launched(p.toHandle(), port);
    }

    /** Debian's nginx with one worker, in the foreground, everything under {@code ndir}; returns once it listens. */
    private Process launchNginx(Path ndir, int port, String preamble, int connections, String body)
            throws IOException, InterruptedException {
        Path binary = Commands.which("nginx", List.of("/usr/sbin", "/usr/bin")).orElseThrow(() -> new IllegalStateException(
                "no nginx: apt-get install -y nginx libnginx-mod-stream (the baseline proxy and the balancer)"));
        Files.writeString(ndir.resolve("nginx.conf"), preamble + """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections %2$d; }
                """.formatted(ndir, connections) + body);
        Process p = new ProcessBuilder(binary.toString(), "-p", ndir.toString(), "-c", ndir.resolve("nginx.conf").toString())
                .redirectErrorStream(true).redirectOutput(ndir.resolve("nginx.out").toFile()).start();
        nginxes.add(p);
        awaitListening(port, p, ndir);
        return p;
    }

    private static void awaitListening(int port, Process process, Path logs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(100); // a start-up poll of a benchmark's own process, not test synchronisation
            }
        }
        throw new IOException("nginx did not start; see " + logs);
    }

    /**
     * Keeps calling through Warden in 10-second rounds until the gateways' JIT has settled (fewer than 20 methods compiled
     * by all three in a round) or {@code --settle-max} has passed: C2 was still compiling after a minute of traffic, and
     * its CPU is a start-up cost, not a per-call one. Prints what it saw; the tables also show the JIT's share.
     */
    private void settle(Target t) throws Exception {
        long deadline = System.nanoTime() + settleMax.toNanos();
        long[] before = jit();
        int rounds = 0;
        while (System.nanoTime() < deadline) {
            LoadRun.Result r = once(t, 8, Duration.ofSeconds(1), Duration.ofSeconds(10)); // Vert.x timers need >= 1 ms
            long[] after = jit();
            rounds++;
            long compiled = after[0] - before[0];
            System.out.printf(Locale.ROOT, "settling: round %d, %.0f calls/s, %d methods compiled (%.1f s JIT) by the gateways%n",
                    rounds, r.throughput(), compiled, (after[1] - before[1]) / 1000.0);
            before = after;
            if (compiled < 20) {
                return;
            }
        }
        System.out.println("settling: still compiling after " + settleMax.toSeconds() + " s; measuring anyway");
    }

    /** Methods compiled and milliseconds spent compiling, all gateways together ({@code jstat -compiler}). */
    private long[] jit() throws IOException {
        long methods = 0;
        long millis = 0;
        for (PackagedService g : stack.gateways()) {
            Commands.Result r = Commands.run(List.of(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(),
                    "-compiler", String.valueOf(g.pid())), dir, Map.of(), Duration.ofSeconds(30));
            String[] lines = r.output().trim().split("\n");
            String[] cols = lines[lines.length - 1].trim().split("\s+");
            methods += Long.parseLong(cols[0]);
            millis += Math.round(Double.parseDouble(cols[3]) * 1000);
        }
        return new long[] {methods, millis};
    }

    /** CPU ticks of a process and its children (an nginx's master and workers). */
    private static long treeTicks(ProcessHandle p) {
        long t = CpuTime.ticks(p.pid());
        for (ProcessHandle h : p.descendants().toList()) {
            t += CpuTime.ticks(h.pid());
        }
        return t;
    }

    /** What the parts cost with no calls at all: heartbeats, keep-alives, polling loops, timers. */
    private void idleCost() throws InterruptedException {
        long[] a = ticks();
        long start = System.nanoTime();
        Thread.sleep(idle.toMillis()); // the measured period itself: nothing runs in this JVM meanwhile
        long[] b = ticks();
        double seconds = (System.nanoTime() - start) / 1e9;
        String[] names = {"upstream", "baseline proxies", "3 gateways", "balancer", "Redis", "Kafka", "audit-service", "policy-service"};
        StringBuilder line = new StringBuilder("idle for " + idle.toSeconds() + " s, CPU ms per second:");
        for (int i = 0; i < names.length; i++) {
            line.append(String.format(Locale.ROOT, " %s %.1f,", names[i], (b[i] - a[i]) * 10.0 / seconds));
        }
        System.out.println(line.substring(0, line.length() - 1));
    }

    // ---- one measured run

    private LoadRun.Result once(Target t, int w, Duration warm, Duration meas) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(w));
        try {
            return LoadRun.start(vertx, client, t, w, warm, meas, new LoadRun.Edges() {
                @Override
                public void measureStarted() {
                }

                @Override
                public void measureEnded() {
                }
            }).toCompletionStage().toCompletableFuture().get(meas.toSeconds() + warm.toSeconds() + 60, TimeUnit.SECONDS);
        } finally {
            client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** CPU ticks (1/100 s) of every part, at one instant. */
    private long[] ticks() {
        long gateways = 0;
        long jit = 0;
        for (PackagedService g : stack.gateways()) {
            gateways += CpuTime.ticks(g.pid());
            jit += Math.max(0, CpuTime.threadTicks(g.pid(), "C1 Compiler")) + Math.max(0, CpuTime.threadTicks(g.pid(), "C2 Compiler"));
        }
        long[] t = new long[11 + 2 * baselines.size()];
        long baselineTotal = 0;
        int i = 11;
        for (Baseline b : baselines.values()) {
            t[i] = b.proxyTicks();
            t[i + 1] = b.balancerTicks();
            baselineTotal += t[i] + t[i + 1];
            i += 2;
        }
        long[] fixed = {CpuTime.ticks(echo.pid()), baselineTotal, gateways, balancerTicks(),
                CpuTime.ticks(stack.redis().pid()), CpuTime.ticks(stack.kafka().pid()),
                CpuTime.ticks(stack.auditService().pid()), CpuTime.ticks(stack.policyService().pid()),
                CpuTime.machineTicks(), CpuTime.ticks(ProcessHandle.current().pid()), jit};
        System.arraycopy(fixed, 0, t, 0, fixed.length);
        return t;
    }

    /** The balancer's CPU in clock ticks: nginx's processes, or the threads of local-stack's balancer in this JVM. */
    private long balancerTicks() {
        if (nginxBalancer != null) {
            return treeTicks(nginxBalancer);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("balancer")) {
                long n = mx.getThreadCpuTime(t.getId());
                nanos += Math.max(0, n);
            }
        }
        return Math.round(nanos / 1e7);
    }

    private final class Sample {
        final LoadRun.Result result;
        final long upstream;
        final long proxy;
        /** Of {@link #proxy}: the gateways' JIT compiler threads. */
        final long jit;
        final long balancer;
        final long redis;
        final long kafka;
        final long audit;
        final long policy;
        final double otherCores;

        Sample(LoadRun.Result r, long[] a, long[] b) {
            result = r;
            String target = r.target().label();
            boolean warden = target.equals("warden");
            int at = 11 + 2 * new ArrayList<>(baselines.keySet()).indexOf(target); // its ticks in the array, if a baseline
            upstream = b[0] - a[0];
            proxy = warden ? b[2] - a[2] : at >= 11 ? b[at] - a[at] : 0;
            balancer = warden ? b[3] - a[3] : at >= 11 ? b[at + 1] - a[at + 1] : 0;
            jit = warden ? b[10] - a[10] : 0;
            redis = b[4] - a[4];
            kafka = b[5] - a[5];
            audit = b[6] - a[6];
            policy = b[7] - a[7];
            long ours = (b[0] - a[0]) + (b[1] - a[1]) + (b[2] - a[2]) + redis + kafka + audit + policy + (b[9] - a[9])
                    + (nginxBalancer != null ? b[3] - a[3] : 0);
            otherCores = ((b[8] - a[8]) - ours) / CpuTime.TICKS_PER_SECOND / r.seconds();
        }

        double perK(long ticks) {
            return result.calls() == 0 ? Double.NaN : ticks * 10.0 * 1000 / result.calls(); // ticks are 10 ms
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |",
                    result.target().label(), result.workers(), result.throughput(), result.millis(50), result.millis(99),
                    result.millis(99.9), result.errors() + result.warmupErrors(), perK(upstream), perK(proxy), perK(jit), perK(balancer),
                    perK(redis), perK(kafka), perK(audit), perK(policy), otherCores);
        }
    }

    private Sample measure(Target t, int w) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(w));
        long[][] edges = new long[2][];
        LoadRun.Result r;
        try {
            r = LoadRun.start(vertx, client, t, w, warmup, measure, new LoadRun.Edges() {
                @Override
                public void measureStarted() {
                    edges[0] = ticks();
                }

                @Override
                public void measureEnded() {
                    edges[1] = ticks();
                }
            }).toCompletionStage().toCompletableFuture().get(measure.toSeconds() + warmup.toSeconds() + 60, TimeUnit.SECONDS);
        } finally {
            client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        return new Sample(r, edges[0], edges[1]);
    }

    // ---- memory per open SSE stream

    /** Sessions set up at once while opening the streams (one at a time took ~4 minutes for 1,000 on a busy machine). */
    private static final int STREAM_SETUP_LANES = 32;

    private void streamMemory() throws Exception {
        String token = stack.demoToken();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxInitialLineLength(8192),
                new PoolOptions().setHttp1MaxSize(streams + STREAM_SETUP_LANES + 10));
        String path = "/mcp/" + Stack.DEMO_SERVER;
        long[] before = gatewaysFootprint();
        List<HttpClientResponse> open = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(streams);
        long started = System.nanoTime();
        List<Future<Void>> lanes = new ArrayList<>();
        for (int i = 0; i < Math.min(STREAM_SETUP_LANES, streams); i++) {
            lanes.add(lane(client, path, token, left, open, failed));
        }
        Future.join(lanes).toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
        double setupSeconds = (System.nanoTime() - started) / 1e9;
        long[] after = gatewaysFootprint();
        // With a fixed, pre-touched heap the resident size moves only with memory outside the heap; what the streams
        // hold on the heap shows in the live heap after a full GC. Without a pre-touched heap RSS already includes it.
        boolean pretouched = jvmOptions.contains("-XX:+AlwaysPreTouch");
        long grown = (after[0] - before[0]) + (pretouched ? after[1] - before[1] : 0);
        double mibPerK = grown / 1024.0 / 1024.0 * 1000.0 / Math.max(1, open.size());
        System.out.println();
        System.out.printf(Locale.ROOT, "SSE streams: %d open through the balancer (%d failed; set up %d at a time in %.1f s);"
                        + " 3 gateways after a full GC: RSS %.1f → %.1f MiB, live heap %.1f → %.1f MiB%s: %.1f MiB per 1,000 open"
                        + " streams%n", open.size(), failed.get(), STREAM_SETUP_LANES, setupSeconds, before[0] / 1048576.0,
                after[0] / 1048576.0, before[1] / 1048576.0, after[1] / 1048576.0,
                pretouched ? " (heap pre-touched: counted RSS growth + live heap growth)" : " (counted RSS growth)", mibPerK);
        client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Opens sessions with their GET streams one after another until {@code left} runs out; never fails. */
    private Future<Void> lane(HttpClient client, String path, String token, java.util.concurrent.atomic.AtomicInteger left,
                              List<HttpClientResponse> open, java.util.concurrent.atomic.AtomicInteger failed) {
        if (left.getAndDecrement() <= 0) {
            return Future.succeededFuture();
        }
        return initialize(client, path, token)
                .compose(session -> client.request(new RequestOptions().setMethod(HttpMethod.GET)
                                .setHost("127.0.0.1").setPort(balancerPort).setURI(path)
                                .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream")
                                .putHeader("Mcp-Session-Id", session).putHeader("MCP-Protocol-Version", "2025-11-25")
                                .setTimeout(30_000))
                        .compose(req -> req.send()))
                .map(sse -> {
                    if (sse.statusCode() == 200) {
                        sse.pause();
                        open.add(sse);
                    } else {
                        failed.incrementAndGet();
                    }
                    return (Void) null;
                })
                .otherwise(t -> {
                    failed.incrementAndGet();
                    return null;
                })
                .compose(v -> lane(client, path, token, left, open, failed));
    }

    private Future<String> initialize(HttpClient client, String path, String token) {
        Buffer body = Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench-streams\",\"version\":\"1\"}}}");
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(balancerPort).setURI(path).putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream")
                .setTimeout(30_000);
        Buffer initialized = Buffer.buffer("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return client.request(ro).compose(req -> req.send(body))
                .compose(resp -> resp.body().map(b -> resp.getHeader("Mcp-Session-Id")))
                .compose(session -> session == null ? Future.failedFuture("no session")
                        : client.request(new RequestOptions(ro).putHeader("Mcp-Session-Id", session)
                                        .putHeader("MCP-Protocol-Version", "2025-11-25"))
                                .compose(req -> req.send(initialized)).compose(HttpClientResponse::body)
                                .map(b -> session));
    }

    /** Resident size and live heap (bytes) of the three gateways together, each read after a full GC. */
    private long[] gatewaysFootprint() throws IOException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        java.util.regex.Pattern used = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K");
        long rss = 0;
        long heap = 0;
        for (PackagedService g : stack.gateways()) {
            Commands.run(List.of(jcmd, String.valueOf(g.pid()), "GC.run"), dir, Map.of(), Duration.ofSeconds(60));
            // the heap's generations (one line for G1, young and old for Serial and Parallel); metaspace is in RSS
            java.util.regex.Matcher m = used.matcher(Commands.run(List.of(jcmd, String.valueOf(g.pid()), "GC.heap_info"), dir,
                    Map.of(), Duration.ofSeconds(60)).output());
            while (m.find()) {
                heap += Long.parseLong(m.group(1)) * 1024;
            }
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(g.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss += Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        }
        return new long[] {rss, heap};
    }

    // ---- housekeeping

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String machine() {
        String load = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException ignored) {
            // not Linux
        }
        return "machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", load average at start " + load;
    }

    private void close() {
        if (stack != null) {
            stack.close();
        }
        plainProxies.forEach(ManagedProcess::close);
        for (Process p : nginxes) {
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
        }
        if (echo != null) {
            echo.close();
        }
        vertx.close();
    }
}
