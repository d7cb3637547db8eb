package org.reachwatch.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the detector published, kept in memory for the API: the latest {@link IncidentSummary} of
 * every incident ({@code disruption.incidents}), every incident's events in order
 * ({@code disruption.events}) and the recent availability windows of every series
 * ({@code availability.windows}). One consumer thread reads all partitions of the three topics from
 * the beginning with {@code read_committed}, without a consumer group: every API instance holds the
 * whole (small) picture, so these reads never need another instance. Only committed output is
 * visible, i.e. exactly what an exactly-once detector has decided.
 *
 * <p>Bounds: windows are kept for at most {@code maxWindowsPerSeries} windows per
 * (country, asn, target), the oldest dropped first; events and summaries are kept for every
 * incident (one record per lifecycle step). A record that does not deserialize is counted in
 * {@link #skipped()} and skipped (the detector wrote it, so it should not happen).
 */
public final class OutputReadModel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutputReadModel.class);

    private final Map<String, IncidentSummary> incidents = new HashMap<>();
    private final Map<String, List<DisruptionEvent>> events = new HashMap<>();
    private final Map<String, NavigableMap<Long, AvailabilityWindow>> windows = new HashMap<>();
    private final int maxWindowsPerSeries;
    private final KafkaConsumer<String, byte[]> consumer;
    private final DetectorTopics topics;
    private final Deserializer<AvailabilityWindow> windowValues;
    private final Deserializer<DisruptionEvent> eventValues;
    private final Deserializer<IncidentSummary> incidentValues;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long version;

    private OutputReadModel(String bootstrapServers, Map<String, ?> clientConfig, DetectorTopics topics, int maxWindowsPerSeries) {
        this.topics = topics;
        this.maxWindowsPerSeries = maxWindowsPerSeries;
        Map<String, Object> config = KafkaClients.only(ConsumerConfig.configNames(), clientConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // Only what the detector committed: aborted attempts of an exactly-once transaction never show.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "reachwatch-api-read-model");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.windowValues = topics.windows().valueSerde().deserializer();
        this.eventValues = topics.events().valueSerde().deserializer();
        this.incidentValues = topics.incidents().valueSerde().deserializer();
        this.thread = new Thread(this::run, "reachwatch-api-read-model");
        this.thread.setDaemon(true);
    }

    /** Starts reading the detector's output topics in a background thread. */
    public static OutputReadModel start(String bootstrapServers, Map<String, ?> clientConfig, DetectorTopics topics,
                                        int maxWindowsPerSeries) {
        OutputReadModel model = new OutputReadModel(bootstrapServers, clientConfig, topics, maxWindowsPerSeries);
        model.thread.start();
        return model;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.incidents().name(), topics.events().name(), topics.windows().name())) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist");
                }
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running.get()) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                synchronized (this) {
                    for (ConsumerRecord<String, byte[]> r : records) {
                        apply(r);
                    }
                    version++;
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                failure.set(e);
            }
        } catch (RuntimeException e) {
            failure.set(e);
            log.error("API read model stopped: {}", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        recordsRead.incrementAndGet();
        if (r.value() == null) {
            return;
        }
        try {
            if (r.topic().equals(topics.incidents().name())) {
                IncidentSummary s = incidentValues.deserialize(r.topic(), r.value());
                incidents.put(s.getIncidentId(), s);
            } else if (r.topic().equals(topics.events().name())) {
                DisruptionEvent e = eventValues.deserialize(r.topic(), r.value());
                List<DisruptionEvent> list = events.computeIfAbsent(e.getIncidentId(), id -> new ArrayList<>());
                // The same event id twice (a detector rewound by a crash before exactly-once) is kept once.
                if (list.stream().noneMatch(x -> x.getEventId().equals(e.getEventId()))) {
                    list.add(e);
                }
            } else {
                AvailabilityWindow w = windowValues.deserialize(r.topic(), r.value());
                NavigableMap<Long, AvailabilityWindow> series = windows.computeIfAbsent(seriesKey(w.getCountry(), w.getAsn(),
                        w.getTarget()), k -> new TreeMap<>());
                series.put(w.getWindowStart().toEpochMilli(), w);
                while (series.size() > maxWindowsPerSeries) {
                    series.pollFirstEntry();
                }
            }
        } catch (RuntimeException e) {
            skipped.incrementAndGet();
        }
    }

    static String seriesKey(String country, String asn, String target) {
        return country + "|" + (asn == null ? "" : asn) + "|" + target;
    }

    /** Incidents matching the filters (nulls match all), the most recently changed first. */
    public synchronized List<IncidentView> incidents(String state, String country, String target) {
        List<IncidentView> out = new ArrayList<>();
        for (IncidentSummary s : incidents.values()) {
            boolean open = !"CLOSED".equals(s.getState().toString());
            if ("open".equals(state) && !open || "closed".equals(state) && open) {
                continue;
            }
            if (country != null && !country.equals(s.getCountry()) || target != null && !target.equals(s.getTarget())) {
                continue;
            }
            out.add(new IncidentView(s, List.copyOf(events.getOrDefault(s.getIncidentId(), List.of()))));
        }
        out.sort(Comparator.comparing((IncidentView v) -> v.summary().getState().toString().equals("CLOSED"))
                .thenComparing(v -> v.summary().getLastChangeAt(), Comparator.reverseOrder())
                .thenComparing(v -> v.summary().getIncidentId()));
        return out;
    }

    /** One incident with its events in order, or null. */
    public synchronized IncidentView incident(String incidentId) {
        IncidentSummary s = incidents.get(incidentId);
        if (s == null) {
            return null;
        }
        return new IncidentView(s, List.copyOf(events.getOrDefault(incidentId, List.of())));
    }

    /**
     * Windows of (country, target) in {@code [from, to)} by window start: the country level when
     * {@code asn} is null, one network for {@code AS..}, the country and every network for {@code *}.
     */
    public List<AvailabilityWindow> windows(String country, String target, String asn, Instant from, Instant to) {
        return windows(country, target, asn, null, from, to);
    }

    /**
     * As {@link #windows(String, String, String, Instant, Instant)}, with {@code target} null for every
     * target of the country and {@code control} (when not null) keeping only the windows whose
     * {@code control} flag has that value; ordered by network (country level first), target, start.
     */
    public synchronized List<AvailabilityWindow> windows(String country, String target, String asn, Boolean control, Instant from,
                                                         Instant to) {
        List<AvailabilityWindow> out = new ArrayList<>();
        String prefix = country + "|";
        long lo = from == null ? Long.MIN_VALUE : from.toEpochMilli();
        long hi = to == null ? Long.MAX_VALUE : to.toEpochMilli();
        for (Map.Entry<String, NavigableMap<Long, AvailabilityWindow>> e : windows.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(prefix)) {
                continue;
            }
            // country|asn|target: an ASN never holds '|', a target might.
            int bar = key.indexOf('|', prefix.length());
            String seriesAsn = key.substring(prefix.length(), bar);
            String seriesTarget = key.substring(bar + 1);
            boolean wanted = (target == null || target.equals(seriesTarget))
                    && ("*".equals(asn) || (asn == null ? seriesAsn.isEmpty() : asn.equals(seriesAsn)));
            if (!wanted) {
                continue;
            }
            for (AvailabilityWindow w : e.getValue().subMap(lo, true, hi, false).values()) {
                if (control == null || control == w.getControl()) {
                    out.add(w);
                }
            }
        }
        out.sort(Comparator.comparing((AvailabilityWindow w) -> w.getAsn() == null ? "" : w.getAsn())
                .thenComparing(AvailabilityWindow::getTarget)
                .thenComparing(AvailabilityWindow::getWindowStart));
        return out;
    }

    /** The latest window of every series of {@code country}, by series key ({@code country|asn|target}). */
    public synchronized Map<String, AvailabilityWindow> latestWindows(String country) {
        Map<String, AvailabilityWindow> out = new LinkedHashMap<>();
        String prefix = country + "|";
        windows.forEach((key, series) -> {
            if (key.startsWith(prefix) && !series.isEmpty()) {
                out.put(key, series.lastEntry().getValue());
            }
        });
        return out;
    }

    /** Increases whenever something new was read: lets pollers skip unchanged answers. */
    public long version() {
        return version;
    }

    public long skipped() {
        return skipped.get();
    }

    public long recordsRead() {
        return recordsRead.get();
    }

    /** Why the reader stopped, or null while it runs. */
    public Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An incident's latest summary and its events in order. */
    public record IncidentView(IncidentSummary summary, List<DisruptionEvent> events) {
        public IncidentView {
            Objects.requireNonNull(summary);
        }

        /** Lower-case state for filters: open means not CLOSED. */
        String stateName() {
            return summary.getState().toString().toLowerCase(Locale.ROOT);
        }
    }
}
