package org.reachwatch.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The environment variables a command reads, injectable for tests. Every setting with a property
 * name has one environment variable: {@code REACHWATCH_} followed by the name in upper case with
 * dots and dashes as underscores ({@code security.protocol} is {@code REACHWATCH_SECURITY_PROTOCOL},
 * {@code detector.window.size} is {@code REACHWATCH_DETECTOR_WINDOW_SIZE}). Blank values count as unset.
 */
record Environment(Map<String, String> variables) {
    static final String PREFIX = "REACHWATCH_";
    /** Variables the launcher script and the CLI use for themselves. */
    static final Set<String> OWN = Set.of("REACHWATCH_HOME", "REACHWATCH_DEBUG", "REACHWATCH_JAVA_OPTS");

    Environment {
        variables = Map.copyOf(variables);
    }

    static Environment system() {
        return new Environment(System.getenv());
    }

    /** The variable's value, or null when unset or blank. */
    String get(String variable) {
        String value = variables.get(variable);
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** The variable of setting {@code key}. */
    static String variableOf(String key) {
        return PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Fails on a {@code REACHWATCH_*} variable that names no setting of the CLI: a typo there would
     * otherwise be ignored without a word.
     */
    void requireKnown(Set<String> known) {
        Set<String> unknown = new TreeSet<>();
        for (String name : variables.keySet()) {
            if (name.startsWith(PREFIX) && !known.contains(name) && !OWN.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown environment variable(s) " + unknown + ": REACHWATCH_* variables name "
                    + "settings (REACHWATCH_ + the setting's name, dots as underscores; see README)");
        }
    }
}
