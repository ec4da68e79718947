package io.warden.gateway.policy;

import io.warden.api.snapshot.v1.Snapshot;
import io.warden.api.snapshot.v1.WatchEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The last good snapshot on disk, as one {@link WatchEvent} (revision and snapshot) in protobuf bytes. Written to a
 * temporary file in the same directory and renamed over the old one, so a crash leaves either the old file or the new
 * one, never half of one. Header values stay sealed: the file holds no secret in clear.
 */
public final class SnapshotFile {
    private final Path file;

    public SnapshotFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path path() {
        return file;
    }

    public void write(long revision, Snapshot snapshot) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, WatchEvent.newBuilder().setRevision(revision).setSnapshot(snapshot).build().toByteArray());
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Empty when there is no file; a file that does not parse fails. */
    public Optional<WatchEvent> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        WatchEvent e = WatchEvent.parseFrom(Files.readAllBytes(file));
        if (!e.hasSnapshot()) {
            throw new IOException(file + " holds no snapshot");
        }
        return Optional.of(e);
    }
}
