package io.warden.audit.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvTest {

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "plain           | plain",
            "a,b             | `\"a,b\"`",
            "say \"hi\"      | `\"say \"\"hi\"\"\"`",
            "=1+1            | '=1+1",
            "+1              | '+1",
            "-1              | '-1",
            "@SUM(A1)        | '@SUM(A1)",
            "=A1,B1          | `\"'=A1,B1\"`",
            "a=b             | a=b",
    })
    void fieldsAreQuotedWhenNeededAndFormulasDisarmed(String value, String expected) {
        assertEquals(expected, Csv.field(value));
    }

    @org.junit.jupiter.api.Test
    void lineBreaksAreQuoted() {
        assertEquals("\"a\nb\"", Csv.field("a\nb"));
        assertEquals("\"a\r\nb\"", Csv.field("a\r\nb"));
        assertEquals("\"'\rx\"", Csv.field("\rx"));
        assertEquals("'\tx", Csv.field("\tx"));
    }
}
