package io.warden.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.api.crypto.Keyring;
import io.warden.api.snapshot.v1.Change;
import io.warden.api.snapshot.v1.Policy;
import io.warden.api.snapshot.v1.Server;
import io.warden.api.snapshot.v1.Snapshot;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.snapshot.EraPin;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.Grant;
import io.warden.snapshot.PolicyEntry;
import io.warden.snapshot.ToolPins;
import io.warden.snapshot.UpstreamServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Connected mode's pure core: turns policy-service's full snapshot into a {@link GatewaySnapshot}, and applies one
 * change to the state it runs, giving a whole new state (or the reasons it was refused: the caller then keeps the
 * state it had). Only the entity a change names is rebuilt; everything else, compiled policies and indexes, is reused.
 */
public final class ConnectedSnapshots {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a gateway runs: the stream's entities as received (kept to write the disk snapshot and to apply the next
     * change), and the gateway's view built from them.
     */
    public record State(long revision, Map<String, Server> servers, Map<String, io.warden.api.snapshot.v1.Grant> grants,
                        Map<String, Policy> policies, GatewaySnapshot view) {
        public State {
            servers = Map.copyOf(servers);
            grants = Map.copyOf(grants);
            policies = Map.copyOf(policies);
        }

        /** The state as one snapshot message, to store on disk. */
        public Snapshot toSnapshot() {
            return Snapshot.newBuilder().addAllServers(servers.values()).addAllGrants(grants.values())
                    .addAllPolicies(policies.values()).build();
        }
    }

    public sealed interface Outcome permits Applied, Refused {}

    public record Applied(State state) implements Outcome {}

    /** Nothing changed: each problem names the entity (never a secret). */
    public record Refused(List<String> problems) implements Outcome {}

    private final Keyring keyring;

    public ConnectedSnapshots(Keyring keyring) {
        this.keyring = keyring;
    }

    /** A full snapshot: every policy compiles and every header opens, or the whole snapshot is refused. */
    public Outcome fromSnapshot(long revision, Snapshot snapshot) {
        return fromSnapshot(revision, snapshot, null);
    }

    /**
     * The same after a reconnect: policies equal to those of {@code previous} (may be null) keep their compiled form,
     * so a fresh snapshot of an unchanged store compiles nothing.
     */
    public Outcome fromSnapshot(long revision, Snapshot snapshot, State previous) {
        Map<String, Server> servers = new LinkedHashMap<>();
        snapshot.getServersList().forEach(s -> servers.put(s.getId(), s));
        Map<String, io.warden.api.snapshot.v1.Grant> grants = new LinkedHashMap<>();
        snapshot.getGrantsList().forEach(g -> grants.put(g.getId(), g));
        Map<String, Policy> policies = new LinkedHashMap<>();
        snapshot.getPoliciesList().forEach(p -> policies.put(p.getName(), p));
        return previous == null ? build(revision, servers, grants, policies, Map.of(), Map.of(), Map.of())
                : build(revision, servers, grants, policies, previous.policies(), previous.view().policies(),
                        previous.view().servers());
    }

    /**
     * One change on top of {@code current}; its revision must be newer. Only what the change names is rebuilt: one
     * server's headers opened, one policy compiled, one grant indexed; every other entry of every index is reused, so a
     * change costs about the same with ten grants or ten thousand. The result equals a full snapshot of the same store.
     */
    public Outcome apply(State current, long revision, Change change) {
        if (revision <= current.revision()) {
            return new Refused(List.of("revision " + revision + " is not after " + current.revision()));
        }
        GatewaySnapshot view = current.view();
        Map<String, Server> servers = current.servers();
        Map<String, io.warden.api.snapshot.v1.Grant> grants = current.grants();
        Map<String, Policy> policies = current.policies();
        Map<String, UpstreamServer> upstreams = view.servers();
        Map<String, Grant> byHash = view.grantsByTokenHash();
        Map<String, PolicyEntry> entries = view.policies();
        List<String> problems = new ArrayList<>();
        switch (change.getEntityCase()) {
            case SERVER -> {
                Server s = change.getServer();
                UpstreamServer u = upstream(s, problems);
                if (u != null) {
                    UpstreamServer old = upstreams.get(u.id());
                    upstreams = with(upstreams, u.id(), u.equals(old) ? old : u);
                }
                servers = with(servers, s.getId(), s);
            }
            case GRANT -> {
                io.warden.api.snapshot.v1.Grant g = change.getGrant();
                byHash = reindex(byHash, grants.get(g.getId()), grant(g));
                grants = with(grants, g.getId(), g);
            }
            case POLICY -> {
                Policy p = change.getPolicy();
                PolicyEntry compiled = compile(p, problems);
                if (compiled != null) {
                    entries = with(entries, p.getName(), compiled);
                }
                policies = with(policies, p.getName(), p);
            }
            case REMOVED_SERVER -> {
                servers = without(servers, change.getRemovedServer());
                upstreams = without(upstreams, change.getRemovedServer());
            }
            case REMOVED_GRANT -> {
                byHash = reindex(byHash, grants.get(change.getRemovedGrant()), null);
                grants = without(grants, change.getRemovedGrant());
            }
            case REMOVED_POLICY -> {
                policies = without(policies, change.getRemovedPolicy());
                entries = without(entries, change.getRemovedPolicy());
            }
            case ENTITY_NOT_SET -> problems.add("revision " + revision + ": a change that names no entity");
        }
        if (!problems.isEmpty()) {
            return new Refused(problems);
        }
        return new Applied(new State(revision, servers, grants, policies,
                new GatewaySnapshot("r" + revision, upstreams, byHash, entries)));
    }

    /** A copy with one entry put; immutable, so the records' own copies of it cost nothing. */
    private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
        Map<String, V> copy = new HashMap<>(map);
        copy.put(key, value);
        return Map.copyOf(copy);
    }

    private static <V> Map<String, V> without(Map<String, V> map, String key) {
        if (!map.containsKey(key)) {
            return map;
        }
        Map<String, V> copy = new HashMap<>(map);
        copy.remove(key);
        return Map.copyOf(copy);
    }

    /**
     * The token-hash index in one copy: without the hash of grant {@code old} (null: a new grant) if it still names
     * that grant (a rotated token leaves no old hash behind), and with {@code added} (null: a removal).
     */
    private static Map<String, Grant> reindex(Map<String, Grant> byHash, io.warden.api.snapshot.v1.Grant old,
                                              Grant added) {
        Map<String, Grant> index = new HashMap<>(byHash);
        if (old != null && index.containsKey(old.getTokenHash())
                && index.get(old.getTokenHash()).id().equals(old.getId())) {
            index.remove(old.getTokenHash());
        }
        if (added != null) {
            index.put(added.tokenHash(), added);
        }
        return Map.copyOf(index);
    }

    private Outcome build(long revision, Map<String, Server> servers, Map<String, io.warden.api.snapshot.v1.Grant> grants,
                          Map<String, Policy> policies, Map<String, Policy> policiesBefore,
                          Map<String, PolicyEntry> compiledBefore, Map<String, UpstreamServer> serversBefore) {
        List<String> problems = new ArrayList<>();
        Map<String, PolicyEntry> entries = new HashMap<>();
        for (Policy p : policies.values()) {
            PolicyEntry before = compiledBefore.get(p.getName());
            if (before != null && p.equals(policiesBefore.get(p.getName()))) {
                entries.put(p.getName(), before); // unchanged since the last snapshot: not compiled again
                continue;
            }
            PolicyEntry compiled = compile(p, problems);
            if (compiled != null) {
                entries.put(p.getName(), compiled);
            }
        }
        Map<String, UpstreamServer> upstreams = new HashMap<>();
        for (Server s : servers.values()) {
            UpstreamServer u = upstream(s, problems);
            if (u != null) {
                UpstreamServer old = serversBefore.get(u.id());
                upstreams.put(u.id(), u.equals(old) ? old : u);
            }
        }
        Map<String, Grant> byHash = new HashMap<>();
        for (io.warden.api.snapshot.v1.Grant g : grants.values()) {
            byHash.put(g.getTokenHash(), grant(g));
        }
        if (!problems.isEmpty()) {
            return new Refused(problems);
        }
        GatewaySnapshot view = new GatewaySnapshot("r" + revision, upstreams, byHash, entries);
        return new Applied(new State(revision, servers, grants, policies, view));
    }

    /**
     * A grant as the gateway holds it. One past its expiry stays indexed: the authenticator refuses it as expired on
     * every request, whether it expired before or after this snapshot was built.
     */
    private static Grant grant(io.warden.api.snapshot.v1.Grant g) {
        return new Grant(g.getId(), g.getLabel().isEmpty() ? g.getId() : g.getLabel(), g.getServer(), g.getTokenHash(),
                g.getPolicy().isEmpty() ? null : g.getPolicy(), g.getTagsMap(), g.getExpiresAtMillis());
    }

    private PolicyEntry compile(Policy p, List<String> problems) {
        String at = "policy " + p.getName() + " version " + p.getVersion();
        JsonNode doc;
        try {
            doc = JSON.readTree(p.getDocument());
        } catch (Exception e) {
            problems.add(at + ": not JSON");
            return null;
        }
        CompileResult result = PolicyCompiler.compile(doc, p.getName());
        if (!result.ok()) {
            result.problems().forEach(pr -> problems.add(at + pr.pointer() + ": " + pr.message()));
            return null;
        }
        return new PolicyEntry(p.getName(), String.valueOf(p.getVersion()), result.policy());
    }

    private UpstreamServer upstream(Server s, List<String> problems) {
        String at = "server " + s.getId();
        URI url;
        try {
            url = URI.create(s.getUrl());
        } catch (IllegalArgumentException e) {
            problems.add(at + ": the URL does not parse"); // never the URL: it may carry credentials
            return null;
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            problems.add(at + ": not an absolute http or https URL");
            return null;
        }
        EraPin era = s.getEra().isEmpty() ? EraPin.AUTO : EraPin.fromWire(s.getEra());
        if (era == null) {
            problems.add(at + ": unknown era \"" + s.getEra() + "\" (expected " + EraPin.spellings() + ")");
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : s.getSealedHeadersMap().entrySet()) {
            try {
                headers.put(h.getKey(), keyring.decrypt(h.getValue(), Keyring.headerContext(s.getId(), h.getKey())));
            } catch (RuntimeException e) {
                // The keyring's messages name the key version and setting, never key material or the value.
                problems.add(at + " header " + h.getKey() + ": " + e.getMessage());
            }
        }
        ToolPins pins = s.getToolPinning() || s.getToolPinsCount() > 0
                ? new ToolPins(s.getToolPinning(), s.getToolPinsMap(), Set.copyOf(s.getChangedToolsList()))
                : ToolPins.NONE;
        return new UpstreamServer(s.getId(), s.getName().isEmpty() ? s.getId() : s.getName(), url, headers, Map.of(), era,
                pins, s.getHttp2());
    }
}
