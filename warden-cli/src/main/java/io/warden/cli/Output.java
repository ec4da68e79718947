package io.warden.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Prints answers as {@code json} (the server's document, indented: for scripts) or as a {@code table} (for people):
 * a list as aligned columns, an object as {@code field: value} lines. Control characters from the server are shown
 * escaped, so a hostile name cannot rewrite the terminal.
 */
public final class Output {
    public enum Format { json, table }

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {
    }

    /** One column of a table: its heading and the field it shows ({@code a.b} for a nested one). */
    public record Column(String heading, String field) {
        public static Column of(String field) {
            return new Column(field.toUpperCase(java.util.Locale.ROOT).replace('_', ' '), field);
        }
    }

    public static List<Column> columns(String... fields) {
        List<Column> out = new ArrayList<>();
        for (String f : fields) {
            out.add(Column.of(f));
        }
        return out;
    }

    /** Prints {@code value}; {@code columns} choose the fields of a list shown as a table (null: every field). */
    public static void print(PrintWriter out, Format format, JsonNode value, List<Column> columns) {
        if (value == null || value.isMissingNode()) {
            return;
        }
        if (format == Format.json) {
            out.println(json(value));
        } else if (value.isArray()) {
            table(out, value, columns);
        } else if (value.isObject()) {
            fields(out, value);
        } else {
            out.println(cell(value));
        }
        out.flush();
    }

    public static String json(JsonNode value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void table(PrintWriter out, JsonNode rows, List<Column> columns) {
        if (rows.isEmpty()) {
            out.println("(none)");
            return;
        }
        if (columns == null) {
            columns = new ArrayList<>();
            Iterator<String> names = rows.get(0).fieldNames();
            while (names.hasNext()) {
                columns.add(Column.of(names.next()));
            }
        }
        List<String[]> lines = new ArrayList<>();
        String[] head = new String[columns.size()];
        for (int c = 0; c < head.length; c++) {
            head[c] = columns.get(c).heading();
        }
        lines.add(head);
        for (JsonNode row : rows) {
            String[] line = new String[columns.size()];
            for (int c = 0; c < line.length; c++) {
                line[c] = cell(row.at("/" + columns.get(c).field().replace('.', '/')));
            }
            lines.add(line);
        }
        int[] width = new int[columns.size()];
        for (String[] line : lines) {
            for (int c = 0; c < line.length; c++) {
                width[c] = Math.max(width[c], line[c].length());
            }
        }
        for (String[] line : lines) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < line.length; c++) {
                b.append(line[c]);
                if (c < line.length - 1) {
                    b.append(" ".repeat(width[c] - line[c].length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static void fields(PrintWriter out, JsonNode object) {
        int width = 0;
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            width = Math.max(width, names.next().length());
        }
        Iterator<Map.Entry<String, JsonNode>> it = object.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            out.println(f.getKey() + ":" + " ".repeat(width - f.getKey().length() + 1) + cell(f.getValue()));
        }
    }

    /** A value in one line: text as is, null and missing as "-", objects and arrays as compact JSON. */
    public static String cell(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return "-";
        }
        String text = v.isValueNode() ? v.asText() : v.toString();
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0)) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
