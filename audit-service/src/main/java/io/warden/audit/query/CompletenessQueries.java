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

    private static final String SQL = """
            WITH seen AS (
                SELECT instance, sequence FROM decisions
                 WHERE time >= ? AND time < ? AND instance IS NOT NULL AND sequence IS NOT NULL
                UNION ALL
                SELECT instance, sequence FROM completions
                 WHERE time >= ? AND time < ? AND instance IS NOT NULL AND sequence IS NOT NULL
            ), numbers AS (
                SELECT instance, min(sequence) AS first, max(sequence) AS last, count(*) AS received
                  FROM seen GROUP BY instance
            ), drops AS (
                SELECT instance,
                       coalesce(max(dropped_total) FILTER (WHERE time < ?), 0)
                           - coalesce(max(dropped_total) FILTER (WHERE time < ?), 0) AS dropped
                  FROM gateway_heartbeats
                 WHERE time < ? AND instance IN (
                       SELECT instance FROM gateway_heartbeats WHERE time >= ? AND time < ?
                       UNION SELECT instance FROM numbers)
                 GROUP BY instance
            )
            SELECT coalesce(n.instance, d.instance), n.first, n.last, coalesce(n.received, 0), coalesce(d.dropped, 0)
              FROM numbers n FULL JOIN drops d ON d.instance = n.instance
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
            s.setTimestamp(1, f);
            s.setTimestamp(2, t);
            s.setTimestamp(3, f);
            s.setTimestamp(4, t);
            s.setTimestamp(5, reported);
            s.setTimestamp(6, f);
            s.setTimestamp(7, reported);
            s.setTimestamp(8, f);
            s.setTimestamp(9, reported);
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
