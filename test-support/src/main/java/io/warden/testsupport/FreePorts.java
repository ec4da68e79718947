package io.warden.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;

/** Free loopback ports for test servers; never the standard ports a developer's own services use. */
public final class FreePorts {
    /** Ports that belong to services a developer may run (Redis, PostgreSQL, Quarkus dev/test, gRPC). */
    static final Set<Integer> RESERVED = Set.of(5432, 6379, 8080, 8081, 9000, 9001);

    private FreePorts() {}

    public static int next() {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = probe();
            if (!RESERVED.contains(port)) {
                return port;
            }
        }
        throw new IllegalStateException("the OS keeps handing out reserved ports " + RESERVED);
    }

    private static int probe() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
