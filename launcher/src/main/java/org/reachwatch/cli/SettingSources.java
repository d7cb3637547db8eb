package org.reachwatch.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The precedence rule every command uses for a setting with a property name: the flag, else the
 * environment variable {@code REACHWATCH_<NAME>} ({@link Environment#variableOf}), else the
 * properties file, else the default.
 */
final class SettingSources {
    private final Environment env;
    private final Properties file;

    SettingSources(Environment env, Properties file) {
        this.env = env;
        this.file = file;
    }

    String get(String flag, String key, String fallback) {
        if (flag != null) {
            return flag;
        }
        String fromEnv = env.get(Environment.variableOf(key));
        if (fromEnv != null) {
            return fromEnv;
        }
        String fromFile = file.getProperty(key);
        return fromFile == null || fromFile.isBlank() ? fallback : fromFile.trim();
    }

    int integer(Integer flag, String key, int fallback) {
        String value = get(flag == null ? null : flag.toString(), key, Integer.toString(fallback));
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got " + value);
        }
    }

    /** A comma-separated list, or null when the setting is not given anywhere. */
    List<String> list(String key) {
        String v = get(null, key, null);
        return v == null || v.isBlank() ? null : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
