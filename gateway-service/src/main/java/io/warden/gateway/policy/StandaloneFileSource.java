package io.warden.gateway.policy;

import io.vertx.core.Vertx;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.StandaloneConfigParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Standalone mode's source: one file, re-read when its modification time or size changes. The file is
 * read on a worker thread, never on the event loop. An invalid file keeps the previous snapshot and
 * logs every problem.
 */
public final class StandaloneFileSource implements SnapshotSource {

    private static final Logger LOG = Logger.getLogger(StandaloneFileSource.class);

    private final Vertx vertx;
    private final Path file;
    private final long pollMillis;
    private final StandaloneConfigParser parser;
    private volatile Stamp seen;
    private long timerId = -1;

    private record Stamp(FileTime modified, long size) {}

    public StandaloneFileSource(Vertx vertx, Path file, long pollMillis, StandaloneConfigParser parser) {
        this.vertx = vertx;
        this.file = file;
        this.pollMillis = pollMillis;
        this.parser = parser;
    }

    /** Loads once on the calling thread (start-up), then polls. */
    @Override
    public void start(Consumer<GatewaySnapshot> onSnapshot) {
        loadIfChanged(onSnapshot);
        timerId = vertx.setPeriodic(pollMillis, id -> vertx.executeBlocking(() -> {
            loadIfChanged(onSnapshot);
            return null;
        }, false));
    }

    /** Visible for tests: checks the file now. */
    void loadIfChanged(Consumer<GatewaySnapshot> onSnapshot) {
        Stamp stamp = stamp();
        if (stamp == null) {
            if (seen == null || seen.size() >= 0) {
                LOG.warnf("Standalone configuration %s not found; the gateway knows no servers until it appears"
                        + " (set warden.gateway.standalone.file)", file.toAbsolutePath());
                seen = new Stamp(null, -1);
            }
            return;
        }
        if (Objects.equals(stamp, seen)) {
            return;
        }
        seen = stamp;
        StandaloneConfigParser.Result result = parser.parse(file);
        if (result instanceof StandaloneConfigParser.Parsed p) {
            LOG.infof("Loaded %s: %d servers, %d grants, %d policies (version %s)", file, p.snapshot().servers().size(),
                    p.snapshot().grantsByTokenHash().size(), p.snapshot().policies().size(), p.snapshot().version());
            onSnapshot.accept(p.snapshot());
        } else if (result instanceof StandaloneConfigParser.Invalid inv) {
            StringBuilder sb = new StringBuilder();
            inv.problems().forEach(pr -> sb.append("\n  ").append(pr));
            LOG.errorf("Invalid configuration in %s; keeping the previous one. %d problem(s):%s", file,
                    inv.problems().size(), sb);
        }
    }

    private Stamp stamp() {
        try {
            return new Stamp(Files.getLastModifiedTime(file), Files.size(file));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }
}
