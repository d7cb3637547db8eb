package org.reachwatch.feeds;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one physical CSV line (RFC 4180 quoting: fields in double quotes may hold commas, and
 * {@code ""} is a quote). A quoted field spanning lines is not supported: OONI's obs exports have
 * none, and treating each physical line alone keeps one damaged line from swallowing the next.
 */
final class CsvLine {
    private CsvLine() {
    }

    static List<String> split(String line) {
        List<String> fields = new ArrayList<>(64);
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new RejectedRecordException("malformed CSV", "unterminated quoted field in column " + (fields.size() + 1));
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new RejectedRecordException("malformed CSV", "text after closing quote in column " + (fields.size() + 1));
                }
            } else {
                int comma = line.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                field.append(line, i, end);
                i = end;
            }
            fields.add(field.toString());
            field.setLength(0);
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }
}
