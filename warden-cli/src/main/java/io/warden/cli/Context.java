package io.warden.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;

/**
 * What a command may touch besides its arguments: the environment, standard input and the two output streams. Passed
 * in, so that tests run the real command tree without a process of their own.
 */
public record Context(Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err) {

    /** The value of an environment variable, or null when unset or blank. */
    public String env(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }
}
