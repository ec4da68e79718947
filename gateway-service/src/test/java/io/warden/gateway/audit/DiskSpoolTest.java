package io.warden.gateway.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {

    @TempDir
    Path dir;

    private static List<DiskSpool.Entry> entries(int from, int count) {
        List<DiskSpool.Entry> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(new DiskSpool.Entry("grant-" + (i % 3), ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static List<String> texts(List<DiskSpool.Entry> entries) {
        return entries.stream().map(e -> e.key() + "=" + new String(e.event(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void keepsOrderAcrossPeeksAndDeliveries() throws IOException {
        try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
            assertTrue(spool.isEmpty());
            assertEquals(0, spool.add(entries(0, 5)));
            assertEquals(0, spool.add(entries(5, 5)));
            DiskSpool.Read first = spool.peek(4);
            assertEquals(texts(entries(0, 4)), texts(first.entries()));
            assertEquals(texts(entries(0, 4)), texts(spool.peek(4).entries()), "peek does not consume");
            spool.delivered(first.end());
            DiskSpool.Read rest = spool.peek(100);
            assertEquals(texts(entries(4, 6)), texts(rest.entries()));
            spool.delivered(rest.end());
            assertTrue(spool.isEmpty());
            assertEquals(0, spool.pendingBytes(), "emptied once everything was delivered");
        }
    }

    @Test
    void survivesARestartWithWhatWasNotDelivered() throws IOException {
        try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
            spool.add(entries(0, 6));
            spool.delivered(spool.peek(2).end());
        }
        try (DiskSpool again = DiskSpool.open(dir, 1 << 20)) {
            assertFalse(again.isEmpty());
            assertEquals(texts(entries(2, 4)), texts(again.peek(100).entries()));
        }
    }

    @Test
    void refusesWhatDoesNotFitAndSaysHowMany() throws IOException {
        int one = entries(0, 1).get(0).bytes();
        try (DiskSpool spool = DiskSpool.open(dir, one * 3L)) {
            assertEquals(2, spool.add(entries(0, 5)), "three fit, the last two are refused");
            assertEquals(texts(entries(0, 3)), texts(spool.peek(100).entries()));
            assertEquals(1, spool.add(entries(3, 1)), "full");
            spool.delivered(spool.peek(1).end());
            assertEquals(0, spool.add(entries(3, 1)), "room again once one was delivered");
        }
    }

    @Test
    void aRecordTornByACrashIsCutOffOnOpen() throws IOException {
        try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
            spool.add(entries(0, 3));
        }
        try (FileChannel ch = FileChannel.open(dir.resolve("decisions.spool"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3); // the last record lost its tail
        }
        try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
            assertEquals(texts(entries(0, 2)), texts(spool.peek(100).entries()));
            spool.add(entries(10, 1));
            assertEquals(texts(List.of(entries(0, 1).get(0), entries(1, 1).get(0), entries(10, 1).get(0))),
                    texts(spool.peek(100).entries()), "appends continue after the cut");
        }
    }
}
