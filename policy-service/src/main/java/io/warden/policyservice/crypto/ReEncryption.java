package io.warden.policyservice.crypto;

import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.servers.SealedHeader;
import io.warden.policyservice.servers.ServerRepository;
import io.warden.policyservice.snapshot.ChangeLog;
import io.warden.policyservice.snapshot.SnapshotReader;
import java.util.TreeSet;
import io.warden.policyservice.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Moves every secret sealed with a retired key to the active one, in one transaction (rows are locked, so a
 * concurrent edit waits). Safe to repeat; afterwards the retired key can be removed from the configuration.
 */
@ApplicationScoped
public class ReEncryption {
    private final Database db;
    private final ServerRepository servers;
    private final SecretCipher cipher;
    private final AuditTrail audit;
    private final ChangeLog changes;
    private final SnapshotReader entries;

    public ReEncryption(Database db, ServerRepository servers, SecretCipher cipher, AuditTrail audit,
                        ChangeLog changes, SnapshotReader entries) {
        this.changes = changes;
        this.entries = entries;
        this.db = db;
        this.servers = servers;
        this.cipher = cipher;
        this.audit = audit;
    }

    /** What a run did: rows moved per former key version, and the version they are sealed with now. */
    public record Report(String activeKeyVersion, int reencrypted, Map<String, Integer> fromVersions) {
    }

    public Report run(Caller caller) {
        String active = cipher.activeVersion();
        return db.inTransaction(c -> {
            List<SealedHeader> stale = servers.headersNotSealedWith(c, active);
            Map<String, Integer> from = new TreeMap<>();
            for (SealedHeader h : stale) {
                String context = SecretCipher.headerContext(h.serverId(), h.name());
                servers.reseal(c, new SealedHeader(h.serverId(), h.name(), cipher.reencrypt(h.ciphertext(), context),
                        active));
                from.merge(h.keyVersion(), 1, Integer::sum);
            }
            Report report = new Report(active, stale.size(), from);
            if (!stale.isEmpty()) {
                audit.record(c, caller, "re-encrypt", "keyring", active, null, report);
            }
            // gateways receive ciphertexts: each server whose values changed is a change for them
            for (String serverId : new TreeSet<>(stale.stream().map(SealedHeader::serverId).toList())) {
                changes.server(c, serverId, entries.server(c, serverId).orElseThrow());
            }
            return report;
        });
    }
}
