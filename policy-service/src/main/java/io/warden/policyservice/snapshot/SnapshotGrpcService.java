package io.warden.policyservice.snapshot;

import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.warden.api.snapshot.v1.AcknowledgeReply;
import io.warden.api.snapshot.v1.Acknowledgement;
import io.warden.api.snapshot.v1.SnapshotService;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.api.snapshot.v1.WatchRequest;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.store.Sql;
import java.sql.PreparedStatement;
import java.time.Clock;
import org.jboss.logging.Logger;

/** The gRPC side of distribution: {@code Watch} streams a snapshot then changes; {@code Acknowledge} records. */
@GrpcService
public class SnapshotGrpcService implements SnapshotService {
    private static final Logger LOG = Logger.getLogger(SnapshotGrpcService.class);
    /**
     * Events a stream may hold for a gateway that reads slower than changes arrive; past that the stream fails and
     * the gateway reconnects to a fresh snapshot, instead of this replica buffering without bound.
     */
    static final int BUFFERED_EVENTS = 10_000;

    private final Database db;
    private final SnapshotReader reader;
    private final ChangeLog changes;
    private final ChangeFeed feed;
    private final Clock clock;
    private final SnapshotMetrics metrics;

    public SnapshotGrpcService(Database db, SnapshotReader reader, ChangeLog changes, ChangeFeed feed, Clock clock,
                               SnapshotMetrics metrics) {
        this.metrics = metrics;
        this.db = db;
        this.reader = reader;
        this.changes = changes;
        this.feed = feed;
        this.clock = clock;
    }

    @Override
    public Multi<WatchEvent> watch(WatchRequest request) {
        String gateway = request.getGatewayId().isBlank() ? "(unnamed)" : request.getGatewayId();
        return Multi.createFrom().<WatchEvent>emitter(emitter -> {
            SnapshotStream stream = new SnapshotStream(emitter, db, reader, changes,
                    Infrastructure.getDefaultWorkerPool(), metrics);
            metrics.opened();
            emitter.onTermination(() -> {
                metrics.closed();
                feed.unsubscribe(stream);
                LOG.debugf("snapshot stream of %s closed", gateway);
            });
            stream.start(Math.max(0, request.getResumeAfter()));
            feed.subscribe(stream);
            stream.run(); // changes committed between the snapshot and the subscription
            LOG.debugf("snapshot stream of %s opened", gateway);
        }, BUFFERED_EVENTS).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    @Blocking
    public Uni<AcknowledgeReply> acknowledge(Acknowledgement ack) {
        if (ack.getGatewayId().isBlank() || ack.getGatewayId().length() > 200 || ack.getRevision() < 0) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("gateway_id (1 to 200 characters) and a revision >= 0 are required")
                    .asRuntimeException());
        }
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO gateway_revisions (gateway_id, revision,"
                    + " acked_at) VALUES (?, ?, ?) ON CONFLICT (gateway_id) DO UPDATE SET revision = excluded.revision,"
                    + " acked_at = excluded.acked_at")) {
                Sql.bind(ps, ack.getGatewayId(), ack.getRevision(), clock.instant()).executeUpdate();
            }
            return null;
        });
        return Uni.createFrom().item(AcknowledgeReply.getDefaultInstance());
    }
}
