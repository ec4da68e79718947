package io.warden.policyservice.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.policy.inventory.PolicyRecommender;
import io.warden.policy.inventory.ToolAssessment;
import io.warden.policyservice.audit.AuditTrail;
import io.warden.policyservice.config.PolicyServiceConfig;
import io.warden.policyservice.policies.CanonicalJson;
import io.warden.policyservice.security.Caller;
import io.warden.policyservice.security.Role;
import io.warden.policyservice.servers.Server;
import io.warden.policyservice.servers.ServerRepository;
import io.warden.policyservice.servers.ServerService;
import io.warden.policyservice.snapshot.ChangeLog;
import io.warden.policyservice.snapshot.SnapshotReader;
import io.warden.policyservice.store.Database;
import io.warden.snapshot.ToolDefinitions;
import io.warden.policyservice.web.ProblemException;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The tool inventory: fetch a server's tools (outside any transaction), then store what changed in one
 * transaction that locks the server row, so concurrent fetches of one server apply one after the other. A tool whose
 * definition differs from the accepted one is flagged and audited until someone approves it. Classification and
 * recommendations are policy-engine's ({@link ToolAssessment}, {@link PolicyRecommender}).
 */
@ApplicationScoped
public class InventoryService {
    private static final Logger LOG = Logger.getLogger(InventoryService.class);
    /** The actor of fetches nobody asked for (on registration, periodic). */
    static final Caller SYSTEM = new Caller("system:inventory", "Tool inventory", Role.ADMIN);
    private static final String ENTITY = "tool";

    private final Database db;
    private final ServerRepository servers;
    private final ServerService serverService;
    private final InventoryRepository inventory;
    private final AuditTrail audit;
    private final Clock clock;
    private final ObjectMapper json;
    private final McpToolsClient http1;
    /** For servers marked {@code http2}: the same requests over HTTP/2, as the gateway sends them. */
    private final McpToolsClient http2;
    private final ChangeLog changes;
    private final SnapshotReader entries;

    public InventoryService(Database db, ServerRepository servers, ServerService serverService,
                            InventoryRepository inventory, AuditTrail audit, Clock clock, ObjectMapper json,
                            PolicyServiceConfig config, ChangeLog changes, SnapshotReader entries, Vertx vertx) {
        this.changes = changes;
        this.entries = entries;
        this.db = db;
        this.servers = servers;
        this.serverService = serverService;
        this.inventory = inventory;
        this.audit = audit;
        this.clock = clock;
        this.json = json;
        Duration timeout = config.inventory().upstreamTimeout();
        int maxPages = config.inventory().maxPages();
        this.http1 = new McpToolsClient(new JdkUpstreamHttp(timeout), json, timeout, maxPages);
        this.http2 = new McpToolsClient(new Http2UpstreamHttp(vertx, timeout), json, timeout, maxPages);
    }

    /** Fetches the server's tools and stores them; a failed fetch is recorded and keeps the previous inventory. */
    public InventoryViews.Refresh refresh(String serverId, Caller caller) {
        Server server = db.read(c -> servers.find(c, serverId, false))
                .orElseThrow(() -> ProblemException.notFound("server", serverId));
        Map<String, String> headers = serverService.upstreamHeaders(serverId);
        McpToolsClient.Listing listing;
        try {
            listing = client(server).list(server.url(), headers, server.era());
        } catch (McpToolsClient.UpstreamException e) {
            FetchOutcome failed = new FetchOutcome(serverId, clock.instant(), false, null, e.getMessage());
            LOG.infof("tools of server %s not fetched: %s", serverId, e.getMessage());
            return db.inTransaction(c -> {
                requireUnchanged(c, server);
                inventory.recordFetch(c, failed);
                return new InventoryViews.Refresh(serverId, fetch(failed), inventory.tools(c, serverId).size(),
                        List.of(), List.of(), List.of());
            });
        }
        return db.inTransaction(c -> store(c, server, listing, caller));
    }

    /**
     * Locks the server row and checks it is still the server that was fetched: a fetch that took a while must not
     * store what an earlier URL or a deleted and re-created server listed.
     */
    private void requireUnchanged(Connection c, Server fetched) throws SQLException {
        Server now = servers.find(c, fetched.id(), true)
                .orElseThrow(() -> ProblemException.notFound("server", fetched.id()));
        if (!now.createdAt().equals(fetched.createdAt()) || !now.updatedAt().equals(fetched.updatedAt())) {
            throw ProblemException.conflict("server '" + fetched.id() + "' changed while its tools were fetched;"
                    + " fetch again");
        }
    }

    private InventoryViews.Refresh store(Connection c, Server server, McpToolsClient.Listing listing, Caller caller)
            throws SQLException {
        String serverId = server.id();
        requireUnchanged(c, server);
        InventoryRepository.Pins pinsBefore = inventory.pins(c, serverId);
        Instant now = clock.instant();
        Map<String, ToolRow> known = inventory.tools(c, serverId);
        Map<String, ObjectNode> listed = new LinkedHashMap<>();
        for (JsonNode tool : listing.tools()) {
            String name = tool.path("name").asText("");
            if (!name.isEmpty()) {
                listed.putIfAbsent(name, ToolDefinitions.of(tool)); // a duplicate name: the first one counts
            }
        }
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> e : listed.entrySet()) {
            String definition = CanonicalJson.write(e.getValue());
            String hash = CanonicalJson.hash(e.getValue());
            ToolRow old = known.get(e.getKey());
            if (old == null) {
                inventory.upsert(c, new ToolRow(serverId, e.getKey(), definition, hash, definition, hash, now, now, now,
                        true));
                added.add(e.getKey());
            } else if (!old.hash().equals(hash)) {
                inventory.upsert(c, new ToolRow(serverId, e.getKey(), definition, hash, old.approvedDefinition(),
                        old.approvedHash(), old.firstSeen(), now, now, true));
                if (!hash.equals(old.approvedHash())) {
                    // The rug pull: the upstream now describes the tool differently from what was accepted.
                    changed.add(e.getKey());
                    audit.record(c, caller, "changed", ENTITY, serverId + "/" + e.getKey(),
                            change(serverId, e.getKey(), old.hash(), old.definition()),
                            change(serverId, e.getKey(), hash, definition));
                }
            } else {
                inventory.upsert(c, new ToolRow(serverId, e.getKey(), old.definition(), old.hash(),
                        old.approvedDefinition(), old.approvedHash(), old.firstSeen(), old.lastChanged(), now, true));
            }
        }
        for (ToolRow old : known.values()) {
            if (old.listed() && !listed.containsKey(old.name())) {
                inventory.upsert(c, new ToolRow(serverId, old.name(), old.definition(), old.hash(),
                        old.approvedDefinition(), old.approvedHash(), old.firstSeen(), old.lastChanged(),
                        old.lastSeen(), false));
                removed.add(old.name());
            }
        }
        FetchOutcome outcome = new FetchOutcome(serverId, now, true, listing.era(), null);
        inventory.recordFetch(c, outcome);
        publishPins(c, serverId, pinsBefore);
        return new InventoryViews.Refresh(serverId, fetch(outcome), listed.size(), added, changed, removed);
    }

    public InventoryViews.Inventory tools(String serverId) {
        return db.read(c -> {
            requireServer(c, serverId);
            List<InventoryViews.Tool> views = new ArrayList<>();
            List<String> pending = new ArrayList<>();
            for (ToolRow row : inventory.tools(c, serverId).values()) {
                views.add(view(row));
                if (row.changed() && row.listed()) {
                    pending.add(row.name());
                }
            }
            InventoryViews.Fetch last = inventory.lastFetch(c, serverId).map(InventoryService::fetch).orElse(null);
            return new InventoryViews.Inventory(serverId, last, inventory.pinning(c, serverId), pending, views);
        });
    }

    /** The recommended policy for the tools the server lists now (always compiles). */
    public ObjectNode recommendedPolicy(String serverId) {
        return db.read(c -> {
            requireServer(c, serverId);
            List<ToolAssessment> assessed = new ArrayList<>();
            for (ToolRow row : inventory.tools(c, serverId).values()) {
                if (row.listed()) {
                    assessed.add(ToolAssessment.of(CanonicalJson.parse(row.definition()), null));
                }
            }
            return PolicyRecommender.forServer(assessed);
        });
    }

    /** Accepts the tool's current definition; 409 when nothing waits for approval. */
    public InventoryViews.Tool approve(String serverId, String name, Caller caller) {
        return db.inTransaction(c -> {
            if (servers.find(c, serverId, true).isEmpty()) {
                throw ProblemException.notFound("server", serverId);
            }
            ToolRow row = inventory.tools(c, serverId).get(name);
            if (row == null) {
                throw ProblemException.notFound("tool", serverId + "/" + name);
            }
            if (!row.changed()) {
                throw ProblemException.conflict("tool '" + name + "' has no changed definition waiting for approval");
            }
            ToolRow approved = new ToolRow(serverId, name, row.definition(), row.hash(), row.definition(), row.hash(),
                    row.firstSeen(), row.lastChanged(), row.lastSeen(), row.listed());
            InventoryRepository.Pins pinsBefore = inventory.pins(c, serverId);
            inventory.upsert(c, approved);
            publishPins(c, serverId, pinsBefore);
            audit.record(c, caller, "approve", ENTITY, serverId + "/" + name,
                    change(serverId, name, row.approvedHash(), row.approvedDefinition()),
                    change(serverId, name, row.hash(), row.definition()));
            return view(approved);
        });
    }

    /**
     * Turns the server's tool pinning on or off: when on, gateways hide (tools/list) and refuse (tools/call) every
     * tool whose definition is not the approved one.
     */
    public InventoryViews.Pinning setPinning(String serverId, InventoryViews.Pinning request, Caller caller) {
        if (request == null || request.enabled() == null) {
            throw ProblemException.invalid(List.of(new io.warden.policyservice.web.FieldError("/enabled",
                    "required (true or false)")));
        }
        return db.inTransaction(c -> {
            if (servers.find(c, serverId, true).isEmpty()) {
                throw ProblemException.notFound("server", serverId);
            }
            InventoryRepository.Pins before = inventory.pins(c, serverId);
            inventory.setPinning(c, serverId, request.enabled(), clock.instant(), caller.id());
            InventoryViews.Pinning after = new InventoryViews.Pinning(request.enabled());
            if (before.enabled() != request.enabled()) {
                audit.record(c, caller, request.enabled() ? "pin-tools" : "unpin-tools", "server", serverId,
                        new InventoryViews.Pinning(before.enabled()), after);
            }
            publishPins(c, serverId, before);
            return after;
        });
    }

    /** A change for the gateways when what they enforce of the server's tools is different now. */
    private void publishPins(Connection c, String serverId, InventoryRepository.Pins before) throws SQLException {
        if (!inventory.pins(c, serverId).equals(before)) {
            changes.server(c, serverId, entries.server(c, serverId).orElseThrow());
        }
    }

    /** Reachability and era of the server, as a result (never an error for an unreachable upstream). */
    public InventoryViews.ConnectionTest test(String serverId) {
        Server server = db.read(c -> servers.find(c, serverId, false))
                .orElseThrow(() -> ProblemException.notFound("server", serverId));
        Map<String, String> headers = serverService.upstreamHeaders(serverId);
        long start = System.nanoTime();
        try {
            McpToolsClient.Listing listing = client(server).list(server.url(), headers, server.era());
            return new InventoryViews.ConnectionTest(serverId, true, listing.era(), listing.protocolVersion(),
                    listing.serverInfo(), listing.tools().size(), elapsedMs(start), null);
        } catch (McpToolsClient.UpstreamException e) {
            return new InventoryViews.ConnectionTest(serverId, false, null, null, null, null, elapsedMs(start),
                    e.getMessage());
        }
    }

    private McpToolsClient client(Server server) {
        return server.http2() ? http2 : http1;
    }

    /** Every server id, for the periodic fetch. */
    List<String> serverIds() {
        return db.read(c -> servers.list(c).stream().map(Server::id).toList());
    }

    private InventoryViews.Tool view(ToolRow row) {
        JsonNode definition = CanonicalJson.parse(row.definition());
        ToolAssessment assessed = ToolAssessment.of(definition, null);
        PolicyRecommender.Recommendation r = PolicyRecommender.forTool(assessed);
        return new InventoryViews.Tool(row.name(), text(definition, "title"), text(definition, "description"),
                definition.get("inputSchema"), definition.get("annotations"), row.hash(), row.firstSeen(),
                row.lastChanged(), row.lastSeen(), row.listed(), row.changed(), assessed.category().jsonName(),
                assessed.risk().jsonName(), assessed.reasons(), new InventoryViews.Recommended(r.action(), r.why(),
                r.rule()), definition, row.changed() ? CanonicalJson.parse(row.approvedDefinition()) : null);
    }

    private InventoryViews.ToolChange change(String serverId, String tool, String hash, String definition) {
        return new InventoryViews.ToolChange(serverId, tool, hash, CanonicalJson.parse(definition));
    }

    private void requireServer(Connection c, String serverId) throws SQLException {
        if (servers.find(c, serverId, false).isEmpty()) {
            throw ProblemException.notFound("server", serverId);
        }
    }

    private static InventoryViews.Fetch fetch(FetchOutcome f) {
        return new InventoryViews.Fetch(f.at(), f.ok(), f.era(), f.error());
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
