package io.warden.bench.ratelimit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A private redis-server for the benchmark, on a free loopback port, without persistence. */
final class BenchRedis implements AutoCloseable {
    final int port;
    final Path dir;
    private final Process process;

    BenchRedis(String serverBinary) throws IOException, InterruptedException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        dir = Files.createTempDirectory("warden-bench-redis");
        process = new ProcessBuilder(serverBinary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cli("PING").trim().equals("PONG")) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
            }
            Thread.sleep(20);
        }
    }

    String endpoint() {
        return "redis://127.0.0.1:" + port;
    }

    String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(5, TimeUnit.MINUTES);
        return out;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
