package org.reachwatch.alerts;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.schemas.json.AvroJson;

/** What one webhook message looks like. Both are JSON bodies ({@code Content-Type: application/json}). */
public enum AlertFormat {
    /**
     * The event JSON of the contract, byte for byte the line {@code replay --events-out} writes for the
     * event ({@link AvroJson#toJsonLine}): every field, times as ISO-8601 UTC, {@code asn} null at country level.
     */
    JSON("json"),
    /**
     * A Slack incoming-webhook message, {@code {"text": "..."}}, one line an analyst reads at a glance:
     * {@code PK x.com: DISRUPTION_STARTED at 2024-02-17 20:05 UTC, censorship, blocked on AS17557, AS24499}
     * followed by availability, baseline, methods and the incident id. Mattermost, Rocket.Chat and
     * Discord's Slack-compatible endpoints take the same body.
     */
    SLACK("slack");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final String cliName;

    AlertFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** The format named {@code name} ({@code json} or {@code slack}, any case). */
    public static AlertFormat fromCliName(String name) {
        for (AlertFormat f : values()) {
            if (f.cliName.equalsIgnoreCase(name == null ? "" : name.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown webhook format '" + name + "': use json or slack");
    }

    /** The request body for {@code event}. */
    public String body(DisruptionEvent event) {
        return switch (this) {
            case JSON -> AvroJson.toJsonLine(event);
            case SLACK -> {
                try {
                    yield MAPPER.writeValueAsString(java.util.Map.of("text", slackEscape(text(event))));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("cannot write a Slack message", e);
                }
            }
        };
    }

    /**
     * The one-line, human-readable text of {@code event}: region, target, type, event time, cause, the
     * networks named as blocking (or dark, in a network outage), then the figures.
     */
    public static String text(DisruptionEvent event) {
        StringBuilder s = new StringBuilder(160);
        s.append(event.getCountry());
        if (event.getAsn() != null) {
            s.append(' ').append(event.getAsn());
        }
        s.append(' ').append("*".equals(event.getTarget()) ? "(all services)" : event.getTarget())
                .append(": ").append(event.getType())
                .append(" at ").append(TIME.format(event.getAt()))
                .append(", ").append(cause(event.getCause()));
        List<String> named = event.getNetworks().stream().filter(NetworkStatus::getBlocked).map(NetworkStatus::getAsn)
                .collect(Collectors.toList());
        if (!named.isEmpty()) {
            s.append(event.getCause() == DisruptionCause.NETWORK_OUTAGE ? ", dark on " : ", blocked on ")
                    .append(String.join(", ", named));
        }
        List<String> throttling = event.getNetworks().stream().filter(NetworkStatus::getThrottled).map(NetworkStatus::getAsn)
                .collect(Collectors.toList());
        if (!throttling.isEmpty()) {
            s.append(", throttled on ").append(String.join(", ", throttling));
        }
        StringBuilder figures = new StringBuilder();
        if (event.getAvailability() != null) {
            figures.append("availability ").append(percent(event.getAvailability()));
            if (event.getBaseline() != null) {
                figures.append(" (baseline ").append(percent(event.getBaseline())).append(')');
            }
        }
        if (event.getThroughputBytesPerSecond() != null) {
            figures.append(figures.length() > 0 ? ", " : "").append("speed ").append(speed(event.getThroughputBytesPerSecond()));
            if (event.getExpectedThroughputBytesPerSecond() != null) {
                figures.append(" (expected ").append(speed(event.getExpectedThroughputBytesPerSecond())).append(')');
            }
        }
        if (!event.getMethods().isEmpty()) {
            figures.append(figures.length() > 0 ? ", " : "").append("methods ")
                    .append(event.getMethods().stream().map(Object::toString).collect(Collectors.joining(", ")));
        }
        if (figures.length() > 0) {
            s.append("; ").append(figures);
        }
        s.append("; incident ").append(event.getIncidentId());
        return s.toString();
    }

    /** Bytes per second as kB/s (1 kB = 1000 bytes), whole numbers. */
    private static String speed(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%,.0f kB/s", bytesPerSecond / 1000);
    }

    private static String cause(DisruptionCause cause) {
        return cause.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    /** Slack's three control characters in message text. */
    private static String slackEscape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
