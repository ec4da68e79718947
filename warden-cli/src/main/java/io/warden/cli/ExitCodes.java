package io.warden.cli;

/** The exit codes of every warden command (docs/cli.md). */
public final class ExitCodes {
    /** Done; for checks: valid, every case passed. */
    public static final int OK = 0;
    /** Findings: an invalid policy, a failing case. */
    public static final int FINDINGS = 1;
    /** The command line is wrong (unknown option, missing argument, unreadable file, no API key). */
    public static final int USAGE = 2;
    /** policy-service refused the request (HTTP 4xx: unknown id, invalid input, missing role...). */
    public static final int REFUSED = 3;
    /** policy-service failed (HTTP 5xx) or could not be reached. */
    public static final int UNAVAILABLE = 4;

    private ExitCodes() {
    }
}
