package io.warden.gateway.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private final List<SseEvent> events = new ArrayList<>();
    private final SseParser parser = new SseParser(1 << 20, events::add);

    private void feed(String s) {
        parser.feed(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void multiLineDataIdEventAndRetry() {
        feed("event: message\nid: 7\nretry: 1500\ndata: {\"a\":\ndata: 1}\n\n");
        assertEquals(1, events.size());
        SseEvent e = events.get(0);
        assertEquals("message", e.event());
        assertEquals("7", e.id());
        assertEquals("1500", e.retry());
        assertEquals("{\"a\":\n1}", e.data());
        assertEquals("event: message\nid: 7\nretry: 1500\ndata: {\"a\":\ndata: 1}\n\n", e.raw());
    }

    @Test
    void primingEventWithEmptyDataIsKept() {
        feed("id: abc\ndata: \n\n");
        assertEquals(1, events.size());
        assertEquals("abc", events.get(0).id());
        assertEquals("", events.get(0).data());
        assertFalse(events.get(0).hasData());
    }

    @Test
    void commentsAreRelayedAsTheyCame() {
        feed(": keep-alive\n\n");
        assertEquals(1, events.size());
        assertNull(events.get(0).data());
        assertEquals(": keep-alive\n\n", events.get(0).raw());
    }

    @Test
    void crlfAndChunkBoundariesAnywhere() {
        String stream = "data: one\r\n\r\ndata: t\u00e9st\r\n\r\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            parser.feed(new byte[] {b});
        }
        assertEquals(2, events.size());
        assertEquals("one", events.get(0).data());
        assertEquals("t\u00e9st", events.get(1).data());
    }

    @Test
    void bareCarriageReturnsEndLines() {
        feed("data: x\r\rdata: y\r\r");
        assertEquals(List.of("x", "y"), events.stream().map(SseEvent::data).toList());
    }

    @Test
    void nothingIsDispatchedBeforeTheBlankLine() {
        feed("data: partial\n");
        assertTrue(events.isEmpty());
        feed("\n");
        assertEquals(1, events.size());
    }

    @Test
    void rewrittenDataKeepsIdEventAndRetry() {
        feed("event: message\nid: 9\nretry: 10\ndata: old\n\n");
        SseEvent e = events.get(0).withData("new\nlines");
        assertEquals("event: message\nid: 9\nretry: 10\ndata: new\ndata: lines\n\n", e.raw());
    }

    @Test
    void oversizedEventIsReported() {
        SseParser small = new SseParser(16, events::add);
        assertFalse(small.feed("data: 0123456789012345678901234567890\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theBoundIsInBytesNotCharacters() {
        // 10 characters of 3 bytes each: 30 bytes, within 16 characters but not within 16 bytes.
        SseParser small = new SseParser(16, events::add);
        assertFalse(small.feed("data:\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac".getBytes(StandardCharsets.UTF_8)));
        SseParser enough = new SseParser(40, events::add);
        assertTrue(enough.feed("data:\ud83d\ude00\u00e9".getBytes(StandardCharsets.UTF_8)));
        assertEquals(5 + 4 + 2, enough.bufferedBytes(), "a 4-byte emoji and a 2-byte letter, counted as sent");
    }

    @Test
    void bufferedBytesCountTheEventInProgressAndAnIncompleteCharacter() {
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        parser.feed("data: ab".getBytes(StandardCharsets.UTF_8));
        assertEquals(8, parser.bufferedBytes());
        parser.feed(new byte[] {euro[0], euro[1]});
        assertEquals(10, parser.bufferedBytes(), "the first two bytes of a three-byte character wait for the third");
        parser.feed(new byte[] {euro[2], '\n', '\n'});
        assertEquals(0, parser.bufferedBytes(), "nothing is held once the event went out");
        assertEquals("ab\u20ac", events.get(0).data());
    }

    @Test
    void aLargeEventIsNotKeptAllocatedOnceItWentOut() {
        feed("data: " + "x".repeat(100_000) + "\n\n");
        assertEquals(100_000, events.get(0).data().length());
        assertTrue(parser.retainedChars() <= 2 * SseParser.RETAINED_CHARS,
                "an idle stream holds little after one large event: " + parser.retainedChars());
        feed("data: small\n\n");
        assertEquals("small", events.get(1).data());
    }
}
