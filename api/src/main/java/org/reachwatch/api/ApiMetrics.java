package org.reachwatch.api;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorCounters;
import org.reachwatch.detector.lifecycle.TrackerState;

/**
 * The Prometheus registry behind {@code /metrics}: Kafka Streams' own client metrics (Micrometer's
 * {@link KafkaStreamsMetrics} binder) and the detector's, read from its stores rather than counted
 * again on the hot path. The detector counts in task-local maps and writes them to
 * {@code detector-stats} at each commit; this class reads that store (all active tasks of this
 * instance, summed) at most once a second. So counters lag by at most one commit interval, and each
 * instance reports its own tasks: sum over instances in Prometheus.
 *
 * <ul>
 *   <li>{@code reachwatch_measurements_total}, {@code reachwatch_measurements_late_total},
 *       {@code reachwatch_measurements_duplicate_total}, {@code reachwatch_heartbeats_total}</li>
 *   <li>{@code reachwatch_dead_letters_total{reason}} (reason kinds of {@link DetectorCounters#reasonKind})</li>
 *   <li>{@code reachwatch_events_total{type}}</li>
 *   <li>{@code reachwatch_open_incidents{cause}}: published incidents (country level) not closed</li>
 *   <li>{@code reachwatch_window_close_lag_seconds}: wall clock minus the end of the oldest "last closed
 *       window" among this instance's tasks (live: how far behind real time results are);
 *       {@code reachwatch_window_close_event_lag_seconds}: the same against the tasks' event-time clock</li>
 *   <li>{@code reachwatch_consumer_lag_records{topic}}: records not yet fetched by the detector's consumers</li>
 * </ul>
 */
final class ApiMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private DetectorBackend backend;
    private KafkaStreamsMetrics streamsMetrics;
    private final Snapshot<Map<String, Long>> stats = new Snapshot<>(() -> backend == null ? Map.of() : safeStats());
    private final Snapshot<Map<DisruptionCause, Integer>> open = new Snapshot<>(this::openIncidents);
    private final Snapshot<double[]> lags = new Snapshot<>(this::windowLags);

    PrometheusMeterRegistry registry() {
        return registry;
    }

    synchronized void bind(DetectorBackend backend) {
        this.backend = backend;
        this.streamsMetrics = new KafkaStreamsMetrics(backend.streams());
        streamsMetrics.bindTo(registry);
        counter("reachwatch.measurements", "measurements", "measurements counted (deduplicated, in time)");
        counter("reachwatch.measurements.late", "late", "measurements that arrived after their window closed");
        counter("reachwatch.measurements.duplicate", "duplicates", "measurements seen again in their window");
        counter("reachwatch.heartbeats", "heartbeats", "probe heartbeats");
        for (DisruptionCause cause : DisruptionCause.values()) {
            Gauge.builder("reachwatch.open.incidents", open, s -> s.get().getOrDefault(cause, 0))
                    .description("incidents not closed, by cause").tag("cause", cause.toString()).register(registry);
        }
        Gauge.builder("reachwatch.window.close.lag", lags, s -> s.get()[0]).baseUnit("seconds")
                .description("wall clock minus the end of the last closed window (oldest task)").register(registry);
        Gauge.builder("reachwatch.window.close.event.lag", lags, s -> s.get()[1]).baseUnit("seconds")
                .description("event-time clock minus the end of the last closed window (largest over tasks)").register(registry);
        for (String topic : List.of(backend.topics().measurements().name(), backend.topics().heartbeats().name(),
                backend.topics().ticks().name(), backend.topics().verdicts().name())) {
            Gauge.builder("reachwatch.consumer.lag", () -> consumerLag(topic)).baseUnit("records")
                    .description("records in the detector's input not yet fetched by its consumers").tag("topic", topic)
                    .register(registry);
        }
        // Every known kind from the start (at 0), so a rate() works from the first dead letter or event.
        List<String> known = new ArrayList<>();
        DetectorCounters.REASON_KINDS.forEach(kind -> known.add(DetectorCounters.DEAD_LETTER_PREFIX + kind));
        for (EventType type : EventType.values()) {
            known.add(DetectorCounters.eventKey(type));
        }
        register(known);
    }

    /** Registers counters for kinds seen since the last scrape (dead-letter reasons, event types). */
    void refresh() {
        if (backend == null) {
            return;
        }
        register(stats.get().keySet());
    }

    private void register(Iterable<String> keys) {
        for (String key : keys) {
            if (key.startsWith(DetectorCounters.DEAD_LETTER_PREFIX) && registered.add(key)) {
                FunctionCounter.builder("reachwatch.dead.letters", stats, s -> s.get().getOrDefault(key, 0L))
                        .description("records sent to the dead-letter topic, by reason")
                        .tag("reason", key.substring(DetectorCounters.DEAD_LETTER_PREFIX.length())).register(registry);
            } else if (key.startsWith(DetectorCounters.EVENTS_PREFIX) && registered.add(key)) {
                FunctionCounter.builder("reachwatch.events", stats, s -> s.get().getOrDefault(key, 0L))
                        .description("disruption events emitted, by type")
                        .tag("type", key.substring(DetectorCounters.EVENTS_PREFIX.length())).register(registry);
            }
        }
    }

    String scrape() {
        refresh();
        return registry.scrape();
    }

    private void counter(String name, String key, String description) {
        FunctionCounter.builder(name, stats, s -> s.get().getOrDefault(key, 0L)).description(description).register(registry);
    }

    private Map<String, Long> safeStats() {
        try {
            return backend.localStats();
        } catch (RuntimeException e) {
            return Map.of(); // rebalancing: nothing to report now
        }
    }

    private Map<DisruptionCause, Integer> openIncidents() {
        Map<DisruptionCause, Integer> out = new EnumMap<>(DisruptionCause.class);
        if (backend == null) {
            return out;
        }
        try {
            for (TrackerState t : backend.allLocalTrackers()) {
                // Published incidents are country-level (asn null); network trackers are detail.
                if (t.asn == null && t.incidentId != null && t.inIncident()) {
                    out.merge(t.cause == null ? DisruptionCause.UNKNOWN : t.cause, 1, Integer::sum);
                }
            }
        } catch (RuntimeException e) {
            return out;
        }
        return out;
    }

    private double[] windowLags() {
        if (backend == null) {
            return new double[] {Double.NaN, Double.NaN};
        }
        try {
            long now = System.currentTimeMillis();
            double wall = Double.NaN;
            double event = Double.NaN;
            for (long[] c : backend.localClocks()) {
                long closedEnd = c[1] + backend.windowMillis();
                double w = (now - closedEnd) / 1000.0;
                double e = (c[0] - closedEnd) / 1000.0;
                wall = Double.isNaN(wall) ? w : Math.max(wall, w);
                event = Double.isNaN(event) ? e : Math.max(event, e);
            }
            return new double[] {wall, event};
        } catch (RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN};
        }
    }

    private double consumerLag(String topic) {
        if (backend == null) {
            return Double.NaN;
        }
        double sum = 0;
        boolean any = false;
        for (Map.Entry<MetricName, ? extends Metric> e : backend.streams().metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                    && topic.equals(name.tags().get("topic")) && !name.tags().getOrDefault("client-id", "").contains("restore")) {
                Object v = e.getValue().metricValue();
                if (v instanceof Number n && !Double.isNaN(n.doubleValue())) {
                    sum += n.doubleValue();
                    any = true;
                }
            }
        }
        return any ? sum : 0;
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        registry.close();
    }

    /** A value computed at most once a second: a scrape reads several meters of one store read. */
    private static final class Snapshot<T> {
        private final Supplier<T> source;
        private T value;
        private long at;

        Snapshot(Supplier<T> source) {
            this.source = source;
        }

        synchronized T get() {
            long now = System.nanoTime();
            if (value == null || now - at > 1_000_000_000L) {
                value = source.get();
                at = now;
            }
            return value;
        }
    }
}
