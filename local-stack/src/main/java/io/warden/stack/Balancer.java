package io.warden.stack;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A round-robin balancer on loopback in front of gateway pods, in one of two modes.
 *
 * <ul>
 *   <li>{@link #perConnection}: what a Kubernetes Service does. Each accepted TCP connection goes to the next backend
 *       and its bytes are copied both ways untouched, so keep-alive, SSE and everything else pass through. A backend
 *       that refuses the connection (a killed pod) is skipped for a second and the next one is tried, so a client
 *       that reconnects after losing its pod lands on a live one.</li>
 *   <li>{@link #perRequest}: for clients that cannot set headers (the conformance suite). Each request is rotated on
 *       its own: {@code Authorization: Bearer <token>} is set, {@code Connection: close} forced on both legs (a
 *       pooling client still opens a fresh connection per request), every other header passed through (the
 *       gateway's DNS-rebinding check sees what the client sent); after the head, bytes are copied until the
 *       backend closes, so SSE arrives event by event.</li>
 * </ul>
 * One thread per direction and connection: a test and demo tool, not a production proxy.
 */
public final class Balancer implements Closeable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection");
    private static final long SKIP_DOWN_NANOS = 1_000_000_000L;

    private final List<Integer> backends;
    private final String bearerToken; // null in per-connection mode
    private final boolean perRequest;
    private final ServerSocket listener;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "balancer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLongArray served;
    private final AtomicLongArray downUntil;

    private Balancer(int port, List<Integer> backends, String bearerToken, boolean perRequest) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("a balancer needs at least one backend");
        }
        this.backends = List.copyOf(backends);
        this.bearerToken = bearerToken;
        this.perRequest = perRequest;
        this.served = new AtomicLongArray(backends.size());
        this.downUntil = new AtomicLongArray(backends.size());
        try {
            this.listener = new ServerSocket();
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on loopback port " + port, e);
        }
        workers.execute(this::acceptLoop);
    }

    /** Connection-level round robin on {@code port} (0: a free one) over the backends' loopback ports. */
    public static Balancer perConnection(int port, List<Integer> backendPorts) {
        return new Balancer(port, backendPorts, null, false);
    }

    /** Request-level round robin on a free port that authenticates every request with {@code bearerToken}. */
    public static Balancer perRequest(List<Integer> backendPorts, String bearerToken) {
        return new Balancer(0, backendPorts, bearerToken, true);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** How many connections (or requests, per request) each backend received, in the order the backends were given. */
    public List<Long> servedPerBackend() {
        List<Long> counts = new ArrayList<>();
        for (int i = 0; i < served.length(); i++) {
            counts.add(served.get(i));
        }
        return counts;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                client.setTcpNoDelay(true);
                workers.execute(() -> {
                    if (perRequest) {
                        relayOneRequest(client);
                    } else {
                        pipe(client);
                    }
                });
            } catch (IOException e) {
                // closed: the loop ends
            }
        }
    }

    /** A connection to the next backend that accepts one, skipping those that refused within the last second. */
    private Socket connectNext() throws IOException {
        IOException last = null;
        int n = backends.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int pass = 0; pass < 2; pass++) { // second pass: try even those marked down, rather than fail
            for (int k = 0; k < n; k++) {
                int i = (start + k) % n;
                if (pass == 0 && System.nanoTime() - downUntil.get(i) < 0) {
                    continue;
                }
                Socket s = new Socket();
                try {
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backends.get(i)), 1000);
                    served.incrementAndGet(i);
                    return s;
                } catch (IOException e) {
                    s.close();
                    downUntil.set(i, System.nanoTime() + SKIP_DOWN_NANOS);
                    last = e;
                }
            }
        }
        throw last != null ? last : new IOException("no backend");
    }

    private void pipe(Socket client) {
        Socket backend;
        try {
            backend = connectNext();
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        workers.execute(() -> copy(client, backend));
        copy(backend, client);
    }

    /** Copies until {@code from} ends, then half-closes {@code to}; any error closes both. */
    private static void copy(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
            if (from.isOutputShutdown()) {
                closeQuietly(from);
                closeQuietly(to);
            }
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void relayOneRequest(Socket client) {
        try (client) {
            InputStream fromClient = client.getInputStream();
            Head request = Head.read(fromClient);
            if (request == null) {
                return;
            }
            try (Socket backend = connectNext()) {
                OutputStream toBackend = backend.getOutputStream();
                List<String> headers = request.headersWithout(Set.of("authorization"));
                headers.add("Authorization: Bearer " + bearerToken);
                toBackend.write(request.render(headers));
                toBackend.write(request.rest());
                toBackend.flush();
                workers.execute(() -> copyThenHalfClose(fromClient, toBackend, backend));

                InputStream fromBackend = backend.getInputStream();
                Head response = Head.read(fromBackend);
                if (response == null) {
                    return;
                }
                OutputStream toClient = client.getOutputStream();
                toClient.write(response.render(response.headersWithout(Set.of())));
                toClient.write(response.rest());
                toClient.flush();
                byte[] buffer = new byte[8192];
                for (int n; (n = fromBackend.read(buffer)) >= 0; ) {
                    toClient.write(buffer, 0, n);
                    toClient.flush();
                }
            }
        } catch (IOException e) {
            // one side went away; the other is closed by try-with-resources
        }
    }

    private static void copyThenHalfClose(InputStream from, OutputStream to, Socket backend) {
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = from.read(buffer)) >= 0; ) {
                to.write(buffer, 0, n);
                to.flush();
            }
            backend.shutdownOutput();
        } catch (IOException e) {
            // the exchange is over
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        workers.shutdownNow();
    }

    /** A request or response head: start line and header lines, plus whatever bytes were read past it. */
    private record Head(String startLine, List<String> headers, byte[] rest) {
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            while (true) {
                int n = in.read(chunk);
                if (n < 0) {
                    return null;
                }
                buf.write(chunk, 0, n);
                byte[] all = buf.toByteArray();
                int end = indexOfBlankLine(all);
                if (end >= 0) {
                    String text = new String(all, 0, end, StandardCharsets.ISO_8859_1);
                    List<String> lines = new ArrayList<>(List.of(text.split("\r\n")));
                    String start = lines.remove(0);
                    return new Head(start, lines, Arrays.copyOfRange(all, end + 4, all.length));
                }
                if (all.length > MAX_HEAD_BYTES) {
                    throw new IOException("head larger than " + MAX_HEAD_BYTES + " bytes");
                }
            }
        }

        private static int indexOfBlankLine(byte[] b) {
            for (int i = 0; i + 3 < b.length; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** The header lines minus hop-by-hop ones and {@code dropped}, plus {@code Connection: close}. */
        List<String> headersWithout(Set<String> dropped) {
            List<String> kept = new ArrayList<>();
            for (String line : headers) {
                int colon = line.indexOf(':');
                String name = (colon < 0 ? line : line.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
                if (!HOP_BY_HOP.contains(name) && !dropped.contains(name)) {
                    kept.add(line);
                }
            }
            kept.add("Connection: close");
            return kept;
        }

        byte[] render(List<String> headerLines) {
            StringBuilder sb = new StringBuilder(startLine).append("\r\n");
            headerLines.forEach(h -> sb.append(h).append("\r\n"));
            return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
