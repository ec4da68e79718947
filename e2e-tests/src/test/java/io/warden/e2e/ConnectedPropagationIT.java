package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures propagation: from the admin API's 2xx for a new policy version to the first call that follows it, on both
 * gateways (the later of the two), over many changes. Off by default (it takes minutes):
 * {@code -Dwarden.bench.propagation=100}. Writes {@code target/connected-propagation.txt}.
 */
@EnabledIfSystemProperty(named = "warden.bench.propagation", matches = "[0-9]+")
class ConnectedPropagationIT extends ConnectedBed {

    @Test
    void propagationFromApiToBothGateways() throws Exception {
        int changes = Integer.parseInt(System.getProperty("warden.bench.propagation"));
        awaitBoth(true, a, b);
        List<Double> millis = new ArrayList<>();
        boolean allowed = true;
        for (int i = 0; i < changes; i++) {
            allowed = !allowed;
            policy.call("POST", "/api/policies/team/versions", allowed ? ALLOW : DENY_ALL);
            long sent = System.nanoTime();
            long done = 0;
            for (GatewayProcess gw : new GatewayProcess[] {a, b}) {
                long deadline = sent + WAIT.toNanos();
                while (echoAllowed(gw) != allowed) {
                    assertTrue(System.nanoTime() < deadline, gw + " did not follow change " + i);
                }
                done = Math.max(done, System.nanoTime());
            }
            millis.add((done - sent) / 1e6);
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        String report = String.format(Locale.ROOT, "changes=%d p50=%.1fms p99=%.1fms max=%.1fms%n", changes,
                sorted.get((int) Math.ceil(0.50 * changes) - 1), sorted.get((int) Math.ceil(0.99 * changes) - 1),
                sorted.get(changes - 1));
        Files.writeString(Path.of("target", "connected-propagation.txt"), report);
        System.out.print("Connected propagation: " + report);
    }
}
