package io.warden.gateway.approval;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.api.approval.v1.Approval;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;

/**
 * Standalone mode's way to decide approvals, on the gateway's own port:
 * {@code GET /warden/approvals} lists the pending ones (tool, grant, argument names, reason; never argument values),
 * {@code POST /warden/approvals/{id}/approve} and {@code .../deny} decide one, with an optional JSON body
 * {@code {"comment": "...", "by": "..."}}. Every request carries {@code Authorization: Bearer <admin key>}; errors are
 * RFC 9457 problem+json. Mounted only when an admin key is configured.
 */
public final class ApprovalAdmin {

    static final int MAX_BODY = 8 * 1024;
    static final int MAX_TEXT = 500;

    private final LocalApprovals approvals;
    private final byte[] key;

    public ApprovalAdmin(LocalApprovals approvals, String adminKey) {
        this.approvals = approvals;
        this.key = adminKey.getBytes(StandardCharsets.UTF_8);
    }

    public void register(Router router) {
        router.route("/warden/approvals*").handler(this::authorized);
        router.get("/warden/approvals").handler(this::list);
        router.post("/warden/approvals/:id/:decision")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY).setHandleFileUploads(false))
                .handler(this::decide)
                .failureHandler(ctx -> problem(ctx, ctx.statusCode() == 413 ? 413 : 400,
                        ctx.statusCode() == 413 ? "Body too large" : "Bad request", "The request could not be read."));
    }

    private void authorized(RoutingContext ctx) {
        String h = ctx.request().getHeader("Authorization");
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)
                ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, key)) { // constant time: the key is not guessable byte by byte
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"warden-approvals\"");
            problem(ctx, 401, "Unauthorized", "Send the gateway's approvals admin key as a bearer token.");
            return;
        }
        ctx.next();
    }

    private void list(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        for (Approval a : approvals.pending()) {
            out.add(view(a));
        }
        ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("approvals", out).encode());
    }

    private void decide(RoutingContext ctx) {
        String decision = ctx.pathParam("decision");
        if (!"approve".equals(decision) && !"deny".equals(decision)) {
            problem(ctx, 404, "Not Found", "Use /warden/approvals/{id}/approve or /warden/approvals/{id}/deny.");
            return;
        }
        String comment = "";
        String by = "admin";
        if (ctx.body() != null && ctx.body().length() > 0) {
            JsonObject body;
            try {
                body = ctx.body().asJsonObject();
            } catch (RuntimeException e) {
                problem(ctx, 400, "Bad request", "The body must be a JSON object: {\"comment\": \"...\", \"by\": \"...\"}.");
                return;
            }
            Object c = body == null ? null : body.getValue("comment");
            Object b = body == null ? null : body.getValue("by");
            if (c != null && !(c instanceof String) || b != null && !(b instanceof String)) {
                problem(ctx, 400, "Bad request", "comment and by must be strings.");
                return;
            }
            if (c != null && ((String) c).length() > MAX_TEXT || b != null && ((String) b).length() > MAX_TEXT) {
                problem(ctx, 400, "Bad request", "comment and by are at most " + MAX_TEXT + " characters.");
                return;
            }
            comment = c == null ? "" : ApprovalTexts.plain((String) c);
            by = b == null || ((String) b).isBlank() ? by : ApprovalTexts.plain((String) b);
        }
        String id = ctx.pathParam("id");
        LocalApprovals.Decision d = approvals.decide(id, "approve".equals(decision), comment, by);
        switch (d.outcome()) {
            case DECIDED -> ctx.response().putHeader("Content-Type", "application/json").end(view(d.approval()).encode());
            case NOT_FOUND -> problem(ctx, 404, "Not Found", "No approval with this id.");
            case NOT_PENDING -> problem(ctx, 409, "Conflict", "The approval is no longer pending ("
                    + d.approval().getState().name().toLowerCase(java.util.Locale.ROOT) + ").");
        }
    }

    private static JsonObject view(Approval a) {
        return new JsonObject().put("id", a.getId()).put("state", a.getState().name().toLowerCase(java.util.Locale.ROOT))
                .put("grant_id", a.getGrantId()).put("grant_label", a.getGrantLabel()).put("server", a.getServer())
                .put("tool", a.getTool()).put("argument_keys", new JsonArray(a.getArgumentKeysList()))
                .put("argument_digest", a.getArgumentDigest()).put("rule", a.getRule()).put("reason", a.getReason())
                .put("approver", a.getApprover().name().toLowerCase(java.util.Locale.ROOT))
                .put("requested_at", Instant.ofEpochMilli(a.getRequestedAtMillis()).toString())
                .put("expires_at", Instant.ofEpochMilli(a.getExpiresAtMillis()).toString())
                .put("decided_by", a.getDecidedBy()).put("comment", a.getComment());
    }

    private static void problem(RoutingContext ctx, int status, String title, String detail) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
                .end(new JsonObject().put("type", "about:blank").put("title", title).put("status", status)
                        .put("detail", detail).encode());
    }
}
