package org.reachwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import picocli.CommandLine.Option;

/**
 * The detector's configuration option: {@code detector.*} settings (see detector-streams/DESIGN.md)
 * and {@code topic.<role>.<setting>} topic settings ({@link DetectorTopicConfigs}). Each setting comes
 * from, in decreasing priority: the environment ({@code REACHWATCH_DETECTOR_WINDOW_SIZE} for
 * {@code detector.window.size}, {@code REACHWATCH_TOPIC_MEASUREMENTS_RETENTION_MS} for
 * {@code topic.measurements.retention.ms}), the {@code --config} file (or the file named by
 * {@code REACHWATCH_DETECTOR_CONFIG}), the default. Any other key in the file is an error.
 */
final class DetectorOptions {
    static final String CONFIG_VARIABLE = "REACHWATCH_DETECTOR_CONFIG";

    private final Environment env;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Detector properties: detector.* keys (detector-streams/DESIGN.md) and topic.<role>.<setting> "
                    + "(retention per topic, see README). Env REACHWATCH_DETECTOR_CONFIG; each setting also as "
                    + "REACHWATCH_<NAME>, e.g. REACHWATCH_DETECTOR_WINDOW_SIZE=PT10M.")
    Path config;

    DetectorOptions(Environment env) {
        this.env = env;
    }

    /** The detector's settings and topic settings. */
    record DetectorConfig(DetectorSettings settings, DetectorTopicConfigs topics) {
    }

    DetectorConfig load() {
        env.requireKnown(KnownSettings.variables());
        Path file = config != null ? config : (env.get(CONFIG_VARIABLE) == null ? null : Path.of(env.get(CONFIG_VARIABLE)));
        Properties props = new Properties();
        if (file != null) {
            if (!Files.isReadable(file) || Files.isDirectory(file)) {
                throw new IllegalArgumentException("cannot read config file " + file);
            }
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
            }
            Set<String> foreign = new TreeSet<>();
            for (String key : props.stringPropertyNames()) {
                if (!key.startsWith("detector.") && !key.startsWith(DetectorTopicConfigs.PREFIX)) {
                    foreign.add(key);
                }
            }
            if (!foreign.isEmpty()) {
                throw new IllegalArgumentException("unknown setting(s) " + foreign + " in " + file
                        + ": a detector config holds detector.* and topic.<role>.<setting> keys (Kafka client settings go in --kafka-config)");
            }
        }
        for (String key : names()) {
            String value = env.get(Environment.variableOf(key));
            if (value != null) {
                props.setProperty(key, value);
            }
        }
        String origin = file == null ? "the environment" : file + " or the environment";
        try {
            return new DetectorConfig(DetectorSettings.from(props), DetectorTopicConfigs.from(props));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + origin + ")", e);
        }
    }

    /** Every detector and topic setting name. */
    static Set<String> names() {
        Set<String> names = new LinkedHashSet<>(DetectorSettings.DEFAULTS.keySet());
        for (DetectorTopicConfigs.Role role : DetectorTopicConfigs.Role.values()) {
            DetectorTopicConfigs.SETTINGS.forEach(s -> names.add(DetectorTopicConfigs.PREFIX + role.key() + "." + s));
        }
        return names;
    }

    /** Defaults only: for commands that run the detector without this option. */
    static DetectorConfig defaults() {
        return new DetectorConfig(DetectorSettings.defaultSettings(), DetectorTopicConfigs.defaults());
    }
}
