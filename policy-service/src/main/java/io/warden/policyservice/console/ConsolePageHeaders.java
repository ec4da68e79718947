package io.warden.policyservice.console;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Headers for the console's static files. The page holds an admin API key and shows strings chosen by upstreams, so it
 * may run only its own script and talk only to this origin (no inline script, no framing); and browsers revalidate the
 * files so a new release is picked up without a hard reload.
 */
@ApplicationScoped
public class ConsolePageHeaders {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    void register(@Observes Router router) {
        router.routeWithRegex("/console").order(-101).handler(ctx -> ctx.redirect("/console/"));
        // A pending approval's notification links to <console>/approvals/<id>; the page shows it at #approvals/<id>.
        router.get("/console/approvals/:id").order(-101).handler(ctx -> ctx.redirect(
                "/console/#approvals/" + URLEncoder.encode(ctx.pathParam("id"), StandardCharsets.UTF_8)));
        // Runs before the static file handler, and only adds headers: it never answers itself.
        router.route("/console/*").order(-100).handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", CSP)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .putHeader("Cache-Control", "no-cache");
            ctx.next();
        });
    }
}
