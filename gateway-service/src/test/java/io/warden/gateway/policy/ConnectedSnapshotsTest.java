package io.warden.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.crypto.Keyring;
import io.warden.api.snapshot.v1.Change;
import io.warden.api.snapshot.v1.Grant;
import io.warden.api.snapshot.v1.Policy;
import io.warden.api.snapshot.v1.Server;
import io.warden.api.snapshot.v1.Snapshot;
import io.warden.api.snapshot.v1.WatchEvent;
import io.warden.snapshot.EraPin;
import io.warden.snapshot.PolicyEntry;
import io.warden.snapshot.UpstreamServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectedSnapshotsTest {

    private static final String KEY = key();
    private static final Keyring SEALER = Keyring.of(Map.of("v1", KEY), "v1");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final String HASH_A = "sha256:" + "a".repeat(64);
    private static final String HASH_B = "sha256:" + "b".repeat(64);
    private static final String HASH_C = "sha256:" + "c".repeat(64);
    private static final String HASH_D = "sha256:" + "d".repeat(64);

    private final ConnectedSnapshots snapshots =
            new ConnectedSnapshots(Keyring.decryptOnly(Map.of("v1", KEY), "warden.gateway.connected.crypto.keys"));

    private static String key() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static Server server(String id, String url, String header, String value) {
        return Server.newBuilder().setId(id).setName(id).setUrl(url).setEra("modern")
                .putSealedHeaders(header, SEALER.encrypt(value, Keyring.headerContext(id, header))).build();
    }

    private static Policy policy(String name, int version, String document) {
        return Policy.newBuilder().setName(name).setVersion(version).setHash("sha256:x" + version).setDocument(document)
                .build();
    }

    private static Grant grant(String id, String hash, String policy, long expires) {
        return Grant.newBuilder().setId(id).setServer("s1").setPolicy(policy).setTokenHash(hash).putTags("team", "a")
                .setExpiresAtMillis(expires).build();
    }

    private static final String ALLOW = "{\"default\":\"allow\",\"version\":\"1\"}";
    private static final String DENY = "{\"default\":\"deny\",\"version\":\"1\"}";

    private ConnectedSnapshots.State base() {
        Snapshot s = Snapshot.newBuilder()
                .addServers(server("s1", "http://127.0.0.1:9/mcp", "X-Key", "secret-1"))
                .addGrants(grant("g1", HASH_A, "p", 0))
                .addGrants(grant("g-old", HASH_B, "p", CLOCK.millis() - 1))
                .addPolicies(policy("p", 3, ALLOW))
                .addPolicies(policy("q", 1, DENY))
                .build();
        return assertInstanceOf(ConnectedSnapshots.Applied.class, snapshots.fromSnapshot(7, s)).state();
    }

    @Test
    void aSnapshotBecomesTheGatewaysViewWithOpenedHeadersAndPolicyVersions() {
        ConnectedSnapshots.State st = base();
        assertEquals(7, st.revision());
        UpstreamServer s1 = st.view().server("s1").orElseThrow();
        assertEquals("secret-1", s1.headers().get("X-Key"));
        assertEquals(EraPin.MODERN, s1.era());
        io.warden.snapshot.Grant g = st.view().grantByTokenHash(HASH_A).orElseThrow();
        assertEquals("p", g.policyId());
        assertEquals(Map.of("team", "a"), g.tags());
        assertEquals("3", st.view().policyFor(g).orElseThrow().version(), "decisions carry the store's version");
        assertTrue(st.view().grantByTokenHash(HASH_B).orElseThrow().expiredAt(CLOCK.millis()),
                "an expired grant stays known, so that it is refused as expired (not as unknown)");
    }

    @Test
    void aServersToolPinsArriveWithIt() {
        ConnectedSnapshots.State before = base();
        assertEquals(io.warden.snapshot.ToolPins.NONE, before.view().server("s1").orElseThrow().toolPins());
        Server pinned = server("s1", "http://127.0.0.1:9/mcp", "X-Key", "secret-1").toBuilder().setToolPinning(true)
                .putToolPins("echo", "sha256:e").putToolPins("add", "sha256:a").addChangedTools("add").build();
        ConnectedSnapshots.State after = assertInstanceOf(ConnectedSnapshots.Applied.class,
                snapshots.apply(before, 8, Change.newBuilder().setServer(pinned).build())).state();
        io.warden.snapshot.ToolPins pins = after.view().server("s1").orElseThrow().toolPins();
        assertTrue(pins.enabled());
        assertEquals(Map.of("echo", "sha256:e", "add", "sha256:a"), pins.approved());
        assertEquals(java.util.Set.of("add"), pins.changed());
        assertNotSame(before.view().servers().get("s1"), after.view().servers().get("s1"), "a pin change is a change");
    }

    @Test
    void aServersHttp2FlagArrivesWithItInSnapshotsAndChanges() {
        ConnectedSnapshots.State before = base();
        assertFalse(before.view().server("s1").orElseThrow().http2(), "unset on the wire: HTTP/1.1");
        Server h2 = server("s1", "http://127.0.0.1:9/mcp", "X-Key", "secret-1").toBuilder().setHttp2(true).build();
        ConnectedSnapshots.State after = assertInstanceOf(ConnectedSnapshots.Applied.class,
                snapshots.apply(before, 8, Change.newBuilder().setServer(h2).build())).state();
        UpstreamServer s1 = after.view().server("s1").orElseThrow();
        assertTrue(s1.http2());
        // The gateway drops what it learned about a server when its entry is no longer equal (GatewayBeans.swap).
        assertNotEquals(before.view().servers().get("s1"), s1, "a flag change is a change");
        assertEquals(before.view().servers().get("s1").withHttp2(true), s1, "and nothing else changed");

        ConnectedSnapshots.State full = assertInstanceOf(ConnectedSnapshots.Applied.class,
                snapshots.fromSnapshot(9, after.toSnapshot(), after)).state();
        assertSame(s1, full.view().servers().get("s1"), "a fresh snapshot with the same flag reuses the entry");
        assertTrue(full.view().server("s1").orElseThrow().http2());
    }

    @Test
    void aChangeGivesANewStateAndRecompilesOnlyWhatItNames() {
        ConnectedSnapshots.State before = base();
        ConnectedSnapshots.State after = assertInstanceOf(ConnectedSnapshots.Applied.class, snapshots.apply(before, 8,
                Change.newBuilder().setPolicy(policy("p", 4, DENY)).build())).state();
        assertEquals("4", after.view().policies().get("p").version());
        assertEquals("3", before.view().policies().get("p").version(), "the old state is untouched");
        assertSame(before.view().policies().get("q"), after.view().policies().get("q"));
        assertNotSame(before.view().policies().get("p"), after.view().policies().get("p"));
        assertSame(before.view().servers().get("s1"), after.view().servers().get("s1"));
        assertEquals(8, after.revision());
    }

    @Test
    void aFreshSnapshotAfterAReconnectReusesWhatDidNotChange() {
        ConnectedSnapshots.State before = base();
        Snapshot again = before.toSnapshot().toBuilder().clearPolicies()
                .addPolicies(before.policies().get("p")).addPolicies(policy("q", 2, ALLOW)).build();
        ConnectedSnapshots.State after = assertInstanceOf(ConnectedSnapshots.Applied.class,
                snapshots.fromSnapshot(9, again, before)).state();
        PolicyEntry p = before.view().policies().get("p");
        assertSame(p, after.view().policies().get("p"), "unchanged: not compiled again");
        assertEquals("2", after.view().policies().get("q").version());
        assertEquals(9, after.revision());
    }

    @Test
    void removalsAndUpserts() {
        ConnectedSnapshots.State st = base();
        st = ((ConnectedSnapshots.Applied) snapshots.apply(st, 8,
                Change.newBuilder().setRemovedGrant("g1").build())).state();
        assertTrue(st.view().grantByTokenHash(HASH_A).isEmpty(), "a revoked grant is gone");
        st = ((ConnectedSnapshots.Applied) snapshots.apply(st, 9,
                Change.newBuilder().setServer(server("s1", "http://127.0.0.1:10/mcp", "X-Key", "secret-2")).build()))
                .state();
        assertEquals("secret-2", st.view().server("s1").orElseThrow().headers().get("X-Key"));
        assertEquals(10, st.view().server("s1").orElseThrow().url().getPort());
        st = ((ConnectedSnapshots.Applied) snapshots.apply(st, 10,
                Change.newBuilder().setRemovedPolicy("q").build())).state();
        assertFalse(st.view().policies().containsKey("q"));
    }

    @Test
    void aChangeRebuildsOnlyTheIndexItNames() {
        ConnectedSnapshots.State before = base();
        ConnectedSnapshots.State grant = ((ConnectedSnapshots.Applied) snapshots.apply(before, 8,
                Change.newBuilder().setGrant(grant("g2", HASH_C, "q", 0)).build())).state();
        assertSame(before.view().servers(), grant.view().servers());
        assertSame(before.view().policies(), grant.view().policies());
        assertSame(before.view().grantsByTokenHash().get(HASH_A), grant.view().grantsByTokenHash().get(HASH_A));
        assertEquals("g2", grant.view().grantByTokenHash(HASH_C).orElseThrow().id());

        ConnectedSnapshots.State policy = ((ConnectedSnapshots.Applied) snapshots.apply(grant, 9,
                Change.newBuilder().setPolicy(policy("q", 2, ALLOW)).build())).state();
        assertSame(grant.view().grantsByTokenHash(), policy.view().grantsByTokenHash());
        assertSame(grant.view().servers(), policy.view().servers());
        assertSame(grant.view().policies().get("p"), policy.view().policies().get("p"));

        ConnectedSnapshots.State server = ((ConnectedSnapshots.Applied) snapshots.apply(policy, 10,
                Change.newBuilder().setServer(server("s2", "http://127.0.0.1:11/mcp", "X-Key", "secret-3")).build()))
                .state();
        assertSame(policy.view().grantsByTokenHash(), server.view().grantsByTokenHash());
        assertSame(policy.view().policies(), server.view().policies());
        assertSame(policy.view().servers().get("s1"), server.view().servers().get("s1"));
    }

    /** Whatever the order of changes, the state they lead to is the one a full snapshot of the same store gives. */
    @Test
    void changesAppliedOneByOneEqualAFullSnapshotOfTheirResult() {
        ConnectedSnapshots.State st = base();
        List<Change> changes = List.of(
                Change.newBuilder().setGrant(grant("g2", HASH_C, "q", 0)).build(),
                Change.newBuilder().setGrant(grant("g1", HASH_D, "q", 0)).build(), // rotated: a new token hash
                Change.newBuilder().setServer(server("s2", "http://127.0.0.1:11/mcp", "X-Key", "secret-3")).build(),
                Change.newBuilder().setServer(server("s1", "http://127.0.0.1:12/mcp", "X-Key", "secret-4")).build(),
                Change.newBuilder().setPolicy(policy("r", 1, DENY)).build(),
                Change.newBuilder().setPolicy(policy("p", 4, DENY)).build(),
                Change.newBuilder().setRemovedPolicy("q").build(),
                Change.newBuilder().setRemovedServer("s2").build(),
                Change.newBuilder().setRemovedGrant("g2").build(),
                Change.newBuilder().setRemovedGrant("no-such-grant").build());
        long revision = st.revision();
        for (Change change : changes) {
            st = assertInstanceOf(ConnectedSnapshots.Applied.class, snapshots.apply(st, ++revision, change)).state();
        }
        ConnectedSnapshots.State full = assertInstanceOf(ConnectedSnapshots.Applied.class,
                snapshots.fromSnapshot(revision, st.toSnapshot())).state();
        assertEquals(full.view().servers(), st.view().servers());
        assertEquals(full.view().grantsByTokenHash(), st.view().grantsByTokenHash());
        assertEquals(java.util.Set.of(HASH_B, HASH_D), st.view().grantsByTokenHash().keySet(), "g1's old hash is gone");
        assertEquals(full.view().policies().keySet(), st.view().policies().keySet());
        Map<String, PolicyEntry> applied = st.view().policies();
        full.view().policies().forEach((name, entry) -> assertEquals(entry.version(), applied.get(name).version(), name));
        assertEquals(full.view().version(), st.view().version());
    }

    @Test
    void aPolicyThatDoesNotCompileIsRefusedAndTheStateStays() {
        ConnectedSnapshots.State st = base();
        ConnectedSnapshots.Refused r = assertInstanceOf(ConnectedSnapshots.Refused.class, snapshots.apply(st, 8,
                Change.newBuilder().setPolicy(policy("p", 4, "{\"version\":\"1\",\"default\":\"maybe\"}")).build()));
        assertTrue(r.problems().get(0).startsWith("policy p version 4/default"), r.problems().toString());
        assertEquals("3", st.view().policies().get("p").version());
        assertInstanceOf(ConnectedSnapshots.Refused.class, snapshots.fromSnapshot(1, Snapshot.newBuilder()
                .addPolicies(policy("p", 1, "not json")).build()), "a whole snapshot with a bad policy is refused");
    }

    @Test
    void aHeaderSealedForAnotherServerOrAnUnknownKeyDoesNotOpen() {
        Server moved = server("other", "http://127.0.0.1:9/mcp", "X-Key", "secret-1").toBuilder().setId("s1").build();
        ConnectedSnapshots.Refused r = assertInstanceOf(ConnectedSnapshots.Refused.class,
                snapshots.fromSnapshot(1, Snapshot.newBuilder().addServers(moved).build()));
        assertFalse(r.problems().toString().contains("secret-1"));
        ConnectedSnapshots.Refused noKey = assertInstanceOf(ConnectedSnapshots.Refused.class,
                new ConnectedSnapshots(Keyring.decryptOnly(Map.of(), "warden.gateway.connected.crypto.keys"))
                        .fromSnapshot(1, Snapshot.newBuilder().addServers(server("s1", "http://h/", "X-Key", "v")).build()));
        assertTrue(noKey.problems().get(0).contains("warden.gateway.connected.crypto.keys.v1"), noKey.problems().toString());
    }

    @Test
    void anOldRevisionIsRefused() {
        ConnectedSnapshots.State st = base();
        assertInstanceOf(ConnectedSnapshots.Refused.class,
                snapshots.apply(st, 7, Change.newBuilder().setRemovedGrant("g1").build()));
    }

    @Test
    void theDiskSnapshotRoundTripsAndIsReplacedWhole(@TempDir Path dir) throws Exception {
        SnapshotFile file = new SnapshotFile(dir.resolve("snap.bin"));
        assertTrue(file.read().isEmpty());
        ConnectedSnapshots.State st = base();
        file.write(st.revision(), st.toSnapshot());
        file.write(st.revision(), st.toSnapshot());
        WatchEvent back = file.read().orElseThrow();
        assertEquals(7, back.getRevision());
        ConnectedSnapshots.State again = ((ConnectedSnapshots.Applied) snapshots.fromSnapshot(back.getRevision(),
                back.getSnapshot())).state();
        assertEquals(st.view().servers(), again.view().servers());
        assertFalse(new String(Files.readAllBytes(file.path())).contains("secret-1"), "headers stay sealed on disk");
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file.path()), listing.toList(), "no temporary file left behind");
        }
    }

    @Test
    void backoffGrowsAndStaysWithinItsBounds() {
        GrpcSnapshotSource source = new GrpcSnapshotSource(new GrpcSnapshotSource.Settings(List.of(), "k", "gw",
                Duration.ofMillis(100), Duration.ofSeconds(2)), snapshots, new SnapshotFile(Path.of("unused")), CLOCK);
        try {
            for (int i = 0; i < 200; i++) {
                long first = source.backoffMillis(0);
                assertTrue(first >= 50 && first <= 100, "first wait " + first);
                long late = source.backoffMillis(40);
                assertTrue(late >= 1000 && late <= 2000, "capped wait " + late);
            }
        } finally {
            source.close();
        }
    }
}
