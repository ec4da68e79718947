package io.warden.policyservice.snapshot;

import io.warden.policyservice.grants.Grant;
import io.warden.policyservice.grants.GrantRepository;
import io.warden.policyservice.inventory.InventoryRepository;
import io.warden.policyservice.policies.CanonicalJson;
import io.warden.policyservice.policies.PolicyRepository;
import io.warden.policyservice.policies.PolicyVersion;
import io.warden.policyservice.policies.PolicyViews;
import io.warden.policyservice.servers.SealedHeader;
import io.warden.policyservice.servers.Server;
import io.warden.policyservice.servers.ServerRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Reads entities in the form gateways receive, one at a time (for the change log) or all at once (snapshots). */
@ApplicationScoped
public class SnapshotReader {
    private final ServerRepository servers;
    private final GrantRepository grants;
    private final PolicyRepository policies;
    private final ChangeLog changes;
    private final InventoryRepository inventory;

    public SnapshotReader(ServerRepository servers, GrantRepository grants, PolicyRepository policies,
                          ChangeLog changes, InventoryRepository inventory) {
        this.inventory = inventory;
        this.servers = servers;
        this.grants = grants;
        this.policies = policies;
        this.changes = changes;
    }

    public Optional<Entries.ServerEntry> server(Connection c, String id) throws SQLException {
        Optional<Server> server = servers.find(c, id, false);
        return server.isEmpty() ? Optional.empty() : Optional.of(entry(c, server.get()));
    }

    /** Empty for a revoked grant: gateways only ever hold active ones. */
    public static Optional<Entries.GrantEntry> grant(Grant g) {
        if (g.revokedAt() != null) {
            return Optional.empty();
        }
        return Optional.of(new Entries.GrantEntry(g.id(), g.label(), g.serverId(),
                g.policyName() == null ? "" : g.policyName(), g.tokenHash(), new TreeMap<>(g.tags()),
                g.expiresAt() == null ? 0 : g.expiresAt().toEpochMilli()));
    }

    public Optional<Entries.PolicyEntry> policy(Connection c, String name) throws SQLException {
        Optional<PolicyRepository.Head> head = policies.head(c, name, false);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        PolicyVersion v = policies.version(c, name, head.get().currentVersion()).orElseThrow();
        return Optional.of(new Entries.PolicyEntry(name, v.version(), v.canonicalHash(),
                CanonicalJson.write(CanonicalJson.parse(v.document()))));
    }

    /** Everything, at the revision this (repeatable-read) transaction sees. */
    public Entries.Snapshot full(Connection c) throws SQLException {
        long revision = changes.revision(c);
        List<Entries.ServerEntry> serverEntries = new ArrayList<>();
        for (Server s : servers.list(c)) {
            serverEntries.add(entry(c, s));
        }
        List<Entries.GrantEntry> grantEntries = new ArrayList<>();
        for (Grant g : grants.list(c, null)) {
            grant(g).ifPresent(grantEntries::add);
        }
        List<Entries.PolicyEntry> policyEntries = new ArrayList<>();
        for (PolicyViews.Summary p : policies.summaries(c)) {
            policy(c, p.name()).ifPresent(policyEntries::add);
        }
        return new Entries.Snapshot(revision, serverEntries, grantEntries, policyEntries);
    }

    private Entries.ServerEntry entry(Connection c, Server s) throws SQLException {
        Map<String, String> sealed = new TreeMap<>();
        for (SealedHeader h : servers.headers(c, s.id())) {
            sealed.put(h.name(), h.ciphertext());
        }
        InventoryRepository.Pins pins = inventory.pins(c, s.id());
        return new Entries.ServerEntry(s.id(), s.name(), s.url(), s.era(), sealed, pins.enabled(), pins.approved(),
                pins.changed(), s.http2());
    }
}
