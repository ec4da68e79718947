package io.warden.bench.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process from Linux's {@code /proc/<pid>/stat} (fields 14 and 15, user and system time, in clock ticks).
 * Elsewhere every reading is -1 and the report leaves the CPU columns empty.
 */
public final class CpuTime {

    /** USER_HZ: 100 on every mainstream Linux build; {@code getconf CLK_TCK} shows it. */
    public static final double TICKS_PER_SECOND = 100.0;

    private CpuTime() {
    }

    public static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU ticks of the process' threads whose name starts with {@code prefix} ({@code /proc/<pid>/task/<tid>/stat}), e.g.
     * a JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre"; Linux cuts thread names to 15 characters).
     */
    public static long threadTicks(long pid, String prefix) {
        long total = 0;
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.startsWith(prefix)) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Busy time of the whole machine so far, in clock ticks, from the first line of {@code /proc/stat} (user, nice,
     * system, irq, softirq, steal); -1 when unreadable. Minus the benchmark's own processes it shows other load.
     */
    public static long machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
            String[] f = first.trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static boolean available() {
        return ticks(ProcessHandle.current().pid()) >= 0;
    }
}
