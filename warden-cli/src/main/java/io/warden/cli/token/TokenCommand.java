package io.warden.cli.token;

import io.warden.api.GrantTokens;
import io.warden.cli.CliFailure;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code warden token mint|hash}: grant tokens for the standalone configuration, with nothing but the JDK. A token is
 * shown once and never stored; the configuration holds its hash.
 */
@Command(name = "token", description = "Mint a grant token, or hash one for the standalone configuration.",
        mixinStandardHelpOptions = true)
public final class TokenCommand {
    private final Context ctx;

    TokenCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Command(name = "mint", description = "Mint a grant token; prints the token (shown once) and the hash to configure.")
    int mint(@Option(names = "--grant", paramLabel = "ID", description = "print a grant entry with this id") String grant) {
        if (grant != null && grant.isBlank()) {
            throw new CliFailure(ExitCodes.USAGE, "--grant needs an id");
        }
        String token = GrantTokens.mint();
        String hash = GrantTokens.hash(token);
        ctx.out().println("token: " + token);
        ctx.out().println("hash:  " + hash);
        ctx.out().println();
        ctx.out().println("# Give the token to the client (it is not stored anywhere); paste this into the grant:");
        if (grant != null) {
            ctx.out().println("- id: " + grant);
            ctx.out().println("  token_hash: " + hash);
        } else {
            ctx.out().println("token_hash: " + hash);
        }
        return ExitCodes.OK;
    }

    @Command(name = "hash", description = "Print the hash of a token. Without TOKEN (or with -) it is read from standard "
            + "input, which keeps it out of shell history and process listings.")
    int hash(@Parameters(arity = "0..1", paramLabel = "TOKEN") String token) {
        if (token == null || token.equals("-")) {
            try {
                token = new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                throw new CliFailure(ExitCodes.USAGE, "cannot read the token from standard input: " + e.getMessage());
            }
        }
        if (token == null || token.isBlank()) {
            throw new CliFailure(ExitCodes.USAGE, "no token given");
        }
        ctx.out().println(GrantTokens.hash(token.strip()));
        return ExitCodes.OK;
    }
}
