package io.warden.policyservice.snapshot;

import io.warden.api.snapshot.v1.Change;
import io.warden.api.snapshot.v1.Grant;
import io.warden.api.snapshot.v1.Policy;
import io.warden.api.snapshot.v1.Resumed;
import io.warden.api.snapshot.v1.Server;
import io.warden.api.snapshot.v1.Snapshot;
import io.warden.api.snapshot.v1.WatchEvent;

/** Entries to protobuf messages. Pure. */
final class Protos {
    private Protos() {
    }

    static WatchEvent snapshot(Entries.Snapshot s) {
        Snapshot.Builder body = Snapshot.newBuilder();
        s.servers().forEach(e -> body.addServers(server(e)));
        s.grants().forEach(e -> body.addGrants(grant(e)));
        s.policies().forEach(e -> body.addPolicies(policy(e)));
        return WatchEvent.newBuilder().setRevision(s.revision()).setSnapshot(body).build();
    }

    /** The first event of a resumed stream: the gateway keeps what it runs at {@code revision}. */
    static WatchEvent resumed(long revision) {
        return WatchEvent.newBuilder().setRevision(revision).setResumed(Resumed.getDefaultInstance()).build();
    }

    static WatchEvent change(Entries.Change c) {
        Change.Builder body = Change.newBuilder();
        switch (c.entityType()) {
            case "server" -> {
                if (c.entry() == null) {
                    body.setRemovedServer(c.entityId());
                } else {
                    body.setServer(server((Entries.ServerEntry) c.entry()));
                }
            }
            case "grant" -> {
                if (c.entry() == null) {
                    body.setRemovedGrant(c.entityId());
                } else {
                    body.setGrant(grant((Entries.GrantEntry) c.entry()));
                }
            }
            case "policy" -> {
                if (c.entry() == null) {
                    body.setRemovedPolicy(c.entityId());
                } else {
                    body.setPolicy(policy((Entries.PolicyEntry) c.entry()));
                }
            }
            default -> throw new IllegalStateException("unknown entity type " + c.entityType());
        }
        return WatchEvent.newBuilder().setRevision(c.revision()).setChange(body).build();
    }

    private static Server server(Entries.ServerEntry e) {
        return Server.newBuilder().setId(e.id()).setName(e.name()).setUrl(e.url()).setEra(e.era())
                .putAllSealedHeaders(e.sealedHeaders()).setToolPinning(e.toolPinning()).putAllToolPins(e.toolPins())
                .addAllChangedTools(e.changedTools()).setHttp2(e.http2()).build();
    }

    private static Grant grant(Entries.GrantEntry e) {
        return Grant.newBuilder().setId(e.id()).setLabel(e.label()).setServer(e.server()).setPolicy(e.policy())
                .setTokenHash(e.tokenHash()).putAllTags(e.tags()).setExpiresAtMillis(e.expiresAtMillis()).build();
    }

    private static Policy policy(Entries.PolicyEntry e) {
        return Policy.newBuilder().setName(e.name()).setVersion(e.version()).setHash(e.hash())
                .setDocument(e.document()).build();
    }
}
