package io.warden.audit.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.audit.store.DecisionColumns;
import java.util.ArrayList;
import java.util.List;

/**
 * Decision events as CSV rows (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote or a line
 * break). Lists of strings are joined with {@code ;}, other structured values written as compact JSON. A value starting
 * with {@code = + - @}, a tab or a carriage return gets a leading {@code '}, so that a spreadsheet never runs a tool
 * name an agent chose as a formula. Pure.
 */
public final class Csv {

    /** The event properties exported, in column order: the same list the writer stores its columns from. */
    public static final List<String> COLUMNS = DecisionColumns.NAMES;

    private Csv() {
    }

    public static String header() {
        return line(COLUMNS);
    }

    public static String row(JsonNode event) {
        List<String> fields = new ArrayList<>(COLUMNS.size());
        for (String column : COLUMNS) {
            fields.add(text(event.get(column)));
        }
        return line(fields);
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        if (value.isArray() && allText(value)) {
            List<String> parts = new ArrayList<>();
            value.forEach(item -> parts.add(item.asText()));
            return String.join(";", parts);
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String line(List<String> fields) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(field(fields.get(i)));
        }
        return out.append("\r\n").toString();
    }

    static String field(String value) {
        String safe = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        if (safe.indexOf(',') < 0 && safe.indexOf('"') < 0 && safe.indexOf('\n') < 0 && safe.indexOf('\r') < 0) {
            return safe;
        }
        return '"' + safe.replace("\"", "\"\"") + '"';
    }
}
