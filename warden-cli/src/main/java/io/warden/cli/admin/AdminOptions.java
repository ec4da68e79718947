package io.warden.cli.admin;

import io.warden.cli.Output;
import picocli.CommandLine.Option;

/** Options of every admin command: where policy-service is, and how to print its answers. */
public final class AdminOptions {
    @Option(names = "--url", paramLabel = "URL",
            description = "policy-service base URL (default: $WARDEN_URL, else " + AdminClient.DEFAULT_URL + ")")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "json or table (default: ${DEFAULT-VALUE})")
    Output.Format output;

    public Output.Format output() {
        return output;
    }
}
