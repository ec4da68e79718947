package io.warden.cli.token;

import io.warden.api.SessionKeyMaterial;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code warden session-key}: a new random key for {@code warden.gateway.session.keys}. */
@Command(name = "session-key", mixinStandardHelpOptions = true,
        description = "Print a new random session key (32 bytes, base64) for warden.gateway.session.keys.")
public final class SessionKeyCommand implements Callable<Integer> {
    private final Context ctx;

    SessionKeyCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        ctx.out().println(SessionKeyMaterial.generate());
        return ExitCodes.OK;
    }
}
