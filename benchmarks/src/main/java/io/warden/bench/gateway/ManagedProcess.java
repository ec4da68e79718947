package io.warden.bench.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A server process the benchmark starts and stops: its output goes to a log file, and it is ready once a line of its
 * output yields a value (a port, or just "started"). Also reads the process's CPU time from {@code /proc}.
 */
public final class ManagedProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final CompletableFuture<String> ready = new CompletableFuture<>();

    private ManagedProcess(String name, Process process, Path log, Function<String, String> readiness) {
        this.name = name;
        this.process = process;
        this.log = log;
        Thread pump = new Thread(() -> pump(readiness), name + "-output");
        pump.setDaemon(true);
        pump.start();
        process.onExit().thenRun(() -> ready.completeExceptionally(
                new IllegalStateException(name + " exited with status " + process.exitValue() + " before it was ready; see " + log)));
    }

    /**
     * Starts {@code command}; {@link #awaitReady} returns the first non-null value of {@code readiness} applied to an
     * output line (standard output and standard error together).
     */
    public static ManagedProcess start(String name, List<String> command, Path workDir, Path log, Function<String, String> readiness)
            throws IOException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        return new ManagedProcess(name, p, log, readiness);
    }

    public String awaitReady(Duration timeout) throws IOException {
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(name + " was not ready within " + timeout.toSeconds() + " s; see " + log);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + name);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** User plus system CPU time of the process so far, in clock ticks (see {@link CpuTime}). */
    public long cpuTicks() {
        return CpuTime.ticks(process.pid());
    }

    private void pump(Function<String, String> readiness) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                if (!ready.isDone()) {
                    String value = readiness.apply(line);
                    if (value != null) {
                        ready.complete(value);
                    }
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    /** SIGTERM, then SIGKILL if it has not gone within 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
