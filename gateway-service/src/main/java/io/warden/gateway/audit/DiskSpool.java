package io.warden.gateway.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded, ordered queue of events on disk, for while Kafka is unreachable; it survives a restart of the gateway.
 * One data file of records ({@code int key length, key, int event length, event}) and a small file holding how many
 * bytes of it were already delivered. Reading starts at that offset; when everything was delivered both are emptied.
 * Written and read by one thread (the sink's writer). A torn record at the end (a crash mid-write) is cut off on open.
 */
final class DiskSpool implements Closeable {

    /** One spooled event. */
    record Entry(String key, byte[] event) {
        int bytes() {
            return 8 + key.getBytes(StandardCharsets.UTF_8).length + event.length;
        }
    }

    private final Path data;
    private final Path offsetFile;
    private final long maxBytes;
    private final FileChannel channel;
    private long delivered;

    private DiskSpool(Path data, Path offsetFile, long maxBytes, FileChannel channel, long delivered) {
        this.data = data;
        this.offsetFile = offsetFile;
        this.maxBytes = maxBytes;
        this.channel = channel;
        this.delivered = delivered;
    }

    /** Most bytes of undelivered events kept. */
    long maxBytes() {
        return maxBytes;
    }

    /** Opens (or creates) the spool in {@code dir}; at most {@code maxBytes} of undelivered events are kept. */
    static DiskSpool open(Path dir, long maxBytes) throws IOException {
        Files.createDirectories(dir);
        Path data = dir.resolve("decisions.spool");
        Path offsetFile = dir.resolve("decisions.spool.offset");
        FileChannel channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long delivered = 0;
        if (Files.exists(offsetFile)) {
            String text = Files.readString(offsetFile, StandardCharsets.US_ASCII).trim();
            delivered = text.isEmpty() ? 0 : Long.parseLong(text);
        }
        DiskSpool spool = new DiskSpool(data, offsetFile, maxBytes, channel, Math.min(delivered, channel.size()));
        spool.cutTornTail();
        return spool;
    }

    boolean isEmpty() throws IOException {
        return channel.size() <= delivered;
    }

    /** The offset just past the last record written; what {@link #delivered} takes to mark everything delivered. */
    long endOffset() throws IOException {
        return channel.size();
    }

    /** Bytes of undelivered events. */
    long pendingBytes() throws IOException {
        return channel.size() - delivered;
    }

    /**
     * Appends {@code entries} in order and forces them to disk. Returns how many did not fit (the last ones), which
     * the caller counts as lost.
     */
    int add(List<Entry> entries) throws IOException {
        long room = maxBytes - pendingBytes();
        int accepted = 0;
        long bytes = 0;
        while (accepted < entries.size() && bytes + entries.get(accepted).bytes() <= room) {
            bytes += entries.get(accepted).bytes();
            accepted++;
        }
        if (accepted > 0) {
            ByteBuffer buffer = ByteBuffer.allocate((int) bytes);
            for (Entry e : entries.subList(0, accepted)) {
                byte[] key = e.key().getBytes(StandardCharsets.UTF_8);
                buffer.putInt(key.length).put(key).putInt(e.event().length).put(e.event());
            }
            buffer.flip();
            long at = channel.size();
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
            channel.force(false);
        }
        return entries.size() - accepted;
    }

    /** Up to {@code max} undelivered events, oldest first, and the offset just past them (for {@link #delivered}). */
    Read peek(int max) throws IOException {
        List<Entry> out = new ArrayList<>();
        long at = delivered;
        long end = channel.size();
        ByteBuffer length = ByteBuffer.allocate(4);
        while (out.size() < max && at < end) {
            String key = new String(readBlock(at, length), StandardCharsets.UTF_8);
            at += 4 + key.getBytes(StandardCharsets.UTF_8).length;
            byte[] event = readBlock(at, length);
            at += 4 + event.length;
            out.add(new Entry(key, event));
        }
        return new Read(out, at);
    }

    record Read(List<Entry> entries, long end) {}

    /** Marks everything before {@code end} delivered; empties the files once nothing is left. */
    void delivered(long end) throws IOException {
        delivered = end;
        if (delivered >= channel.size()) {
            channel.truncate(0);
            channel.force(true);
            delivered = 0;
        }
        Files.writeString(offsetFile, Long.toString(delivered), StandardCharsets.US_ASCII);
    }

    private byte[] readBlock(long at, ByteBuffer length) throws IOException {
        length.clear();
        readFully(length, at);
        length.flip();
        int n = length.getInt();
        ByteBuffer block = ByteBuffer.allocate(n);
        readFully(block, at + 4);
        return block.array();
    }

    private void readFully(ByteBuffer buffer, long at) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("spool " + data + " ends inside a record");
            }
            at += n;
        }
    }

    /** Drops an incomplete last record (a crash between its parts); everything before it is kept. */
    private void cutTornTail() throws IOException {
        long at = delivered;
        long end = channel.size();
        ByteBuffer length = ByteBuffer.allocate(4);
        while (at < end) {
            long start = at;
            try {
                for (int part = 0; part < 2; part++) {
                    if (at + 4 > end) {
                        throw new IOException("torn");
                    }
                    length.clear();
                    readFully(length, at);
                    length.flip();
                    int n = length.getInt();
                    if (n < 0 || at + 4 + n > end) {
                        throw new IOException("torn");
                    }
                    at += 4 + n;
                }
            } catch (IOException e) {
                channel.truncate(start);
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
