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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Connected mode's pure core: turns policy-service's full snapshot into a {@link GatewaySnapshot}, and applies one
 * change to the state it runs, giving a whole new state (or the reasons it was refused: the caller then keeps the
 * state it had). Only the entity a change names is rebuilt; every other compiled policy is reused.
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
    private final Clock clock;

    public ConnectedSnapshots(Keyring keyring, Clock clock) {
        this.keyring = keyring;
        this.clock = clock;
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

    /** One change on top of {@code current}; its revision must be newer. */
    public Outcome apply(State current, long revision, Change change) {
        if (revision <= current.revision()) {
            return new Refused(List.of("revision " + revision + " is not after " + current.revision()));
        }
        Map<String, Server> servers = new LinkedHashMap<>(current.servers());
        Map<String, io.warden.api.snapshot.v1.Grant> grants = new LinkedHashMap<>(current.grants());
        Map<String, Policy> policies = new LinkedHashMap<>(current.policies());
        switch (change.getEntityCase()) {
            case SERVER -> servers.put(change.getServer().getId(), change.getServer());
            case GRANT -> grants.put(change.getGrant().getId(), change.getGrant());
            case POLICY -> policies.put(change.getPolicy().getName(), change.getPolicy());
            case REMOVED_SERVER -> servers.remove(change.getRemovedServer());
            case REMOVED_GRANT -> grants.remove(change.getRemovedGrant());
            case REMOVED_POLICY -> policies.remove(change.getRemovedPolicy());
            case ENTITY_NOT_SET -> {
                return new Refused(List.of("revision " + revision + ": a change that names no entity"));
            }
        }
        return build(revision, servers, grants, policies, current.policies(), current.view().policies(),
                current.view().servers());
    }

    private Outcome build(long revision, Map<String, Server> servers, Map<String, io.warden.api.snapshot.v1.Grant> grants,
                          Map<String, Policy> policies, Map<String, Policy> policiesBefore,
                          Map<String, PolicyEntry> compiledBefore, Map<String, UpstreamServer> serversBefore) {
        List<String> problems = new ArrayList<>();
        Map<String, PolicyEntry> entries = new HashMap<>();
        for (Policy p : policies.values()) {
            PolicyEntry before = compiledBefore.get(p.getName());
            if (before != null && p.equals(policiesBefore.get(p.getName()))) {
                entries.put(p.getName(), before); // unchanged: a change recompiles only the policy it names
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
        long now = clock.millis();
        for (io.warden.api.snapshot.v1.Grant g : grants.values()) {
            if (g.getExpiresAtMillis() != 0 && g.getExpiresAtMillis() <= now) {
                continue; // already expired: the store still lists it as active until someone looks
            }
            byHash.put(g.getTokenHash(), new Grant(g.getId(), g.getLabel().isEmpty() ? g.getId() : g.getLabel(),
                    g.getServer(), g.getTokenHash(), g.getPolicy().isEmpty() ? null : g.getPolicy(), g.getTagsMap(),
                    g.getExpiresAtMillis()));
        }
        if (!problems.isEmpty()) {
            return new Refused(problems);
        }
        GatewaySnapshot view = new GatewaySnapshot("r" + revision, upstreams, byHash, entries);
        return new Applied(new State(revision, servers, grants, policies, view));
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
                pins);
    }
}
