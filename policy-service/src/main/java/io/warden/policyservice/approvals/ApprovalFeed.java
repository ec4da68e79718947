package io.warden.policyservice.approvals;

import io.grpc.Status;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.warden.policyservice.snapshot.ChangeFeed;
import io.warden.policyservice.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Fans every decision out to the Watch streams open on this replica, whichever replica decided: the deciding
 * transaction NOTIFYs {@link ApprovalRepository#CHANNEL} with the approval id, the shared {@link ChangeFeed}
 * connection hears it, and one read of the row here serves every stream. When notifications may have been lost (the
 * LISTEN connection dropped), the streams are ended with UNAVAILABLE: gateways reconnect and Get what they hold,
 * which the contract asks of them anyway.
 */
@ApplicationScoped
public class ApprovalFeed implements ChangeFeed.ChannelListener {
    private static final Logger LOG = Logger.getLogger(ApprovalFeed.class);

    private final ChangeFeed feed;
    private final Database db;
    private final ApprovalRepository approvals;
    private final Set<MultiEmitter<? super io.warden.api.approval.v1.Approval>> streams =
            ConcurrentHashMap.newKeySet();
    /** One thread keeps the decisions in the order PostgreSQL delivered them. */
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "warden-approval-feed");
        t.setDaemon(true);
        return t;
    });

    public ApprovalFeed(ChangeFeed feed, Database db, ApprovalRepository approvals, ApprovalMetrics metrics) {
        this.feed = feed;
        this.db = db;
        this.approvals = approvals;
        metrics.watchStreams(streams);
    }

    void start(@Observes StartupEvent event) {
        feed.listen(ApprovalRepository.CHANNEL, this);
    }

    void stop(@Observes ShutdownEvent event) {
        reader.shutdownNow();
        streams.forEach(MultiEmitter::complete);
    }

    public void add(MultiEmitter<? super io.warden.api.approval.v1.Approval> stream) {
        streams.add(stream);
        stream.onTermination(() -> streams.remove(stream));
    }

    @Override
    public void notified(String id) {
        reader.execute(() -> {
            try {
                db.read(c -> approvals.find(c, id)).ifPresent(a -> {
                    io.warden.api.approval.v1.Approval decision = a.proto();
                    streams.forEach(s -> s.emit(decision));
                });
            } catch (RuntimeException e) {
                LOG.warnf("approval %s: decision not read (%s); ending the watch streams so gateways catch up",
                        id, e.getClass().getSimpleName());
                resync();
            }
        });
    }

    @Override
    public void resync() {
        streams.forEach(s -> s.fail(Status.UNAVAILABLE
                .withDescription("decisions may have been missed; reconnect and Get the approvals you hold")
                .asRuntimeException()));
    }
}
