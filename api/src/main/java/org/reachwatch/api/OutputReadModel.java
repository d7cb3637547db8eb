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
import java.util.function.Function;
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
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.avro.ServiceOutageEventType;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the detector published, kept in memory for the API: the latest {@link IncidentSummary} of
 * every incident ({@code disruption.incidents}), every incident's events in order
 * ({@code disruption.events}), the recent availability windows of every series
 * ({@code availability.windows}) and every service outage's events in order ({@code service.outages},
 * the detector's second stage). One consumer thread reads all partitions of the four topics from
 * the beginning with {@code read_committed}, without a consumer group: every API instance holds the
 * whole (small) picture, so these reads never need another instance. Only committed output is
 * visible, i.e. exactly what an exactly-once detector has decided.
 *
 * <p>Bounds: windows are kept for at most {@code maxWindowsPerSeries} windows per
 * (country, asn, target), the oldest dropped first; events and summaries are kept for every
 * incident and every service outage (one record per lifecycle step). A record that does not
 * deserialize is counted in {@link #skipped()} and skipped (the detector wrote it, so it should not
 * happen).
 */
public final class OutputReadModel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutputReadModel.class);

    private final Map<String, IncidentSummary> incidents = new HashMap<>();
    private final Map<String, List<DisruptionEvent>> events = new HashMap<>();
    private final Map<String, NavigableMap<Long, AvailabilityWindow>> windows = new HashMap<>();
    private final Map<String, List<ServiceOutageEvent>> outages = new HashMap<>();
    private final int maxWindowsPerSeries;
    private final KafkaConsumer<String, byte[]> consumer;
    private final DetectorTopics topics;
    private final Deserializer<AvailabilityWindow> windowValues;
    private final Deserializer<DisruptionEvent> eventValues;
    private final Deserializer<IncidentSummary> incidentValues;
    private final Deserializer<ServiceOutageEvent> outageValues;
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
        this.outageValues = topics.serviceOutages().valueSerde().deserializer();
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
            for (String topic : List.of(topics.incidents().name(), topics.events().name(), topics.windows().name(),
                    topics.serviceOutages().name())) {
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
                addOnce(events.computeIfAbsent(e.getIncidentId(), id -> new ArrayList<>()), e, DisruptionEvent::getEventId);
            } else if (r.topic().equals(topics.serviceOutages().name())) {
                ServiceOutageEvent e = outageValues.deserialize(r.topic(), r.value());
                addOnce(outages.computeIfAbsent(e.getOutageId(), id -> new ArrayList<>()), e, ServiceOutageEvent::getEventId);
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

    /** The same event id twice (a detector rewound by a crash before exactly-once) is kept once. */
    private static <T> void addOnce(List<T> list, T event, Function<T, String> eventId) {
        String id = eventId.apply(event);
        if (list.stream().noneMatch(x -> eventId.apply(x).equals(id))) {
            list.add(event);
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
     * Service outages matching the filters ({@code state} open, closed or all; {@code target} null
     * matches all), open ones first, then the most recently changed first.
     */
    public synchronized List<ServiceOutageView> serviceOutages(String state, String target) {
        List<ServiceOutageView> out = new ArrayList<>();
        for (Map.Entry<String, List<ServiceOutageEvent>> e : outages.entrySet()) {
            ServiceOutageView v = new ServiceOutageView(e.getKey(), List.copyOf(e.getValue()));
            if ("open".equals(state) && !v.open() || "closed".equals(state) && v.open()) {
                continue;
            }
            if (target != null && !target.equals(v.target())) {
                continue;
            }
            out.add(v);
        }
        out.sort(Comparator.comparing((ServiceOutageView v) -> !v.open())
                .thenComparing(ServiceOutageView::lastChangeAt, Comparator.reverseOrder())
                .thenComparing(ServiceOutageView::outageId));
        return out;
    }

    /** One service outage with its events in order, or null. */
    public synchronized ServiceOutageView serviceOutage(String outageId) {
        List<ServiceOutageEvent> list = outages.get(outageId);
        return list == null ? null : new ServiceOutageView(outageId, List.copyOf(list));
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

    /**
     * A service outage: its events in the order they were published. Open while it has a
     * {@code SERVICE_OUTAGE_STARTED} and no {@code SERVICE_OUTAGE_ENDED}; an event type this reader does
     * not know (read as {@code UNKNOWN}) changes neither.
     */
    public record ServiceOutageView(String outageId, List<ServiceOutageEvent> events) {
        public ServiceOutageView {
            Objects.requireNonNull(outageId);
            if (events.isEmpty()) {
                throw new IllegalArgumentException("a service outage has at least one event");
            }
        }

        public String target() {
            return events.get(0).getTarget();
        }

        public boolean open() {
            return start() != null && end() == null;
        }

        /** The {@code at} of the STARTED event, or null if there is none. */
        public Instant start() {
            return at(ServiceOutageEventType.SERVICE_OUTAGE_STARTED);
        }

        /** The {@code at} of the ENDED event, or null while there is none. */
        public Instant end() {
            return at(ServiceOutageEventType.SERVICE_OUTAGE_ENDED);
        }

        Instant lastChangeAt() {
            return events.get(events.size() - 1).getAt();
        }

        /**
         * Every country named by any event, by country code, each with the last incident id an event
         * gave it: a country listed without an incident when the outage started and with one when it
         * ended keeps the id.
         */
        public List<ServiceOutageCountry> countries() {
            Map<String, String> union = new TreeMap<>();
            for (ServiceOutageEvent e : events) {
                for (ServiceOutageCountry c : e.getCountries()) {
                    if (c.getIncidentId() != null || !union.containsKey(c.getCountry())) {
                        union.put(c.getCountry(), c.getIncidentId());
                    }
                }
            }
            List<ServiceOutageCountry> out = new ArrayList<>();
            union.forEach((country, incidentId) -> out.add(new ServiceOutageCountry(country, incidentId)));
            return out;
        }

        private Instant at(ServiceOutageEventType type) {
            return events.stream().filter(e -> e.getType() == type).map(ServiceOutageEvent::getAt).findFirst().orElse(null);
        }
    }
}
