package org.reachwatch.feeds;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The line formats a measurement file can be in. The CLI names ({@code ooni}, {@code ooni-obs},
 * {@code native}) are a public contract of {@code reachwatch replay --format}.
 */
public enum InputFormat {
    /** OONI raw measurements, one JSON document per line (df-000-base; web_connectivity, telegram, signal, whatsapp, facebook_messenger). */
    OONI("ooni"),
    /** OONI pipeline v5 {@code obs_web} CSV export: one row per measurement x endpoint, header on the first line. */
    OONI_OBS("ooni-obs"),
    /** reachwatch's own JSON lines: one {@code AvroJson} ProbeMeasurement per line. */
    NATIVE("native");

    private final String cliName;

    InputFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses a CLI name (case-insensitive); the exception lists the valid names. */
    public static InputFormat fromCliName(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (InputFormat format : values()) {
            if (format.cliName.equals(wanted)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown input format '" + name + "' (expected one of: "
                + Arrays.stream(values()).map(InputFormat::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
