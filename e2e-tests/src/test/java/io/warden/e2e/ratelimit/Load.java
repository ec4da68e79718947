package io.warden.e2e.ratelimit;

import io.warden.e2e.GatewayProcess;
import io.warden.e2e.ratelimit.McpCaller.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Closed-loop load: one lead call alone, then {@code clients} threads, each sending its next call as soon as the
 * previous one is answered, spread over the gateways in turn, until the time is up or a call budget is spent. Calls in flight at the end are
 * awaited and counted.
 */
final class Load {

    /** What one call sends: its grant token, its arguments and the label its answer carries. */
    record Call(String token, Map<String, ?> arguments, String label) {}

    private Load() {}

    /** Runs for {@code duration}. */
    static List<Answer> run(McpCaller caller, List<GatewayProcess> gateways, String server, int clients,
                            Duration duration, LongFunction<Call> calls) {
        return run(caller, gateways, server, clients, duration, Long.MAX_VALUE, calls);
    }

    /** Runs until {@code duration} passes or {@code maxCalls} calls were sent, whichever is first. */
    static List<Answer> run(McpCaller caller, List<GatewayProcess> gateways, String server, int clients,
                            Duration duration, long maxCalls, LongFunction<Call> calls) {
        AtomicLong seq = new AtomicLong();
        List<List<Answer>> perThread = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] deadline = new long[1];
        for (int c = 0; c < clients; c++) {
            List<Answer> mine = new ArrayList<>();
            perThread.add(mine);
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < deadline[0]) {
                    long n = seq.getAndIncrement();
                    if (n >= maxCalls) {
                        return;
                    }
                    int gw = (int) (n % gateways.size());
                    Call call = calls.apply(n);
                    mine.add(caller.call(gateways.get(gw), gw, server, call.token(), call.arguments(), call.label()));
                }
            }, "load-" + c);
            threads.add(t);
            t.start();
        }
        // The lead call goes alone, so the first admission has a short, known time in flight (the 64 clients
        // arriving at once would put their first answers behind each other); the clients follow at once.
        List<Answer> lead = new ArrayList<>(1);
        deadline[0] = System.nanoTime() + duration.toNanos();
        if (maxCalls > 0) {
            long n = seq.getAndIncrement();
            Call call = calls.apply(n);
            lead.add(caller.call(gateways.get(0), 0, server, call.token(), call.arguments(), call.label()));
        }
        start.countDown();
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        List<Answer> all = new ArrayList<>(lead);
        perThread.forEach(all::addAll);
        return all;
    }
}
