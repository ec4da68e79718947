package io.warden.e2e;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A deliberately small HTTP/1.1 front for one or more gateway instances, for tests that cannot set headers
 * themselves (the conformance suite sends no {@code Authorization}).
 *
 * <p>What it does to each request: adds {@code Authorization: Bearer <token>}, forces {@code Connection: close}
 * on both legs, and sends it to the next backend in turn. Closing every connection after one exchange is what
 * makes the rotation per request rather than per connection: a client that pools connections still opens a
 * fresh one for each request. {@code Host}, {@code Origin} and every other header pass through untouched, so the
 * gateway still sees what the client sent (the suite's DNS-rebinding scenario depends on that). Bodies are not
 * parsed: after the head, bytes are copied in both directions until the backend closes, so SSE responses reach
 * the client event by event.
 */
final class RoundRobinProxy implements Closeable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection");

    private final List<Integer> backendPorts;
    private final String bearerToken;
    private final ServerSocket listener;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rr-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLongArray perBackend;
    private final boolean trace = Boolean.getBoolean("warden.e2e.proxy-trace");
    private final long started = System.nanoTime();

    RoundRobinProxy(List<Integer> backendPorts, String bearerToken) {
        this.backendPorts = List.copyOf(backendPorts);
        this.bearerToken = bearerToken;
        this.perBackend = new AtomicLongArray(backendPorts.size());
        try {
            this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on loopback", e);
        }
        workers.execute(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** How many requests each backend received, in the order the backends were given. */
    List<Long> requestsPerBackend() {
        List<Long> counts = new ArrayList<>();
        for (int i = 0; i < perBackend.length(); i++) {
            counts.add(perBackend.get(i));
        }
        return counts;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                workers.execute(() -> exchange(client));
            } catch (IOException e) {
                // closed: the loop ends
            }
        }
    }

    private void exchange(Socket client) {
        try (client) {
            InputStream fromClient = client.getInputStream();
            Head request = Head.read(fromClient);
            if (request == null) {
                return;
            }
            int seq = next.getAndIncrement();
            int index = Math.floorMod(seq, backendPorts.size());
            trace(seq, "-> " + index + " " + request.startLine() + " " + request.header("mcp-session-id")
                    + " " + new String(request.rest(), StandardCharsets.UTF_8));
            perBackend.incrementAndGet(index);
            try (Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPorts.get(index))) {
                OutputStream toBackend = backend.getOutputStream();
                List<String> headers = request.headersWithout(Set.of("authorization"));
                if (bearerToken != null) {
                    headers.add("Authorization: Bearer " + bearerToken);
                }
                toBackend.write(request.render(headers));
                toBackend.write(request.rest());
                toBackend.flush();
                workers.execute(() -> copyThenHalfClose(fromClient, toBackend, backend));

                InputStream fromBackend = backend.getInputStream();
                Head response = Head.read(fromBackend);
                if (response == null) {
                    trace(seq, "<- (closed without a response)");
                    return;
                }
                trace(seq, "<- " + response.startLine() + " " + response.header("content-type"));
                OutputStream toClient = client.getOutputStream();
                toClient.write(response.render(response.headersWithout(Set.of())));
                toClient.write(response.rest());
                toClient.flush();
                byte[] buffer = new byte[8192];
                for (int n; (n = fromBackend.read(buffer)) >= 0; ) {
                    toClient.write(buffer, 0, n);
                    toClient.flush();
                    if (trace) {
                        trace(seq, "<< " + new String(buffer, 0, Math.min(n, 300), StandardCharsets.UTF_8));
                    }
                }
                trace(seq, "<- end");
            }
        } catch (IOException e) {
            // one side went away; the other is closed by try-with-resources
        }
    }

    private void trace(int seq, String what) {
        if (trace) {
            System.err.printf("[proxy %d +%dms #%d] %s%n", listener.getLocalPort(),
                    (System.nanoTime() - started) / 1_000_000, seq, what.replace("\r\n", " ").replace('\n', ' '));
        }
    }

    /** Client bytes after the head (a body, or nothing) go on to the backend until the client hangs up. */
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
                    byte[] rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
                    return new Head(start, lines, rest);
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

        String header(String name) {
            for (String line : headers) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return "";
        }

        byte[] render(List<String> headerLines) {
            StringBuilder sb = new StringBuilder(startLine).append("\r\n");
            headerLines.forEach(h -> sb.append(h).append("\r\n"));
            return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
