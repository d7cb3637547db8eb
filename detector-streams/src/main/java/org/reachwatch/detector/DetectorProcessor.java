package org.reachwatch.detector;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.IncidentPhase;
import org.reachwatch.avro.IncidentState;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.lifecycle.DisruptionTracker;
import org.reachwatch.detector.lifecycle.LifecycleEvent;
import org.reachwatch.detector.lifecycle.ProbeClock;
import org.reachwatch.detector.lifecycle.TrackerKey;
import org.reachwatch.detector.lifecycle.TrackerState;
import org.reachwatch.detector.lifecycle.WindowJudge;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.registry.SchemaRegistryClients;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;
import org.reachwatch.schemas.serde.AvroDeserializer;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * The thin Kafka wrapper around {@link WindowJudge}, one per input partition (a set of countries):
 * validates and deduplicates measurements, counts them into event-time windows held in the heap
 * ({@link OpenWindows}), closes windows on this task's {@link ProbeClock}, feeds each closed window to
 * the judge and publishes what it decides as Avro records. What the heap holds is written to named,
 * changelogged stores before every commit ({@link CommitHookStore}), so a restart resumes exactly.
 */
final class DetectorProcessor implements Processor<byte[], byte[], Object, Object> {
    static final String REASON_HEADER = "reachwatch.reason";
    static final String SOURCE_TOPIC_HEADER = "reachwatch.source.topic";
    /** Probe id of the ticks a detector task sends every partition when its own clock closes windows. */
    static final String TICK_PROBE = "reachwatch-tick";
    private static final String CLOCK = DetectorTopology.CLOCK_STREAM_TIME;
    private static final String TICK_CLOCK = "tick-time";
    private static final String LAST_CLOSED = DetectorTopology.CLOCK_LAST_CLOSED;
    private static final String OWN_SINCE_TICK = "own-record-since-tick";
    /** A record of verdicts is sent once it holds this much (far below the producer's 1 MiB request limit). */
    private static final int MAX_VERDICTS_BYTES = 256 * 1024;

    private final DetectorTopics topics;
    private final DetectorSettings settings;
    private final WindowJudge judge;
    private final long window;
    private final long grace;
    private ProcessorContext<Object, Object> context;
    private OpenWindows openWindows;
    private KeyValueStore<String, TrackerState> trackers;
    private KeyValueStore<String, Long> clock;
    private KeyValueStore<String, Long> stats;
    /** Counters since the last commit, added to the stats store before it (see CommitHookStore). */
    private final Map<String, Long> unsavedCounts = new HashMap<>();
    private boolean clockChanged;
    private Map<TrackerKey, TrackerState> trackerCache;
    /** Trackers changed since the last commit: written to the store before it (one write per commit, not per window). */
    private final Set<TrackerKey> unsavedTrackers = new HashSet<>();
    /** True while the end-of-input marker closes windows: their volume may be partial and proves nothing. */
    private boolean endOfInput;
    /** This task's event-time clock, moved by the bulk of its probes (see ProbeClock and DESIGN.md). */
    private ProbeClock probeClock;
    /** The latest clock another partition told this one. */
    private long tickClock = Long.MIN_VALUE;
    /** Whether a record of this partition's own (measurement or heartbeat) came since the last tick: it is not silent. */
    private boolean ownSinceTick;
    private long lastClock = Long.MIN_VALUE;
    private long lastClosed = Long.MIN_VALUE;
    private AvroDeserializer<ProbeMeasurement> measurements;
    private AvroDeserializer<ProbeHeartbeat> heartbeats;
    private Serializer<ProbeHeartbeat> tickSerializer;
    /** The partition each country seen hashes to (a hash per measurement otherwise). */
    private final Map<String, Integer> partitionOfCountry = new HashMap<>();

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
        this.openWindows = new OpenWindows(context.getStateStore(DetectorTopology.WINDOWS_STORE),
                context.getStateStore(DetectorTopology.SEEN_STORE), window);
        this.openWindows.load();
        this.unsavedCounts.clear();
        this.unsavedTrackers.clear();
        this.clockChanged = false;
        CommitHookStore hook = context.getStateStore(DetectorTopology.COMMIT_HOOK);
        hook.listen(this::persist, this::reload);
        this.trackers = context.getStateStore(DetectorTopology.TRACKERS_STORE);
        this.clock = context.getStateStore(DetectorTopology.CLOCK_STORE);
        Long restored = clock.get(CLOCK);
        Long closed = clock.get(LAST_CLOSED);
        Long ticked = clock.get(TICK_CLOCK);
        this.lastClock = restored == null ? Long.MIN_VALUE : restored;
        this.lastClosed = closed == null ? Long.MIN_VALUE : closed;
        this.tickClock = ticked == null ? Long.MIN_VALUE : ticked;
        Long own = clock.get(OWN_SINCE_TICK);
        this.ownSinceTick = own != null && own == 1L;
        this.probeClock = new ProbeClock(settings.clockQuantile(), settings.clockMinProbes(),
                settings.clockHorizon().toMillis(), lastClock);
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
        this.tickSerializer = AvroSerde.specific(ProbeHeartbeat.class, topics.registryUrl(), false, Map.of()).serializer();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse(topics.measurements().name());
        if (topic.equals(topics.heartbeats().name())) {
            processHeartbeat(record, topic);
        } else if (topic.equals(topics.ticks().name())) {
            processTick(record, topic);
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
        String invalid = invalidTime(heartbeat.getSentAt().toEpochMilli(), record.timestamp());
        if (invalid == null) {
            invalid = misKeyed(heartbeat.getCountry());
        }
        if (invalid != null) {
            deadLetter(record, topic, invalid);
            return;
        }
        count("heartbeats");
        ownRecord();
        probeClock.observe(heartbeat.getProbeId(), heartbeat.getSentAt().toEpochMilli());
        advanceClock(true);
    }

    /**
     * A tick: another partition's clock (it moves this one only {@code silence.lag} behind, so only a
     * partition whose probes all went quiet is moved by it), or a replay's end of input (trusted: it
     * closes every window up to it, without judging their possibly partial volume).
     */
    private void processTick(Record<byte[], byte[]> record, String topic) {
        ProbeHeartbeat tick;
        try {
            tick = heartbeats.deserialize(topic, record.value());
        } catch (SchemaRegistryUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            deadLetter(record, topic, "tick does not deserialize: " + e.getMessage());
            return;
        }
        if (tick == null) {
            deadLetter(record, topic, "empty tick");
            return;
        }
        long t = tick.getSentAt().toEpochMilli();
        if (DetectorApp.END_OF_INPUT_PROBE.equals(tick.getProbeId())) {
            endOfInput = true;
            try {
                probeClock.force(t);
                advanceClock(false);
            } finally {
                endOfInput = false;
            }
            context.commit(); // the replay waits for this: no need to wait for the commit interval too
        } else if (t > tickClock) {
            tickClock = t;
            clockChanged = true;
            // A partition whose own records keep coming is moved by them alone: a tick from a partition
            // whose lone probe runs a day ahead must not drag it along. Only a silent one follows ticks.
            boolean live = ownSinceTick;
            ownSinceTick = false;
            long lagged = t - settings.silenceLag().toMillis();
            if (!live && lagged > probeClock.time()) {
                probeClock.force(lagged);
                advanceClock(false);
            }
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
        String invalid = m == null ? "empty record" : invalid(m, record.timestamp());
        if (invalid != null) {
            deadLetter(record, topic, invalid);
            return;
        }
        long t = m.getStartTime().toEpochMilli();
        ownRecord();
        long start = Math.floorDiv(t, window) * window;
        long now = probeClock.time();
        if (now != Long.MIN_VALUE && start + window + grace <= now) {
            count("late");
            Record<Object, Object> late = new Record<>((Object) record.key(), (Object) record.value(), t, headers(topic,
                    "arrived after its window " + Instant.ofEpochMilli(start) + " closed (grace " + settings.grace() + ")"));
            context.forward(late, DetectorTopology.LATE_SINK);
            return;
        }
        if (!openWindows.firstSighting(start, m.getMeasurementId())) {
            count("duplicates");
            return;
        }
        count("measurements");
        String country = m.getCountry().toUpperCase(Locale.ROOT);
        String target = m.getTarget().toLowerCase(Locale.ROOT);
        openWindows.add(start, country, null, target, m);
        if (m.getAsn() != null && !m.getAsn().isBlank()) {
            openWindows.add(start, country, m.getAsn(), target, m);
        }
        probeClock.observe(m.getProbeId(), t);
        advanceClock(true);
    }

    private void ownRecord() {
        if (!ownSinceTick) {
            ownSinceTick = true;
            clockChanged = true;
        }
    }

    private String invalid(ProbeMeasurement m, long appendTime) {
        if (m.getMeasurementId() == null || m.getMeasurementId().isBlank()) {
            return "missing measurementId";
        }
        if (!isCountryCode(m.getCountry())) {
            return "missing or malformed country '" + m.getCountry() + "' (need ISO 3166-1 alpha-2)";
        }
        if (m.getTarget() == null || m.getTarget().isBlank()) {
            return "missing target";
        }
        String invalid = invalidTime(m.getStartTime().toEpochMilli(), appendTime);
        return invalid != null ? invalid : misKeyed(m.getCountry());
    }

    private static boolean isCountryCode(String s) {
        return s != null && s.length() == 2 && isAsciiLetter(s.charAt(0)) && isAsciiLetter(s.charAt(1));
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    /**
     * Too old to be real, or dated after the broker received it (its record timestamp: the detector's
     * input topics use append time) by more than max.future.skew: a probe's clock is wrong, and the
     * record must not move event time for everyone.
     */
    private String invalidTime(long t, long appendTime) {
        if (t < settings.oldestValidTime().toEpochMilli()) {
            return "time " + Instant.ofEpochMilli(t) + " is older than " + settings.oldestValidTime();
        }
        if (appendTime > 0 && t > appendTime + settings.maxFutureSkew().toMillis()) {
            return "time " + Instant.ofEpochMilli(t) + " is more than " + settings.maxFutureSkew()
                    + " after the broker received the record (" + Instant.ofEpochMilli(appendTime) + ")";
        }
        return null;
    }

    /**
     * A record in a partition its country does not hash to: its producer did not key it by country, so
     * its country's state would be split between tasks. Refused, not silently counted in the wrong place.
     */
    private String misKeyed(String country) {
        int partitions = settings.partitions();
        if (partitions <= 1 || country == null) {
            return null;
        }
        int partition = context.recordMetadata().map(md -> md.partition()).orElse(-1);
        Integer known = partitionOfCountry.get(country);
        int expected = known != null ? known : partitionOf(country, partitions);
        if (known == null && partitionOfCountry.size() < 1_000) { // bounded: a flood of made-up codes must not grow it
            partitionOfCountry.put(country, expected);
        }
        if (partition < 0 || partition == expected) {
            return null;
        }
        return "country " + country + " belongs to partition " + expected + " of " + partitions + ", record is in "
                + partition + ": producers must key measurements and heartbeats by country (TopicNames.partitionKey)";
    }

    /** The partition the default partitioner gives the country's key. */
    static int partitionOf(String country, int partitions) {
        byte[] key = TopicNames.partitionKey(country).getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /**
     * Closes every window the clock has passed (end plus grace). {@code own}: the clock moved on this
     * partition's own records, so the other partitions are told (a tick), once per window closed.
     */
    private void advanceClock(boolean own) {
        long t = probeClock.time();
        if (t == Long.MIN_VALUE || t <= lastClock) {
            return;
        }
        lastClock = t;
        clockChanged = true;
        if (lastClosed == Long.MIN_VALUE) {
            // First record ever: a record up to grace older may still arrive and must land in a window
            // that will be closed, so the sequence starts just before the window holding t - grace.
            lastClosed = Math.floorDiv(t - grace, window) * window - window;
            return;
        }
        long closable = Math.floorDiv(t - grace, window) * window - window;
        if (closable <= lastClosed) {
            return;
        }
        List<byte[]> verdicts = new ArrayList<>();
        int verdictBytes = 0;
        for (long ws = lastClosed + window; ws <= closable; ws += window) {
            byte[] closed = closeWindow(ws, t, own || endOfInput ? t : ws + window + grace + settings.silenceLag().toMillis());
            lastClosed = ws;
            verdicts.add(closed);
            verdictBytes += closed.length;
            if (verdictBytes >= MAX_VERDICTS_BYTES) {
                sendVerdicts(verdicts);
                verdictBytes = 0;
            }
        }
        if (!verdicts.isEmpty()) {
            sendVerdicts(verdicts);
        }
        if (own && settings.partitions() > 1) {
            context.forward(new Record<>((Object) null, (Object) tickSerializer.serialize(topics.ticks().name(), tick(t)), t),
                    DetectorTopology.TICKS_SINK);
        }
    }

    /** The tick a task sends every partition when its own clock reaches {@code t}. */
    static ProbeHeartbeat tick(long t) {
        return ProbeHeartbeat.newBuilder().setProbeId(TICK_PROBE).setCountry("ZZ").setSentAt(Instant.ofEpochMilli(t))
                .setSource(MeasurementSource.UNKNOWN).setSoftwareName("reachwatch-detector").build();
    }

    /**
     * {@code closedAt}: the event time the window's verdict reports it closed at (the second stage's
     * {@code detectedAt}). On the task's own clock, that clock. A window that a tick closed (this
     * partition was silent) reports the earliest time any tick could have closed it, {@code silence.lag}
     * after its end plus grace, not the tick that did: which of the other partitions' ticks comes
     * first depends on how they interleave, and the second stage's output must not.
     */
    private byte[] closeWindow(long ws, long streamTime, long closedAt) {
        List<WindowAccumulator> closed = openWindows.close(ws);
        closed.sort(WINDOW_ORDER);
        List<WindowJudge.Counts> counts = new ArrayList<>(closed.size());
        for (WindowAccumulator acc : closed) {
            TrackerKey key = TrackerKey.target(acc.country, acc.asn, acc.target);
            context.forward(new Record<>(key.storeKey(), acc.toAvro(), ws), DetectorTopology.WINDOWS_SINK);
            counts.add(new WindowJudge.Counts(key, acc.control, acc.total, acc.observation(), acc.throughputs));
        }
        WindowJudge.Judgement judgement = judge.judge(ws, counts, trackerCache, !endOfInput);
        for (WindowJudge.Emission e : judgement.emissions()) {
            emit(e.state(), e.event(), streamTime, networkStatus(e.networks()));
        }
        unsavedTrackers.addAll(judgement.changed());
        return new WindowVerdicts(context.taskId().partition(), settings.partitions(), ws, closedAt, endOfInput,
                judgement.verdicts()).encode();
    }

    /**
     * The verdicts of the windows closed in one step, in one record (see {@link WindowVerdicts#batch}):
     * the second stage hears of every window closed, verdicts or not, which is how it knows a window is
     * complete. Empties the list.
     */
    private void sendVerdicts(List<byte[]> encodedWindows) {
        context.forward(new Record<>((Object) null, (Object) WindowVerdicts.batch(encodedWindows), lastClosed),
                DetectorTopology.VERDICTS_SINK);
        encodedWindows.clear();
    }

    private static List<NetworkStatus> networkStatus(List<WindowJudge.NetworkDetail> networks) {
        List<NetworkStatus> out = new ArrayList<>(networks.size());
        for (WindowJudge.NetworkDetail n : networks) {
            out.add(NetworkStatus.newBuilder().setAsn(n.asn()).setAvailability(n.availability()).setBaseline(n.baseline())
                    .setMeasurements(n.measurements()).setBlocked(n.blocked()).setMethods(methods(n.methods()))
                    .setThrottled(n.throttled()).setThroughputBytesPerSecond(n.throughput()).build());
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
                .setThroughputBytesPerSecond(e.throughput()).setExpectedThroughputBytesPerSecond(e.expectedThroughput())
                .setNetworks(networks)
                .setSummary(e.type() == EventType.INCIDENT_CLOSED ? summary : null)
                .build();
        count("events");
        count(DetectorCounters.eventKey(e.type()));
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
        for (TrackerState.ThrottlePhase p : st.throttlePhases) {
            phases.add(IncidentPhase.newBuilder().setState(IncidentState.THROTTLED).setFrom(Instant.ofEpochMilli(p.from))
                    .setTo(p.to == null ? null : Instant.ofEpochMilli(p.to)).setMinAvailability(null)
                    .setMethods(List.of(BlockingMethod.THROTTLING)).build());
        }
        phases.sort(Comparator.comparing(IncidentPhase::getFrom));
        long blocked = st.blockedMillis;
        if (!st.phases.isEmpty()) {
            TrackerState.Phase last = st.phases.get(st.phases.size() - 1);
            if (last.to == null && (last.stage == TrackerState.Stage.BLOCKED || last.stage == TrackerState.Stage.PARTIAL)) {
                blocked += Math.max(0, st.lastChangeAt - last.from);
            }
        }
        boolean closed = !st.openIncident();
        IncidentState state = closed ? IncidentState.CLOSED
                : st.throttled && (st.stage == TrackerState.Stage.RESTORED || st.stage == TrackerState.Stage.NORMAL) ? IncidentState.THROTTLED
                : st.stage == TrackerState.Stage.NORMAL ? IncidentState.RESTORED : state(st.stage);
        return IncidentSummary.newBuilder()
                .setIncidentId(st.incidentId).setCountry(st.country).setAsn(st.asn).setTarget(st.target)
                .setState(state)
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
        count(DetectorCounters.deadLetterKey(reason));
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
        unsavedCounts.merge(name, 1L, Long::sum);
    }

    /**
     * Before every commit: writes what the heap holds that the stores do not (open windows and the ids
     * seen in them, counters, the clock), inside the transaction that commits the offsets.
     */
    private void persist() {
        openWindows.persist();
        for (TrackerKey key : unsavedTrackers) {
            TrackerState state = trackerCache.get(key);
            if (state == null) {
                trackers.delete(key.storeKey());
            } else {
                trackers.put(key.storeKey(), state);
            }
        }
        unsavedTrackers.clear();
        unsavedCounts.forEach((name, n) -> {
            Long before = stats.get(name);
            stats.put(name, before == null ? n : before + n);
        });
        unsavedCounts.clear();
        if (clockChanged) {
            clock.put(CLOCK, lastClock);
            clock.put(LAST_CLOSED, lastClosed);
            if (tickClock != Long.MIN_VALUE) {
                clock.put(TICK_CLOCK, tickClock);
            }
            clock.put(OWN_SINCE_TICK, ownSinceTick ? 1L : 0L);
            clockChanged = false;
        }
    }

    /** Streams threw the uncommitted state away: so does the heap, which reloads from the stores. */
    private void reload() {
        openWindows.clear();
        unsavedTrackers.clear();
        unsavedCounts.clear();
        clockChanged = false;
    }

    /** Closed accumulators in one order, whatever the heap's: outputs must not depend on hashing. */
    private static final Comparator<WindowAccumulator> WINDOW_ORDER = Comparator.<WindowAccumulator, String>comparing(a -> a.country)
            .thenComparing(a -> a.asn == null ? "" : a.asn).thenComparing(a -> a.target);
}
