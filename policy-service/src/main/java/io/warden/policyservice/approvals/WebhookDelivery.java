package io.warden.policyservice.approvals;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Posts the outbox's messages to {@code warden.policy.approvals.webhook.url}, signed, on one thread of its own (the
 * JDK client blocks; nothing here runs on an event loop or inside a gRPC call). A failed POST (no answer, or not 2xx)
 * is retried after {@link Backoff} until {@code max-attempts}. Work starts when an approval opens on this replica,
 * when a retry falls due, and every {@code poll-interval} for what other replicas or a previous run left.
 *
 * <p>The URL is never logged: a Slack incoming-webhook URL is itself a credential.
 */
@ApplicationScoped
public class WebhookDelivery {
    private static final Logger LOG = Logger.getLogger(WebhookDelivery.class);
    private static final int BATCH = 20;
    private static final int MIN_SECRET = 16;

    private final Database db;
    private final WebhookOutbox outbox;
    private final PolicyServiceConfig.Webhook config;
    private final ScheduledExecutorService executor;
    private final HttpClient http;
    private final ApprovalMetrics metrics;

    public WebhookDelivery(Database db, WebhookOutbox outbox, PolicyServiceConfig config, ApprovalMetrics metrics) {
        this.db = db;
        this.metrics = metrics;
        this.outbox = outbox;
        this.config = config.approvals().webhook();
        if (this.config.url().isPresent() && this.config.secret().filter(s -> s.length() >= MIN_SECRET).isEmpty()) {
            throw new IllegalStateException("warden.policy.approvals.webhook.secret (at least " + MIN_SECRET
                    + " characters) is required with warden.policy.approvals.webhook.url");
        }
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "warden-approval-webhook");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(this.config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    void start(@Observes StartupEvent event) {
        if (config.url().isPresent()) {
            long poll = Math.max(1, config.pollInterval().toMillis());
            executor.scheduleWithFixedDelay(this::deliverDue, 0, poll, TimeUnit.MILLISECONDS);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    /** Delivers soon what is due (after an approval opened). */
    public void wake() {
        if (config.url().isPresent()) {
            executor.execute(this::deliverDue);
        }
    }

    private void deliverDue() {
        try {
            List<WebhookOutbox.Message> due;
            do {
                Duration lease = config.timeout().plusSeconds(30);
                due = db.inTransaction(c -> outbox.claim(c, BATCH, lease));
                due.forEach(this::deliver);
            } while (due.size() == BATCH);
        } catch (RuntimeException e) {
            LOG.warnf("approval webhook: outbox unavailable (%s); trying again at the next poll",
                    e.getClass().getSimpleName());
        }
    }

    private void deliver(WebhookOutbox.Message m) {
        String error = post(m.body());
        if (error == null) {
            db.inTransaction(c -> {
                outbox.delivered(c, m.id());
                return null;
            });
            metrics.webhookAttempt("delivered");
            LOG.debugf("approval webhook for %s delivered (attempt %d)", m.approvalId(), m.attempt());
        } else if (m.attempt() >= config.maxAttempts()) {
            db.inTransaction(c -> {
                outbox.gaveUp(c, m.id(), error);
                return null;
            });
            metrics.webhookAttempt("given_up");
            LOG.warnf("approval webhook for %s given up after %d attempts (%s); raise"
                    + " warden.policy.approvals.webhook.max-attempts or fix the receiver", m.approvalId(),
                    m.attempt(), error);
        } else {
            Duration wait = Backoff.after(m.attempt(), config.initialBackoff(), config.maxBackoff(),
                    () -> ThreadLocalRandom.current().nextDouble());
            db.inTransaction(c -> {
                outbox.retryAfter(c, m.id(), wait, error);
                return null;
            });
            metrics.webhookAttempt("retry");
            executor.schedule(this::deliverDue, wait.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("approval webhook for %s failed (attempt %d: %s); retrying in %d ms", m.approvalId(),
                    m.attempt(), error, wait.toMillis());
        }
    }

    /** Null when the receiver took it, else what went wrong (no URL, no body). */
    private String post(String body) {
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(config.url().orElseThrow()).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header(WebhookSignature.TIMESTAMP_HEADER, timestamp)
                .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(config.secret().orElseThrow(),
                        timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2 ? null : "HTTP " + response.statusCode();
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
