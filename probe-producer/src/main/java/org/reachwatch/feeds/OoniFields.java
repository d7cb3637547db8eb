package org.reachwatch.feeds;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.TestKind;

/** Field conversions shared by the OONI importers. */
final class OoniFields {
    private static final DateTimeFormatter RAW_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter OBS_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssXXX", Locale.ROOT);

    private OoniFields() {
    }

    /** OONI's {@code measurement_start_time}: "2023-11-01 00:18:03" (UTC, raw) or "2023-11-01 00:18:03+00:00" (obs). */
    static Instant startTime(String text) {
        if (text == null || text.isBlank()) {
            throw new RejectedRecordException("missing measurement_start_time");
        }
        Instant plain = plainUtc(text);
        if (plain != null) {
            return plain;
        }
        try {
            if (text.length() > 19) {
                return OffsetDateTime.parse(text, OBS_TIME).toInstant();
            }
            return LocalDateTime.parse(text, RAW_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new RejectedRecordException("bad measurement_start_time", "bad measurement_start_time '" + text + "'");
        }
    }

    /**
     * The common case without {@code java.time}'s parser (a replay reads hundreds of thousands): exactly
     * "yyyy-MM-dd HH:mm:ss", optionally with "+00:00", every field in range; anything else (null here)
     * goes through the formatters, which decide as before.
     */
    private static Instant plainUtc(String s) {
        int n = s.length();
        if (n != 19 && !(n == 25 && s.endsWith("+00:00"))) {
            return null;
        }
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != ' ' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59
                || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return null; // includes the -1 of a non-digit
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second);
    }

    /** The decimal number in s[from, from + count), or -1 if a character is not a digit. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** "AS17557" from "AS17557", "as17557", "17557" or "17557.0"; null when blank. */
    static String asn(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.trim();
        if (t.regionMatches(true, 0, "AS", 0, 2)) {
            t = t.substring(2);
        }
        if (t.endsWith(".0")) {
            t = t.substring(0, t.length() - 2);
        }
        for (int i = 0; i < t.length(); i++) {
            if (!Character.isDigit(t.charAt(i))) {
                throw new RejectedRecordException("bad probe_asn", "bad probe_asn '" + text + "'");
            }
        }
        if (t.isEmpty()) {
            throw new RejectedRecordException("bad probe_asn", "bad probe_asn '" + text + "'");
        }
        return "AS" + t;
    }

    static String country(String text) {
        if (text == null || text.isBlank()) {
            throw new RejectedRecordException("missing probe_cc");
        }
        String cc = text.trim().toUpperCase(Locale.ROOT);
        if (cc.length() != 2) {
            throw new RejectedRecordException("bad probe_cc", "bad probe_cc '" + text + "'");
        }
        return cc;
    }

    /**
     * The target of a URL input: its host, lower case, without a leading "www." (www.facebook.com and
     * facebook.com are one service to the detector; the exact URL stays in {@code input}).
     */
    static String targetOfUrl(String input) {
        if (input == null || input.isBlank()) {
            throw new RejectedRecordException("missing input URL");
        }
        String host;
        try {
            host = URI.create(input.trim()).getHost();
        } catch (IllegalArgumentException e) {
            host = null;
        }
        if (host == null || host.isEmpty()) {
            throw new RejectedRecordException("input is not a URL", "input is not a URL with a host: '" + input + "'");
        }
        return normalizeHost(host);
    }

    static String normalizeHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.startsWith("www.") ? h.substring(4) : h;
    }

    /** Deterministic id for measurements without {@code measurement_uid}: re-imports of one measurement get one id. */
    static String derivedId(String reportId, String input, String startTime) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((reportId + "\n" + input + "\n" + startTime).getBytes(StandardCharsets.UTF_8));
            return "ooni-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the JDK", e);
        }
    }

    static String probeId(String reportId, String country, String asn) {
        return reportId != null && !reportId.isBlank() ? "ooni:" + reportId : "ooni:" + country + ":" + asn;
    }

    static TestKind testKind(String testName) {
        return switch (testName) {
            case "web_connectivity" -> TestKind.WEB_CONNECTIVITY;
            case "telegram" -> TestKind.TELEGRAM;
            case "signal" -> TestKind.SIGNAL;
            case "whatsapp" -> TestKind.WHATSAPP;
            case "facebook_messenger" -> TestKind.FACEBOOK_MESSENGER;
            default -> throw new RejectedRecordException("unsupported test_name", "unsupported test_name '" + testName + "'");
        };
    }

    /** Layer of an OONI pipeline {@code failure_class} ("dns", "tcp", "tls", "http", "https"). */
    static BlockingMethod methodOfFailureClass(String failureClass) {
        if (failureClass == null) {
            return BlockingMethod.UNKNOWN;
        }
        return switch (failureClass) {
            case "dns" -> BlockingMethod.DNS;
            case "tcp" -> BlockingMethod.TCP_IP;
            case "tls" -> BlockingMethod.TLS;
            case "http", "https" -> BlockingMethod.HTTP_FAILURE;
            default -> BlockingMethod.UNKNOWN;
        };
    }

    /** True for df-007 strings that can only come from a TLS handshake. */
    static boolean isTlsFailure(String failure) {
        return failure != null && (failure.startsWith("ssl_") || failure.contains("tls"));
    }
}
