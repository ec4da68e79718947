package io.warden.gateway.it;

import static io.restassured.RestAssured.given;

/** What the running test gateway reports on {@code /q/metrics}. */
final class Metrics {

    private Metrics() {}

    /**
     * The sum of every series whose line starts with {@code line}: a whole series such as
     * {@code warden_approvals_refused_total{cause="forged_state"}}, or a name, which adds up all its tag sets; 0 when
     * none is there yet.
     */
    static double metric(String line) {
        return given().get("/q/metrics").asString().lines().filter(l -> l.startsWith(line))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
