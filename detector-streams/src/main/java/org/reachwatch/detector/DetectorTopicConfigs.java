package org.reachwatch.detector;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.config.TopicConfig;

/**
 * The settings the detector creates its topics with: how long each keeps data, by its role.
 * Defaults (overridden by {@code topic.<role>.<setting>} properties, Kafka's topic setting names and
 * units, e.g. {@code topic.measurements.retention.ms=1209600000}):
 *
 * <table>
 *   <caption>Default retention per topic</caption>
 *   <tr><th>role</th><th>topic</th><th>kept</th></tr>
 *   <tr><td>measurements</td><td>probe.measurements</td><td>7 days</td></tr>
 *   <tr><td>heartbeats</td><td>probe.heartbeats</td><td>1 day</td></tr>
 *   <tr><td>ticks</td><td>detector.ticks</td><td>1 day</td></tr>
 *   <tr><td>late</td><td>probe.measurements.late</td><td>7 days</td></tr>
 *   <tr><td>dead-letter</td><td>probe.measurements.dlq</td><td>30 days</td></tr>
 *   <tr><td>windows</td><td>availability.windows</td><td>30 days</td></tr>
 *   <tr><td>events</td><td>disruption.events</td><td>forever (one record per lifecycle step)</td></tr>
 *   <tr><td>incidents</td><td>disruption.incidents</td><td>compacted: the latest summary of every incident</td></tr>
 *   <tr><td>verdicts</td><td>detector.verdicts</td><td>1 day (internal: the first stage's verdicts for the second)</td></tr>
 *   <tr><td>service-outages</td><td>service.outages</td><td>forever (one record per step of a service outage)</td></tr>
 * </table>
 *
 * <p>Retention by time is safe for replayed data because every detector topic stamps records with
 * the broker's append time ({@code message.timestamp.type=LogAppendTime}, fixed: see
 * {@code DESIGN.md}, "Time"), so "7 days" counts from arrival, not from a measurement's own (possibly
 * years old) time. Compression is the producers' ({@code compression.type=producer}; reachwatch's
 * producers send lz4). Settings apply when a topic is created; an existing topic keeps its own
 * (change it with {@code kafka-configs.sh}).
 *
 * <p>Unknown roles, settings outside {@link #SETTINGS} and the fixed timestamp type are
 * {@link IllegalArgumentException}s naming the key.
 */
public final class DetectorTopicConfigs {
    /** Prefix of the properties read by {@link #from}. */
    public static final String PREFIX = "topic.";
    /** Topic settings that may be configured per role. */
    public static final Set<String> SETTINGS = Set.of(TopicConfig.RETENTION_MS_CONFIG, TopicConfig.RETENTION_BYTES_CONFIG,
            TopicConfig.SEGMENT_MS_CONFIG, TopicConfig.SEGMENT_BYTES_CONFIG, TopicConfig.CLEANUP_POLICY_CONFIG,
            TopicConfig.COMPRESSION_TYPE_CONFIG, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, TopicConfig.DELETE_RETENTION_MS_CONFIG);

    private static final long DAY_MS = 24L * 60 * 60 * 1000;

    /** What a topic is for; {@link #key()} is its name in {@code topic.<role>.<setting>}. */
    public enum Role {
        MEASUREMENTS, HEARTBEATS, TICKS, LATE, DEAD_LETTER, WINDOWS, EVENTS, INCIDENTS, VERDICTS, SERVICE_OUTAGES;

        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The detector's inputs: co-partitioned, {@code detector.partitions} partitions, keyed by country. */
        public boolean input() {
            return this == MEASUREMENTS || this == HEARTBEATS || this == TICKS;
        }
    }

    private final Map<Role, Map<String, String>> configs;

    private DetectorTopicConfigs(Map<Role, Map<String, String>> configs) {
        this.configs = configs;
    }

    /** The defaults of the class comment. */
    public static DetectorTopicConfigs defaults() {
        return from(new Properties());
    }

    /** The defaults with {@code topic.*} properties applied; other properties are ignored. */
    public static DetectorTopicConfigs from(Properties properties) {
        Map<Role, Map<String, String>> configs = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            Map<String, String> c = new LinkedHashMap<>();
            c.put(TopicConfig.CLEANUP_POLICY_CONFIG, role == Role.INCIDENTS ? TopicConfig.CLEANUP_POLICY_COMPACT
                    : TopicConfig.CLEANUP_POLICY_DELETE);
            c.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(switch (role) {
                case MEASUREMENTS, LATE -> 7 * DAY_MS;
                case HEARTBEATS, TICKS, VERDICTS -> DAY_MS;
                case DEAD_LETTER, WINDOWS -> 30 * DAY_MS;
                case EVENTS, INCIDENTS, SERVICE_OUTAGES -> -1;
            }));
            c.put(TopicConfig.COMPRESSION_TYPE_CONFIG, "producer");
            configs.put(role, c);
        }
        Set<String> unknown = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String rest = key.substring(PREFIX.length());
            Role role = null;
            for (Role r : Role.values()) {
                if (rest.startsWith(r.key() + ".")) {
                    role = r;
                }
            }
            String setting = role == null ? null : rest.substring(role.key().length() + 1);
            if (TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG.equals(setting)) {
                throw new IllegalArgumentException(key + " cannot be changed: the detector's topics use LogAppendTime "
                        + "(see detector-streams/DESIGN.md)");
            }
            if (role == null || !SETTINGS.contains(setting)) {
                unknown.add(key);
                continue;
            }
            String value = properties.getProperty(key).trim();
            if (setting.endsWith(".ms") || setting.endsWith(".bytes") || setting.equals(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)) {
                try {
                    Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(key + " must be an integer (Kafka's unit), got " + value);
                }
            }
            configs.get(role).put(setting, value);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown topic setting(s) " + unknown + ": expected " + PREFIX
                    + "<role>.<setting>, role one of " + java.util.Arrays.stream(Role.values()).map(Role::key).toList()
                    + ", setting one of " + new TreeSet<>(SETTINGS));
        }
        configs.replaceAll((role, c) -> {
            c.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
            return Collections.unmodifiableMap(c);
        });
        return new DetectorTopicConfigs(Collections.unmodifiableMap(configs));
    }

    /** The settings a topic of {@code role} is created with. */
    public Map<String, String> configs(Role role) {
        return configs.get(role);
    }

    /**
     * Partitions a topic of {@code role} that is not an input is created with: one (events and incidents
     * keep one order for their readers). Inputs take {@code detector.partitions}, the second stage's
     * verdicts {@code detector.outage.partitions} (see DetectorApp).
     */
    public int partitions(Role role) {
        return 1;
    }

    @Override
    public String toString() {
        return "DetectorTopicConfigs" + configs;
    }
}
