package io.warden.policyservice.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonDiffTest {
    private static List<String> diff(String a, String b) {
        return JsonDiff.diff(CanonicalJson.parse(a), CanonicalJson.parse(b)).stream()
                .map(c -> c.op() + " " + c.pointer() + " " + c.from() + " " + c.to()).toList();
    }

    @Test
    void reportsAddsRemovesAndReplacesAtTheirPointers() {
        assertEquals(List.of(
                        "remove /a 1 null",
                        "replace /b/c \"x\" \"y\"",
                        "add /b/d~1e null true",
                        "replace /l/1 2 3",
                        "add /l/2 null 4",
                        "replace /t 1 \"1\""),
                diff("{\"a\":1,\"b\":{\"c\":\"x\"},\"l\":[1,2],\"t\":1}",
                        "{\"b\":{\"c\":\"y\",\"d/e\":true},\"l\":[1,3,4],\"t\":\"1\"}"));
    }

    @Test
    void equalDocumentsHaveNoChanges() {
        assertEquals(List.of(), diff("{\"a\":[1,{\"b\":null}]}", "{\"a\":[1,{\"b\":null}]}"));
        assertEquals(List.of("replace  {} []"), diff("{}", "[]"));
    }

    @Test
    void canonicalFormSortsKeysAtEveryDepth() {
        assertEquals("{\"a\":[{\"x\":1,\"y\":2}],\"b\":\"~\"}",
                CanonicalJson.write(CanonicalJson.parse("{ \"b\": \"~\", \"a\": [ {\"y\": 2, \"x\": 1} ] }")));
        assertEquals(CanonicalJson.hash(CanonicalJson.parse("{\"a\":1,\"b\":2}")),
                CanonicalJson.hash(CanonicalJson.parse("{\"b\":2,\"a\":1}")));
        assertNotEquals(CanonicalJson.hash(CanonicalJson.parse("{\"a\":1}")),
                CanonicalJson.hash(CanonicalJson.parse("{\"a\":\"1\"}")));
    }
}
