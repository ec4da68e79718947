package io.warden.bench.gateway;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * The gateway's own view of a run, from its Prometheus endpoint: the time a request spends in the gateway before it
 * leaves for the upstream ({@code warden_gateway_seconds}) and the time until the upstream's response headers
 * ({@code warden_upstream_seconds}). Two scrapes, at the edges of the measured period, give the means in between.
 */
public record GatewayMetrics(double gatewaySum, long gatewayCount, double upstreamSum, long upstreamCount) {

    public static final GatewayMetrics NONE = new GatewayMetrics(0, 0, 0, 0);

    public static Future<GatewayMetrics> scrape(HttpClient client, int port, String serverId) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
                        .setURI("/q/metrics").addHeader("Accept", "text/plain"))
                .compose(req -> req.send())
                .compose(resp -> resp.body())
                .map(body -> parse(body.toString(), serverId))
                .otherwise(NONE);
    }

    static GatewayMetrics parse(String text, String serverId) {
        String tag = "server=\"" + serverId + "\"";
        double gs = 0;
        long gc = 0;
        double us = 0;
        long uc = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.contains(tag)) {
                continue;
            }
            String value = line.substring(line.lastIndexOf(' ') + 1);
            if (line.startsWith("warden_gateway_seconds_sum{")) {
                gs = Double.parseDouble(value);
            } else if (line.startsWith("warden_gateway_seconds_count{")) {
                gc = (long) Double.parseDouble(value);
            } else if (line.startsWith("warden_upstream_seconds_sum{")) {
                us = Double.parseDouble(value);
            } else if (line.startsWith("warden_upstream_seconds_count{")) {
                uc = (long) Double.parseDouble(value);
            }
        }
        return new GatewayMetrics(gs, gc, us, uc);
    }

    /** What happened between {@code before} and this scrape. */
    public GatewayMetrics since(GatewayMetrics before) {
        return new GatewayMetrics(gatewaySum - before.gatewaySum, gatewayCount - before.gatewayCount,
                upstreamSum - before.upstreamSum, upstreamCount - before.upstreamCount);
    }

    GatewayMetrics plus(GatewayMetrics o) {
        return new GatewayMetrics(gatewaySum + o.gatewaySum, gatewayCount + o.gatewayCount,
                upstreamSum + o.upstreamSum, upstreamCount + o.upstreamCount);
    }

    /** Mean time inside the gateway before forwarding, in microseconds; NaN without data. */
    public double gatewayMeanMicros() {
        return gatewayCount == 0 ? Double.NaN : gatewaySum / gatewayCount * 1e6;
    }

    /** Mean time from forwarding to the upstream's response headers, in microseconds; NaN without data. */
    public double upstreamMeanMicros() {
        return upstreamCount == 0 ? Double.NaN : upstreamSum / upstreamCount * 1e6;
    }
}
