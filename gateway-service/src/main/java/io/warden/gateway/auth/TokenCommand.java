package io.warden.gateway.auth;

import io.warden.api.GrantTokens;
import io.warden.gateway.session.SessionKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Command-line helper for operators; needs nothing but the JDK:
 * <pre>
 *   java -cp gateway-service/target/classes io.warden.gateway.auth.TokenCommand mint [--grant ID]
 *   java -cp gateway-service/target/classes io.warden.gateway.auth.TokenCommand hash [TOKEN | -]
 *   java -cp gateway-service/target/classes io.warden.gateway.auth.TokenCommand session-key
 * </pre>
 * {@code hash} without a token (or with {@code -}) reads it from standard input, which keeps it out of shell history and
 * process listings.
 */
public final class TokenCommand {

    static final String USAGE = String.join("\n",
            "usage: TokenCommand <command>",
            "  mint [--grant ID]   mint a grant token; prints the token (shown once) and the hash to configure",
            "  hash [TOKEN | -]    print the hash of a token; reads it from standard input when omitted or '-'",
            "  session-key         print a new random session key (base64, 32 bytes) for the session key list");

    private TokenCommand() {
    }

    public static void main(String[] args) {
        int status = run(args, System.in, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs one command; returns the process exit status (0 ok, 2 usage error). */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "" : args[0];
        switch (command) {
            case "mint":
                return mint(args, out, err);
            case "hash":
                return hash(args, in, out, err);
            case "session-key":
                if (args.length != 1) {
                    return usage(err, "session-key takes no arguments");
                }
                out.println(SessionKeys.generate());
                return 0;
            case "help":
            case "--help":
            case "-h":
                out.println(USAGE);
                return 0;
            default:
                return usage(err, command.isEmpty() ? "no command given" : "unknown command '" + command + "'");
        }
    }

    private static int mint(String[] args, PrintStream out, PrintStream err) {
        String grantId = null;
        if (args.length == 3 && args[1].equals("--grant") && !args[2].isBlank()) {
            grantId = args[2];
        } else if (args.length != 1) {
            return usage(err, "mint takes only --grant ID");
        }
        String token = GrantTokens.mint();
        String hash = GrantTokens.hash(token);
        out.println("token: " + token);
        out.println("hash:  " + hash);
        out.println();
        out.println("# Give the token to the client (it is not stored anywhere); paste this into the grant:");
        if (grantId != null) {
            out.println("- id: " + grantId);
            out.println("  token_hash: " + hash);
        } else {
            out.println("token_hash: " + hash);
        }
        return 0;
    }

    private static int hash(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length > 2) {
            return usage(err, "hash takes one token");
        }
        String token;
        if (args.length == 2 && !args[1].equals("-")) {
            token = args[1];
        } else {
            try {
                token = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                err.println("cannot read the token from standard input: " + e.getMessage());
                return 1;
            }
        }
        if (token == null || token.isBlank()) {
            return usage(err, "no token given");
        }
        out.println(GrantTokens.hash(token.strip()));
        return 0;
    }

    private static int usage(PrintStream err, String problem) {
        err.println(problem);
        err.println(USAGE);
        return 2;
    }
}
