package io.warden.policyservice.servers;

import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.crypto.SecretCipher;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.snapshot.ChangeLog;
import io.warden.policyservice.snapshot.SnapshotReader;
import io.warden.policyservice.store.Database;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Servers: validated, written with their encrypted headers and an audit entry in one transaction. */
@ApplicationScoped
public class ServerService {
    private static final String ENTITY = "server";

    private final Database db;
    private final ServerRepository servers;
    private final SecretCipher cipher;
    private final AuditTrail audit;
    private final Clock clock;
    private final ChangeLog changes;
    private final SnapshotReader entries;

    public ServerService(Database db, ServerRepository servers, SecretCipher cipher, AuditTrail audit, Clock clock,
                         ChangeLog changes, SnapshotReader entries) {
        this.changes = changes;
        this.entries = entries;
        this.db = db;
        this.servers = servers;
        this.cipher = cipher;
        this.audit = audit;
        this.clock = clock;
    }

    public ServerView create(ServerInput input, Caller caller) {
        requireBody(input);
        Checks checks = new Checks().id(input.id(), "/id").text(input.name(), "/name", 200);
        ServerRules.url(checks, input.url());
        ServerRules.era(checks, input.era());
        ServerRules.headers(checks, input.headers(), false);
        checks.orThrow();
        Instant now = clock.instant();
        Server server = new Server(input.id(), input.name(), input.url(), input.era() == null ? "auto" : input.era(),
                Boolean.TRUE.equals(input.http2()), now, now);
        return db.inTransaction(c -> {
            if (servers.find(c, server.id(), true).isPresent()) {
                throw ProblemException.duplicate(ENTITY, server.id());
            }
            servers.insert(c, server);
            putHeaders(c, server.id(), input.headers());
            ServerView after = view(c, server);
            audit.record(c, caller, "create", ENTITY, server.id(), null, after);
            changes.server(c, server.id(), entries.server(c, server.id()).orElseThrow());
            return after;
        });
    }

    public List<ServerView> list() {
        return db.read(c -> {
            List<ServerView> views = new java.util.ArrayList<>();
            for (Server s : servers.list(c)) {
                views.add(view(c, s));
            }
            return views;
        });
    }

    public ServerView get(String id) {
        return db.read(c -> view(c, load(c, id, false)));
    }

    public ServerView update(String id, ServerPatch patch, Caller caller) {
        requireBody(patch);
        Checks checks = new Checks();
        if (patch.name() != null) {
            checks.text(patch.name(), "/name", 200);
        }
        if (patch.url() != null) {
            ServerRules.url(checks, patch.url());
        }
        ServerRules.era(checks, patch.era());
        ServerRules.headers(checks, patch.headers(), true);
        checks.orThrow();
        return db.inTransaction(c -> {
            Server old = load(c, id, true);
            ServerView before = view(c, old);
            Server changed = new Server(id, patch.name() != null ? patch.name() : old.name(),
                    patch.url() != null ? patch.url() : old.url(), patch.era() != null ? patch.era() : old.era(),
                    patch.http2() != null ? patch.http2() : old.http2(), old.createdAt(), clock.instant());
            servers.update(c, changed);
            if (patch.headers() != null) {
                Map<String, String> set = new LinkedHashMap<>();
                patch.headers().forEach((name, value) -> {
                    if (value != null) {
                        set.put(name, value);
                    }
                });
                for (Map.Entry<String, String> e : patch.headers().entrySet()) {
                    if (e.getValue() == null) {
                        servers.deleteHeader(c, id, e.getKey());
                    }
                }
                putHeaders(c, id, set);
                int count = servers.headers(c, id).size();
                if (count > ServerRules.MAX_HEADERS) {
                    throw ProblemException.invalid(List.of(new io.warden.policyservice.web.FieldError("/headers",
                            "at most " + ServerRules.MAX_HEADERS + " headers in all; this would make " + count)));
                }
            }
            ServerView after = view(c, changed);
            audit.record(c, caller, "update", ENTITY, id, before, after);
            changes.server(c, id, entries.server(c, id).orElseThrow());
            return after;
        });
    }

    /**
     * Refused while active grants use the server (revoke them first), so no grant points nowhere; its revoked grants
     * go with it.
     */
    public void delete(String id, Caller caller) {
        db.inTransaction(c -> {
            Server old = load(c, id, true);
            int grants = servers.activeGrantCount(c, id);
            if (grants > 0) {
                throw ProblemException.conflict("server '" + id + "' still has " + grants + " active"
                        + (grants == 1 ? " grant" : " grants") + "; revoke them first");
            }
            for (String grant : servers.deleteRevokedGrants(c, id)) {
                audit.record(c, caller, "delete", "grant", grant, null, null);
            }
            ServerView before = view(c, old);
            servers.delete(c, id);
            audit.record(c, caller, "delete", ENTITY, id, before, null);
            changes.server(c, id, null);
            return null;
        });
    }

    /** The decrypted upstream headers of a server, for distribution to gateways; never for the REST API. */
    public Map<String, String> upstreamHeaders(String id) {
        return db.read(c -> {
            load(c, id, false);
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (SealedHeader h : servers.headers(c, id)) {
                headers.put(h.name(), cipher.decrypt(h.ciphertext(), SecretCipher.headerContext(id, h.name())));
            }
            return headers;
        });
    }

    private Server load(Connection c, String id, boolean forUpdate) throws SQLException {
        return servers.find(c, id, forUpdate).orElseThrow(() -> ProblemException.notFound(ENTITY, id));
    }

    private void putHeaders(Connection c, String serverId, Map<String, String> headers) throws SQLException {
        if (headers == null) {
            return;
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String sealed = cipher.encrypt(e.getValue(), SecretCipher.headerContext(serverId, e.getKey()));
            servers.putHeader(c, new SealedHeader(serverId, e.getKey(), sealed, cipher.activeVersion()));
        }
    }

    private ServerView view(Connection c, Server s) throws SQLException {
        Map<String, String> masked = new LinkedHashMap<>();
        for (SealedHeader h : servers.headers(c, s.id())) {
            masked.put(h.name(), ServerView.MASK);
        }
        return new ServerView(s.id(), s.name(), ServerRules.shownUrl(s.url()), s.era(), s.http2(), masked,
                s.createdAt(), s.updatedAt());
    }

    private static void requireBody(Object body) {
        if (body == null) {
            throw ProblemException.malformed("a JSON body is required", List.of(
                    new io.warden.policyservice.web.FieldError("", "a JSON body is required")));
        }
    }
}
