package org.reachwatch.alerts;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;

/**
 * Which events a webhook wants: by country and by type. An empty set means every country (or every
 * type). Events that do not match are skipped, never sent, and their offsets move on.
 */
public record AlertFilter(Set<String> countries, Set<EventType> types) {
    public AlertFilter {
        countries = Set.copyOf(countries);
        types = types.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(types));
    }

    /** Every event. */
    public static AlertFilter all() {
        return new AlertFilter(Set.of(), Set.of());
    }

    /**
     * From the command line's values: countries as ISO 3166-1 alpha-2 codes (any case), types as
     * {@link EventType} names; each value may itself be comma-separated.
     *
     * @throws IllegalArgumentException naming the value that is not a country code or an event type
     */
    public static AlertFilter parse(Collection<String> countries, Collection<String> types) {
        Set<String> cc = new TreeSet<>();
        for (String value : split(countries)) {
            String code = value.toUpperCase(Locale.ROOT);
            if (!code.matches("[A-Z]{2}")) {
                throw new IllegalArgumentException("--country takes two-letter country codes (PK, KE, ...), got '" + value + "'");
            }
            cc.add(code);
        }
        Set<EventType> ts = EnumSet.noneOf(EventType.class);
        for (String value : split(types)) {
            try {
                EventType type = EventType.valueOf(value.toUpperCase(Locale.ROOT));
                if (type == EventType.UNKNOWN) {
                    throw new IllegalArgumentException();
                }
                ts.add(type);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--type takes event types (" + Arrays.stream(EventType.values())
                        .filter(t -> t != EventType.UNKNOWN).map(Enum::name).collect(Collectors.joining(", "))
                        + "), got '" + value + "'");
            }
        }
        return new AlertFilter(cc, ts);
    }

    private static Set<String> split(Collection<String> values) {
        Set<String> out = new java.util.LinkedHashSet<>();
        if (values != null) {
            for (String v : values) {
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
        }
        return out;
    }

    public boolean accepts(DisruptionEvent event) {
        return (countries.isEmpty() || countries.contains(event.getCountry().toUpperCase(Locale.ROOT)))
                && (types.isEmpty() || types.contains(event.getType()));
    }

    /** {@code all events}, or {@code countries PK, types DISRUPTION_STARTED, REBLOCKED}. */
    public String describe() {
        if (countries.isEmpty() && types.isEmpty()) {
            return "all events";
        }
        StringBuilder s = new StringBuilder();
        if (!countries.isEmpty()) {
            s.append("countries ").append(String.join(", ", new TreeSet<>(countries)));
        }
        if (!types.isEmpty()) {
            s.append(s.length() > 0 ? "; " : "").append("types ")
                    .append(EnumSet.copyOf(types).stream().map(Enum::name).collect(Collectors.joining(", ")));
        }
        return s.toString();
    }
}
