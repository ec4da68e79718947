package io.warden.policyservice.approvals;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP receiver for the approval webhook (a Vert.x server on a free loopback port): for each approval it
 * answers the first two deliveries with 503 and accepts the third, verifying every signature with the shared secret.
 * Sets {@code warden.policy.approvals.webhook.*} for the test service; a test field of this type is injected.
 */
public class WebhookReceiver implements QuarkusTestResourceLifecycleManager {
    static final String SECRET = "test-webhook-secret-0123456789";
    static final String CONSOLE = "https://console.warden.test";

    /** One delivery as received. */
    record Delivery(String approvalId, String body, String timestamp, String signature, boolean signatureValid,
                    int answered, long receivedAtNanos) {
    }

    private Vertx vertx;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(buffer -> {
            String body = buffer.toString();
            String timestamp = request.getHeader(WebhookSignature.TIMESTAMP_HEADER);
            String signature = request.getHeader(WebhookSignature.SIGNATURE_HEADER);
            boolean valid = timestamp != null && signature != null
                    && WebhookSignature.sign(SECRET, timestamp, body).equals(signature);
            String id = approvalId(body);
            int attempt = attempts.merge(id, 1, Integer::sum);
            int status = !valid ? 401 : attempt <= 2 ? 503 : 200;
            deliveries.add(new Delivery(id, body, timestamp, signature, valid, status, System.nanoTime()));
            request.response().setStatusCode(status).end();
        }));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("webhook receiver did not start", e);
        }
        return Map.of(
                "warden.policy.approvals.webhook.url", "http://127.0.0.1:" + server.actualPort() + "/hooks/warden",
                "warden.policy.approvals.webhook.secret", SECRET,
                "warden.policy.approvals.webhook.initial-backoff", "PT0.1S",
                "warden.policy.approvals.webhook.max-backoff", "PT0.4S",
                "warden.policy.approvals.webhook.poll-interval", "PT1S",
                "warden.policy.approvals.console-base-url", CONSOLE + "/");
    }

    List<Delivery> deliveriesOf(String approvalId) {
        return deliveries.stream().filter(d -> d.approvalId().equals(approvalId)).toList();
    }

    private static String approvalId(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("apr_[A-Za-z0-9_-]{22}").matcher(body);
        return m.find() ? m.group() : "?";
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(this, new TestInjector.MatchesType(WebhookReceiver.class));
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
