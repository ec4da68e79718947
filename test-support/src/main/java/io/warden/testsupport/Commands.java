package io.warden.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Short-lived commands (initdb, pg_ctl, npm, conformance) run to completion with a timeout. */
public final class Commands {
    private Commands() {}

    /** What a finished (or timed-out) command left behind. */
    public record Result(List<String> command, int exitCode, String output, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** Throws with the command's output when it failed. */
        public Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException(String.join(" ", command)
                        + (timedOut ? " timed out" : " exited with " + exitCode) + ":\n" + output);
            }
            return this;
        }
    }

    public static Result run(List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("warden-cmd", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            return new Result(command, finished ? process.exitValue() : -1, output, !finished);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file; the OS cleans it eventually
                }
            }
        }
    }

    /** The first executable named {@code name} on the PATH or in {@code extraDirs}. */
    public static Optional<Path> which(String name, List<String> extraDirs) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + java.io.File.pathSeparator + String.join(java.io.File.pathSeparator, extraDirs))
                .split(java.io.File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** True when this JVM runs as uid 0 (PostgreSQL refuses to run as root, so it then runs as `postgres`). */
    public static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** A fresh temp directory that is deleted (with its content) when the JVM exits normally. */
    public static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp directory", e);
        }
    }

    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
