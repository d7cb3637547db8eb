package org.reachwatch.detector;

import java.util.List;
import java.util.Locale;

/**
 * Names of the counters the detector keeps in {@link DetectorTopology#STATS_STORE} (summed per task,
 * written at commit), for readers such as the metrics endpoint. Totals: {@code measurements},
 * {@code duplicates}, {@code late}, {@code dead-letter}, {@code heartbeats}, {@code events}; by kind:
 * {@code dead-letter.<reason kind>} ({@link #deadLetterKey}) and {@code events.<type>}
 * ({@link #eventKey}). Kinds are few and fixed, so they make fine metric tags.
 */
public final class DetectorCounters {
    /** Prefix of the dead letters counted by reason kind. */
    public static final String DEAD_LETTER_PREFIX = "dead-letter.";
    /** Every kind {@link #reasonKind} returns. */
    public static final List<String> REASON_KINDS = List.of("undeserializable", "empty", "missing-field", "too-old", "future",
            "mis-keyed", "invalid");
    /** Prefix of the events counted by type. */
    public static final String EVENTS_PREFIX = "events.";

    private DetectorCounters() {
    }

    /** {@code dead-letter.<kind>} for a dead-letter reason as the detector writes it in the reason header. */
    public static String deadLetterKey(String reason) {
        return DEAD_LETTER_PREFIX + reasonKind(reason);
    }

    /**
     * The kind of a dead-letter reason: {@code undeserializable}, {@code empty}, {@code missing-field},
     * {@code too-old}, {@code future}, {@code mis-keyed} or {@code invalid}.
     */
    public static String reasonKind(String reason) {
        String r = reason == null ? "" : reason.toLowerCase(Locale.ROOT);
        if (r.contains("does not deserialize")) {
            return "undeserializable";
        }
        if (r.startsWith("empty")) {
            return "empty";
        }
        if (r.startsWith("missing")) {
            return "missing-field";
        }
        if (r.contains(" is older than ")) {
            return "too-old";
        }
        if (r.contains(" is more than ")) {
            return "future";
        }
        if (r.contains(" belongs to partition ")) {
            return "mis-keyed";
        }
        return "invalid";
    }

    /** {@code events.<TYPE>}. */
    public static String eventKey(Object type) {
        return EVENTS_PREFIX + type;
    }
}
