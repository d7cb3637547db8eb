package org.reachwatch.feeds;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What {@link OoniRawParser} reads of one raw OONI measurement, pulled from a streaming
 * {@link JsonParser} in one pass: the top-level fields it maps, the scalar test keys, and the four
 * step lists it uses (df-002 {@code queries}, df-005 {@code tcp_connect}, df-006
 * {@code tls_handshakes}, df-001 {@code requests}, only the first of them). Everything else (response
 * bodies, headers, certificates, network events, the control's results) is skipped without being
 * materialised, which is where a raw measurement's bytes are. A field given twice counts as the last
 * copy, as a JSON tree would keep it.
 *
 * <p>Text has the meaning of the tree API's {@code asText} on a scalar: null for JSON null, for a
 * container and for "", else the value's text (a number's as written).
 */
final class OoniRawRecord {
    static final int MAX_ANSWERS = 32;

    /** One scalar value: its token and, unless null, its text. */
    record Scalar(JsonToken token, String text) {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isBoolean() {
            return token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
        }

        boolean isNumber() {
            return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
        }
    }

    /** A df-006 handshake or the df-001 request: failure, {@code t0}, {@code t}, transaction. */
    static class Step {
        /** The failure's text (null for null or ""). */
        String failure;
        /** Whether {@code failure} was present and not JSON null (a failed step, even with an empty string). */
        boolean failed;
        Double t0;
        Double t;
        Long transactionId;
    }

    /** The final request (first of {@code requests}): a step with its response. */
    static final class Request extends Step {
        Integer code;
        long bodyBytes;
    }

    final Map<String, Scalar> top = new HashMap<>();
    /** Whether {@code test_keys} was an object. */
    boolean hasKeys;
    final Map<String, Scalar> keys = new HashMap<>();
    String firstDnsFailure;
    final Set<String> answers = new LinkedHashSet<>();
    String firstTcpFailure;
    final List<Step> handshakes = new ArrayList<>();
    Request firstRequest;

    private OoniRawRecord() {
    }

    /**
     * Reads one JSON value from {@code p} (positioned before it).
     *
     * @throws RejectedRecordException "not a JSON object" when the value is not an object
     * @throws IOException              the text is not JSON ({@link com.fasterxml.jackson.core.JsonProcessingException})
     */
    static OoniRawRecord read(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first != JsonToken.START_OBJECT) {
            if (first != null && first.isStructStart()) {
                p.skipChildren(); // as a tree would: the whole value is read (and must be JSON) before it is judged
            }
            throw new RejectedRecordException("not a JSON object");
        }
        OoniRawRecord r = new OoniRawRecord();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (name.equals("test_keys")) {
                r.hasKeys = t == JsonToken.START_OBJECT;
                r.clearKeys();
                if (r.hasKeys) {
                    r.readKeys(p);
                } else {
                    p.skipChildren();
                }
            } else if (t.isScalarValue()) {
                r.top.put(name, scalar(p, t));
            } else {
                r.top.remove(name);
                p.skipChildren();
            }
        }
        return r;
    }

    /** Text of a top-level field. */
    String text(String field) {
        return text(top.get(field));
    }

    /** Text of a test key. */
    String key(String field) {
        return text(keys.get(field));
    }

    /** A test key read as a boolean: true/false, or the strings "true"/"false" in any case; else null. */
    Boolean bool(String field) {
        Scalar v = keys.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return v.token() == JsonToken.VALUE_TRUE;
        }
        String s = v.text().toLowerCase(Locale.ROOT);
        return "true".equals(s) ? Boolean.TRUE : "false".equals(s) ? Boolean.FALSE : null;
    }

    static String text(Scalar v) {
        if (v == null || v.isNull() || v.text().isEmpty()) {
            return null;
        }
        return v.text();
    }

    private void clearKeys() {
        keys.clear();
        firstDnsFailure = null;
        answers.clear();
        firstTcpFailure = null;
        handshakes.clear();
        firstRequest = null;
    }

    private void readKeys(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "queries" -> {
                    firstDnsFailure = null;
                    answers.clear();
                    eachObject(p, t, this::readQuery);
                }
                case "tcp_connect" -> {
                    firstTcpFailure = null;
                    eachObject(p, t, this::readTcpConnect);
                }
                case "tls_handshakes" -> {
                    handshakes.clear();
                    eachObject(p, t, q -> handshakes.add(readStep(q, new Step())));
                }
                case "requests" -> readRequests(p, t);
                default -> {
                    if (t.isScalarValue()) {
                        keys.put(name, scalar(p, t));
                    } else {
                        keys.remove(name);
                        p.skipChildren();
                    }
                }
            }
        }
    }

    private interface ObjectReader {
        void read(JsonParser p) throws IOException;
    }

    /** Calls {@code reader} on each object of an array (positioned on its start); skips anything else. */
    private static void eachObject(JsonParser p, JsonToken t, ObjectReader reader) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == JsonToken.START_OBJECT) {
                reader.read(p);
            } else {
                p.skipChildren();
            }
        }
    }

    private void readQuery(JsonParser p) throws IOException {
        String failure = null;
        List<String> found = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (name.equals("failure") && t.isScalarValue()) {
                failure = text(scalar(p, t));
            } else if (name.equals("answers")) {
                found.clear();
                eachObject(p, t, a -> {
                    String ipv4 = null;
                    String ipv6 = null;
                    while (a.nextToken() == JsonToken.FIELD_NAME) {
                        String n = a.currentName();
                        JsonToken v = a.nextToken();
                        if (n.equals("ipv4") && v.isScalarValue()) {
                            ipv4 = text(scalar(a, v));
                        } else if (n.equals("ipv6") && v.isScalarValue()) {
                            ipv6 = text(scalar(a, v));
                        } else {
                            if (n.equals("ipv4")) {
                                ipv4 = null;
                            } else if (n.equals("ipv6")) {
                                ipv6 = null;
                            }
                            a.skipChildren();
                        }
                    }
                    String ip = ipv4 != null ? ipv4 : ipv6;
                    if (ip != null) {
                        found.add(ip);
                    }
                });
            } else {
                if (name.equals("failure")) {
                    failure = null;
                }
                p.skipChildren();
            }
        }
        if (firstDnsFailure == null) {
            firstDnsFailure = failure;
        }
        for (String ip : found) {
            if (answers.size() < MAX_ANSWERS) {
                answers.add(ip);
            }
        }
    }

    private void readTcpConnect(JsonParser p) throws IOException {
        String failure = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (name.equals("status") && t == JsonToken.START_OBJECT) {
                failure = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String n = p.currentName();
                    JsonToken v = p.nextToken();
                    if (n.equals("failure")) {
                        failure = v.isScalarValue() ? text(scalar(p, v)) : null;
                    }
                    p.skipChildren();
                }
            } else {
                if (name.equals("status")) {
                    failure = null;
                }
                p.skipChildren();
            }
        }
        if (firstTcpFailure == null) {
            firstTcpFailure = failure;
        }
    }

    private void readRequests(JsonParser p, JsonToken t) throws IOException {
        firstRequest = null;
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        JsonToken e = p.nextToken();
        if (e == JsonToken.END_ARRAY) {
            return;
        }
        firstRequest = new Request(); // the first element, even when it is not an object (it then has nothing)
        if (e == JsonToken.START_OBJECT) {
            readStep(p, firstRequest);
        } else {
            p.skipChildren();
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
        }
    }

    /** Reads a step object's fields (the parser is on its START_OBJECT) into {@code s}; a request's response too. */
    private static <S extends Step> S readStep(JsonParser p, S s) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "failure" -> {
                    s.failed = t != JsonToken.VALUE_NULL;
                    s.failure = t.isScalarValue() ? text(scalar(p, t)) : null;
                    p.skipChildren();
                }
                case "t0" -> s.t0 = number(p, t);
                case "t" -> s.t = number(p, t);
                case "transaction_id" -> s.transactionId = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
                case "response" -> {
                    if (s instanceof Request r) {
                        readResponse(p, t, r);
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        return s;
    }

    private static void readResponse(JsonParser p, JsonToken t, Request r) throws IOException {
        r.code = null;
        r.bodyBytes = 0;
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("code")) {
                r.code = null;
                if (v.isNumeric()) {
                    double d = p.getDoubleValue();
                    if (d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
                        r.code = (int) d;
                    }
                }
            } else if (name.equals("body")) {
                r.bodyBytes = bodyLength(p, v);
            } else {
                p.skipChildren();
            }
        }
    }

    /** Bytes of a df-001 body: a string (UTF-8 text) or {"format": "base64", "data": ...}; 0 otherwise. */
    private static long bodyLength(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return utf8Length(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return 0;
        }
        String format = null;
        long decoded = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("format")) {
                format = v.isScalarValue() ? text(scalar(p, v)) : null;
            } else if (name.equals("data")) {
                decoded = v == JsonToken.VALUE_STRING ? base64Length(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()) : -1;
            }
            p.skipChildren();
        }
        return "base64".equals(format) && decoded >= 0 ? decoded : 0;
    }

    static long base64Length(char[] c, int off, int n) {
        int pad = n > 0 && c[off + n - 1] == '=' ? (n > 1 && c[off + n - 2] == '=' ? 2 : 1) : 0;
        return n / 4 * 3L - pad + (n % 4 == 0 ? 0 : n % 4 - 1);
    }

    static long utf8Length(char[] s, int off, int n) {
        long bytes = 0;
        for (int i = off; i < off + n; i++) {
            char c = s[i];
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < off + n && Character.isLowSurrogate(s[i + 1])) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static Double number(JsonParser p, JsonToken t) throws IOException {
        if (t.isNumeric()) {
            return p.getDoubleValue();
        }
        p.skipChildren();
        return null;
    }

    private static Scalar scalar(JsonParser p, JsonToken t) throws IOException {
        return new Scalar(t, t == JsonToken.VALUE_NULL ? null : p.getText());
    }
}
