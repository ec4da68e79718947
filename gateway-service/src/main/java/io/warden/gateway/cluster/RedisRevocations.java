package io.warden.gateway.cluster;

import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.warden.gateway.logging.LogSafe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The revocation list shared by all pods. Each pod keeps the whole list in memory ({@link RevocationSet}), so a request
 * never waits for Redis. A revocation is stored in one sorted set ({@value #KEY}: fingerprint scored by expiry) and
 * broadcast on {@value #CHANNEL}; every pod adds what it hears, and loads the whole set after each (re)subscription,
 * which covers what it missed while disconnected. A revocation made while Redis is away holds on this pod at once and
 * is written and broadcast once Redis is back. Each member and message carries the grant's fingerprint beside the token's
 * ({@code "<token fp> <grant fp>"}), so every pod counts what each grant holds; a member without one (written by an
 * older pod) is held and counted for no grant.
 */
public final class RedisRevocations implements Revocations {

    private static final Logger LOG = Logger.getLogger(RedisRevocations.class);
    /** One key, in its own cluster slot. */
    static final String KEY = "warden:{revoked}:sessions";
    static final String CHANNEL = "warden:revocations";

    private final RedisSubscriber redis;
    private final RevocationSet set;
    private final long ttlSeconds;
    /** Revocations not yet confirmed by Redis: member ({@code "<token fp> <grant fp>"}) → expiry. */
    private final Map<String, Long> unsent = new ConcurrentHashMap<>();

    /**
     * @param sessionTtl the session lifetime: no revocation outlives it, so neither does the key
     */
    public RedisRevocations(RedisSubscriber redis, RevocationSet set, Duration sessionTtl) {
        this.redis = redis;
        this.set = set;
        this.ttlSeconds = sessionTtl.toSeconds();
        redis.subscribe(CHANNEL, this::heard).onFailure(t -> { }); // or once connected
        redis.onSubscribed(this::resync);
    }

    @Override
    public boolean revoked(String token) {
        return set.revoked(token);
    }

    @Override
    public void revoke(String grantId, String token, long expiresAtEpochSecond) {
        String member = RevocationSet.fingerprint(token) + " " + RevocationSet.grantKey(grantId);
        add(member, expiresAtEpochSecond);
        unsent.put(member, expiresAtEpochSecond);
        store(member, expiresAtEpochSecond);
    }

    @Override
    public RevocationSet.Holding heldBy(String grantId) {
        return set.heldBy(grantId);
    }

    /** One member into the local set: the token's fingerprint, and the grant's when the member names one. */
    private void add(String member, long expiresAt) {
        int space = member.indexOf(' ');
        set.add(space < 0 ? member : member.substring(0, space),
                space < 0 ? RevocationSet.NO_GRANT : member.substring(space + 1), expiresAt);
    }

    private void store(String member, long expiresAt) {
        redis.batch(List.of(
                        Request.cmd(Command.ZADD).arg(KEY).arg(expiresAt).arg(member),
                        Request.cmd(Command.ZREMRANGEBYSCORE).arg(KEY).arg("-inf").arg(set.now()),
                        Request.cmd(Command.EXPIRE).arg(KEY).arg(ttlSeconds),
                        Request.cmd(Command.PUBLISH).arg(CHANNEL).arg(expiresAt + " " + member)))
                .onSuccess(r -> unsent.remove(member, expiresAt))
                .onFailure(t -> LOG.debugf("revocation not stored yet (%s); it is sent again when Redis is back", LogSafe.text(t.getMessage())));
    }

    /** {@code "<expiry> <token fp> <grant fp>"}; the older {@code "<token fp> <expiry>"} is still understood. */
    private void heard(Buffer message) {
        String[] parts = message.toString().split(" ", 3);
        try {
            if (parts.length == 3) {
                set.add(parts[1], parts[2], Long.parseLong(parts[0]));
            } else if (parts.length == 2) {
                set.add(parts[0], RevocationSet.NO_GRANT, Long.parseLong(parts[1]));
            }
        } catch (NumberFormatException e) {
            LOG.debugf("ignoring a malformed revocation message");
        }
    }

    /** After a (re)subscription: send what Redis never confirmed, then load the whole list. */
    private void resync() {
        unsent.forEach(this::store);
        redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(KEY).arg(set.now()).arg("+inf").arg("WITHSCORES"))
                .onSuccess(this::load)
                .onFailure(t -> LOG.warnf("Could not load the session revocation list from Redis (%s); it loads again"
                        + " after the next reconnect", LogSafe.text(t.getMessage())));
    }

    private void load(Response r) {
        int loaded = 0;
        for (int i = 0; i < r.size(); i++) {
            Response e = r.get(i);
            if (e.size() == 2) { // RESP3: [member, score] pairs
                add(e.get(0).toString(), e.get(1).toDouble().longValue());
                loaded++;
            } else if (i + 1 < r.size()) { // RESP2: member, score, member, score, ...
                add(e.toString(), (long) Double.parseDouble(r.get(++i).toString()));
                loaded++;
            }
        }
        LOG.debugf("loaded %d session revocations from Redis", loaded);
    }

    @Override
    public void close() {
        set.close();
    }
}
