package io.warden.audit.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Whether the record of a time range is complete. Every gateway instance numbers its events without gaps, so within
 * the range the numbers an instance's stored events (decisions and completions) span, minus how many of them are
 * stored, are events lost on the way; its heartbeats say how many it dropped itself (cumulative counters: the last one
 * reported by the end of the range, plus {@link #REPORT_GRACE} for the report to arrive, minus the last one before its
 * start). The range is judged whole: other filters (grant, server, ...) do not narrow it.
 *
 * <p>Not a proof: an instance whose every event of the range was lost leaves no numbers to compare, only its drop
 * counters; and a boundary that falls between two events enqueued within microseconds of each other on different
 * threads may show one event as missing.
 */
@ApplicationScoped
public class CompletenessQueries {

    /** How long after a range's end a heartbeat may still report drops that happened within it. */
    static final Duration REPORT_GRACE = Duration.ofSeconds(30);

    /** One instance's account of the range. */
    public record InstanceReport(@JsonProperty("instance") String instance,
                                 @JsonProperty("first_sequence") Long firstSequence,
                                 @JsonProperty("last_sequence") Long lastSequence,
                                 @JsonProperty("received") long received,
                                 @JsonProperty("missing") long missing,
                                 @JsonProperty("dropped") long dropped) {
    }

    /** The range's verdict: complete when no instance shows a gap or a drop. */
    public record Completeness(@JsonProperty("complete") boolean complete,
                               @JsonProperty("from") Instant from,
                               @JsonProperty("to") Instant to,
                               @JsonProperty("gaps") long gaps,
                               @JsonProperty("drops") long drops,
                               @JsonProperty("instances") List<InstanceReport> instances) {
    }

    /**
     * Whole minutes [a, b) from the sequence rollup (migration V4), the partial minutes at the ends from the raw rows;
     * per instance, the drops are the difference of two cumulative counters, each the latest heartbeat before an
     * instant (an index walk per instance, not a scan of every heartbeat since the retention began).
     */
    private static final String SQL = """
            WITH seen AS (
                SELECT instance, first_sequence AS first, last_sequence AS last, received
                  FROM decision_minutes_sequences WHERE minute >= ? AND minute < ?
                UNION ALL
                SELECT instance, sequence, sequence, 1 FROM decisions
                 WHERE ((time >= ? AND time < ?) OR (time >= ? AND time < ?))
                   AND instance IS NOT NULL AND sequence IS NOT NULL
                UNION ALL
                SELECT instance, sequence, sequence, 1 FROM completions
                 WHERE ((time >= ? AND time < ?) OR (time >= ? AND time < ?))
                   AND instance IS NOT NULL AND sequence IS NOT NULL
            ), numbers AS (
                SELECT instance, min(first) AS first, max(last) AS last, sum(received) AS received
                  FROM seen GROUP BY instance
            ), instances AS (
                SELECT instance FROM gateway_heartbeats WHERE time >= ? AND time < ?
                UNION SELECT instance FROM numbers
            ), drops AS (
                SELECT i.instance,
                       coalesce((SELECT h.dropped_total FROM gateway_heartbeats h
                                  WHERE h.instance = i.instance AND h.time < ?
                                  ORDER BY h.time DESC, h.sequence DESC LIMIT 1), 0)
                     - coalesce((SELECT h.dropped_total FROM gateway_heartbeats h
                                  WHERE h.instance = i.instance AND h.time < ?
                                  ORDER BY h.time DESC, h.sequence DESC LIMIT 1), 0) AS dropped
                  FROM instances i
            )
            SELECT d.instance, n.first, n.last, coalesce(n.received, 0), d.dropped
              FROM drops d LEFT JOIN numbers n ON n.instance = d.instance
             ORDER BY 1""";

    private final DataSource dataSource;

    public CompletenessQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Completeness over(Instant from, Instant to) throws SQLException {
        Timestamp f = Timestamp.from(from);
        Timestamp t = Timestamp.from(to);
        Timestamp reported = Timestamp.from(to.plus(REPORT_GRACE));
        List<InstanceReport> reports = new ArrayList<>();
        long gaps = 0;
        long drops = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(SQL)) {
            Rollups.Split split = Rollups.Split.of(from, to, 60);
            Timestamp a = Timestamp.from(split.a());
            Timestamp b = Timestamp.from(split.b());
            Timestamp[] values = {a, b, f, a, b, t, f, a, b, t, f, reported, reported, f};
            for (int i = 0; i < values.length; i++) {
                s.setTimestamp(i + 1, values[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Long first = (Long) rs.getObject(2);
                    Long last = (Long) rs.getObject(3);
                    long received = rs.getLong(4);
                    long missing = first == null ? 0 : Math.max(0, last - first + 1 - received);
                    long dropped = Math.max(0, rs.getLong(5));
                    gaps += missing;
                    drops += dropped;
                    reports.add(new InstanceReport(rs.getString(1), first, last, received, missing, dropped));
                }
            }
        }
        return new Completeness(gaps == 0 && drops == 0, from, to, gaps, drops, reports);
    }
}
