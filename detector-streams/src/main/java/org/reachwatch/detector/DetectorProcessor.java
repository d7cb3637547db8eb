package org.reachwatch.detector;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.IncidentPhase;
import org.reachwatch.avro.IncidentState;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.lifecycle.DisruptionTracker;
import org.reachwatch.detector.lifecycle.LifecycleEvent;
import org.reachwatch.detector.lifecycle.TrackerKey;
import org.reachwatch.detector.lifecycle.TrackerState;
import org.reachwatch.detector.lifecycle.WindowJudge;
import org.reachwatch.schemas.registry.SchemaRegistryClients;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;
import org.reachwatch.schemas.serde.AvroDeserializer;

/**
 * The thin Kafka wrapper around {@link WindowJudge}: validates and deduplicates measurements,
 * counts them into event-time windows, closes windows on the stream-time clock (shared by every
 * region because the input has one partition, see DESIGN.md), feeds each closed window to the judge
 * and publishes what it decides as Avro records. Everything it remembers lives in named state stores, so a restart resumes exactly.
 */
final class DetectorProcessor implements Processor<byte[], byte[], Object, Object> {
    static final String REASON_HEADER = "reachwatch.reason";
    static final String SOURCE_TOPIC_HEADER = "reachwatch.source.topic";
    private static final String CLOCK = "stream-time";
    private static final String LAST_CLOSED = "last-closed-window";

    private final DetectorTopics topics;
    private final DetectorSettings settings;
    private final WindowJudge judge;
    private final long window;
    private final long grace;
    private ProcessorContext<Object, Object> context;
    private WindowStore<String, Long> seen;
    private KeyValueStore<String, WindowAccumulator> openWindows;
    private KeyValueStore<String, TrackerState> trackers;
    private KeyValueStore<String, Long> clock;
    private KeyValueStore<String, Long> stats;
    private Map<TrackerKey, TrackerState> trackerCache;
    /** True while the end-of-input marker closes windows: their volume may be partial and proves nothing. */
    private boolean endOfInput;
    private AvroDeserializer<ProbeMeasurement> measurements;
    private AvroDeserializer<ProbeHeartbeat> heartbeats;

    DetectorProcessor(DetectorTopics topics, DetectorSettings settings) {
        this.topics = topics;
        this.settings = settings;
        this.judge = new WindowJudge(settings);
        this.window = settings.windowMillis();
        this.grace = settings.grace().toMillis();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.seen = context.getStateStore(DetectorTopology.SEEN_STORE);
        this.openWindows = context.getStateStore(DetectorTopology.WINDOWS_STORE);
        this.trackers = context.getStateStore(DetectorTopology.TRACKERS_STORE);
        this.clock = context.getStateStore(DetectorTopology.CLOCK_STORE);
        this.stats = context.getStateStore(DetectorTopology.STATS_STORE);
        // The store is the truth; this decoded copy (written through) spares a decode per tracker per window.
        this.trackerCache = new TreeMap<>();
        try (KeyValueIterator<String, TrackerState> it = trackers.all()) {
            while (it.hasNext()) {
                KeyValue<String, TrackerState> kv = it.next();
                trackerCache.put(TrackerKey.of(kv.value), kv.value);
            }
        }
        var registry = SchemaRegistryClients.forUrl(topics.registryUrl());
        this.measurements = new AvroDeserializer<>(registry, ProbeMeasurement.class);
        this.heartbeats = new AvroDeserializer<>(registry, ProbeHeartbeat.class);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse(topics.measurements().name());
        if (topic.equals(topics.heartbeats().name())) {
            processHeartbeat(record, topic);
        } else {
            processMeasurement(record, topic);
        }
    }

    private void processHeartbeat(Record<byte[], byte[]> record, String topic) {
        ProbeHeartbeat heartbeat;
        try {
            heartbeat = heartbeats.deserialize(topic, record.value());
        } catch (SchemaRegistryUnavailableException e) {
            throw e; // says nothing about the record: hold it (DetectorApp restarts the thread from its last commit)
        } catch (RuntimeException e) {
            deadLetter(record, topic, "heartbeat does not deserialize: " + e.getMessage());
            return;
        }
        if (heartbeat == null) {
            deadLetter(record, topic, "empty heartbeat");
            return;
        }
        String invalid = invalidTime(heartbeat.getSentAt().toEpochMilli());
        if (invalid != null) {
            deadLetter(record, topic, invalid);
            return;
        }
        count("heartbeats");
        endOfInput = DetectorApp.END_OF_INPUT_PROBE.equals(heartbeat.getProbeId());
        try {
            advanceClock(heartbeat.getSentAt().toEpochMilli());
        } finally {
            endOfInput = false;
        }
    }

    private void processMeasurement(Record<byte[], byte[]> record, String topic) {
        ProbeMeasurement m;
        try {
            m = measurements.deserialize(topic, record.value());
        } catch (SchemaRegistryUnavailableException e) {
            throw e; // says nothing about the record: hold it (DetectorApp restarts the thread from its last commit)
        } catch (RuntimeException e) {
            deadLetter(record, topic, "measurement does not deserialize: " + e.getMessage());
            return;
        }
        String invalid = m == null ? "empty record" : invalid(m);
        if (invalid != null) {
            deadLetter(record, topic, invalid);
            return;
        }
        long t = m.getStartTime().toEpochMilli();
        long start = Math.floorDiv(t, window) * window;
        Long now = clock.get(CLOCK);
        if (now != null && start + window + grace <= now) {
            count("late");
            Record<Object, Object> late = new Record<>((Object) record.key(), (Object) record.value(), t, headers(topic,
                    "arrived after its window " + Instant.ofEpochMilli(start) + " closed (grace " + settings.grace() + ")"));
            context.forward(late, DetectorTopology.LATE_SINK);
            return;
        }
        if (isDuplicate(m.getMeasurementId(), t)) {
            count("duplicates");
            return;
        }
        count("measurements");
        String country = m.getCountry().toUpperCase(Locale.ROOT);
        String target = m.getTarget().toLowerCase(Locale.ROOT);
        accumulate(windowKey(start, country, null, target), country, null, target, m, start);
        if (m.getAsn() != null && !m.getAsn().isBlank()) {
            accumulate(windowKey(start, country, m.getAsn(), target), country, m.getAsn(), target, m, start);
        }
        advanceClock(t);
    }

    private String invalid(ProbeMeasurement m) {
        if (m.getMeasurementId() == null || m.getMeasurementId().isBlank()) {
            return "missing measurementId";
        }
        if (m.getCountry() == null || !m.getCountry().matches("[A-Za-z]{2}")) {
            return "missing or malformed country '" + m.getCountry() + "' (need ISO 3166-1 alpha-2)";
        }
        if (m.getTarget() == null || m.getTarget().isBlank()) {
            return "missing target";
        }
        return invalidTime(m.getStartTime().toEpochMilli());
    }

    private String invalidTime(long t) {
        if (t < settings.oldestValidTime().toEpochMilli()) {
            return "time " + Instant.ofEpochMilli(t) + " is older than " + settings.oldestValidTime();
        }
        Long now = clock.get(CLOCK);
        if (now != null && t > now + settings.maxFutureSkew().toMillis()) {
            return "time " + Instant.ofEpochMilli(t) + " is more than " + settings.maxFutureSkew()
                    + " ahead of stream time " + Instant.ofEpochMilli(now);
        }
        return null;
    }

    private boolean isDuplicate(String id, long t) {
        long horizon = settings.dedupeHorizon().toMillis();
        try (WindowStoreIterator<Long> it = seen.fetch(id, Instant.ofEpochMilli(t - horizon), Instant.ofEpochMilli(t + horizon))) {
            if (it.hasNext()) {
                return true;
            }
        }
        seen.put(id, t, t);
        return false;
    }

    private void accumulate(String key, String country, String asn, String target, ProbeMeasurement m, long start) {
        WindowAccumulator acc = openWindows.get(key);
        if (acc == null) {
            acc = new WindowAccumulator(country, asn, target, m.getControl(), start, start + window);
        }
        acc.add(m);
        openWindows.put(key, acc);
    }

    private void advanceClock(long t) {
        Long now = clock.get(CLOCK);
        if (now != null && t <= now) {
            return;
        }
        clock.put(CLOCK, t);
        Long lastClosed = clock.get(LAST_CLOSED);
        long closable = Math.floorDiv(t - grace, window) * window - window;
        if (lastClosed == null) {
            // First record ever: a record up to grace older may still arrive and must land in a window
            // that will be closed, so the sequence starts just before the window holding t - grace.
            clock.put(LAST_CLOSED, Math.floorDiv(t - grace, window) * window - window);
            return;
        }
        for (long ws = lastClosed + window; ws <= closable; ws += window) {
            closeWindow(ws, t);
            clock.put(LAST_CLOSED, ws);
        }
    }

    private void closeWindow(long ws, long streamTime) {
        List<WindowAccumulator> closed = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, WindowAccumulator> it = openWindows.prefixScan(String.format("%013d|", ws),
                new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, WindowAccumulator> kv = it.next();
                keys.add(kv.key);
                closed.add(kv.value);
            }
        }
        List<WindowJudge.Counts> counts = new ArrayList<>(closed.size());
        for (WindowAccumulator acc : closed) {
            TrackerKey key = TrackerKey.target(acc.country, acc.asn, acc.target);
            context.forward(new Record<>(key.storeKey(), acc.toAvro(), ws), DetectorTopology.WINDOWS_SINK);
            counts.add(new WindowJudge.Counts(key, acc.control, acc.total, acc.observation()));
        }
        keys.forEach(openWindows::delete);
        WindowJudge.Judgement judgement = judge.judge(ws, counts, trackerCache, !endOfInput);
        for (WindowJudge.Emission e : judgement.emissions()) {
            emit(e.state(), e.event(), streamTime, networkStatus(e.networks()));
        }
        for (TrackerKey key : judgement.changed()) {
            trackers.put(key.storeKey(), trackerCache.get(key));
        }
    }

    private static List<NetworkStatus> networkStatus(List<WindowJudge.NetworkDetail> networks) {
        List<NetworkStatus> out = new ArrayList<>(networks.size());
        for (WindowJudge.NetworkDetail n : networks) {
            out.add(NetworkStatus.newBuilder().setAsn(n.asn()).setAvailability(n.availability()).setBaseline(n.baseline())
                    .setMeasurements(n.measurements()).setBlocked(n.blocked()).setMethods(methods(n.methods())).build());
        }
        return out;
    }

    private void emit(TrackerState st, LifecycleEvent e, long streamTime, List<NetworkStatus> networks) {
        IncidentSummary summary = summary(st, networks);
        DisruptionEvent event = DisruptionEvent.newBuilder()
                .setEventId(DisruptionTracker.eventId(e.incidentId(), e.type(), e.at()))
                .setIncidentId(e.incidentId()).setType(e.type())
                .setCountry(st.country).setAsn(st.asn).setTarget(st.target)
                .setAt(Instant.ofEpochMilli(e.at())).setDetectedAt(Instant.ofEpochMilli(streamTime))
                .setAvailability(e.availability()).setBaseline(TrackerKey.REGION.equals(st.target) ? null : e.baseline())
                .setCause(e.cause()).setMethods(methods(e.methods()))
                .setMeasurements(e.measurements()).setDistinctProbes(e.probes()).setConfidence(e.confidence())
                .setNetworks(networks)
                .setSummary(e.type() == EventType.INCIDENT_CLOSED ? summary : null)
                .build();
        count("events");
        context.forward(new Record<>(e.incidentId(), event, e.at()), DetectorTopology.EVENTS_SINK);
        context.forward(new Record<>(e.incidentId(), summary, e.at()), DetectorTopology.INCIDENTS_SINK);
    }

    static IncidentSummary summary(TrackerState st, List<NetworkStatus> networks) {
        List<IncidentPhase> phases = new ArrayList<>();
        for (TrackerState.Phase p : st.phases) {
            phases.add(IncidentPhase.newBuilder().setState(state(p.stage)).setFrom(Instant.ofEpochMilli(p.from))
                    .setTo(p.to == null ? null : Instant.ofEpochMilli(p.to)).setMinAvailability(p.minAvailability)
                    .setMethods(methods(p.methods)).build());
        }
        long blocked = st.blockedMillis;
        if (!st.phases.isEmpty()) {
            TrackerState.Phase last = st.phases.get(st.phases.size() - 1);
            if (last.to == null && (last.stage == TrackerState.Stage.BLOCKED || last.stage == TrackerState.Stage.PARTIAL)) {
                blocked += Math.max(0, st.lastChangeAt - last.from);
            }
        }
        boolean closed = st.stage == TrackerState.Stage.NORMAL;
        return IncidentSummary.newBuilder()
                .setIncidentId(st.incidentId).setCountry(st.country).setAsn(st.asn).setTarget(st.target)
                .setState(closed ? IncidentState.CLOSED : state(st.stage))
                .setCause(st.cause == null ? DisruptionCause.UNKNOWN : st.cause)
                .setStartedAt(Instant.ofEpochMilli(st.incidentStart)).setLastChangeAt(Instant.ofEpochMilli(st.lastChangeAt))
                .setClosedAt(closed ? Instant.ofEpochMilli(st.lastChangeAt) : null)
                .setPhases(phases).setBlockedMillis(blocked).setReblocks(st.reblocks).setMethods(methods(st.methods))
                .setNetworks(networks)
                .build();
    }

    private static IncidentState state(TrackerState.Stage stage) {
        return switch (stage) {
            case BLOCKED -> IncidentState.BLOCKED;
            case PARTIAL -> IncidentState.PARTIALLY_RESTORED;
            case RESTORED -> IncidentState.RESTORED;
            case NORMAL -> IncidentState.CLOSED;
        };
    }

    private static List<BlockingMethod> methods(Collection<String> names) {
        List<BlockingMethod> out = new ArrayList<>();
        for (String name : names) {
            try {
                out.add(BlockingMethod.valueOf(name));
            } catch (IllegalArgumentException e) {
                out.add(BlockingMethod.UNKNOWN);
            }
        }
        return out;
    }

    private void deadLetter(Record<byte[], byte[]> record, String topic, String reason) {
        count("dead-letter");
        context.forward(new Record<>((Object) record.key(), (Object) record.value(), record.timestamp(), headers(topic, reason)),
                DetectorTopology.DEAD_LETTER_SINK);
    }

    private static RecordHeaders headers(String topic, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_TOPIC_HEADER, topic.getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private void count(String name) {
        Long n = stats.get(name);
        stats.put(name, n == null ? 1 : n + 1);
    }

    static String windowKey(long start, String country, String asn, String target) {
        return String.format("%013d|%s|%s|%s", start, country, asn == null ? "" : asn, target);
    }
}
