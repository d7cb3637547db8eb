package org.reachwatch.detector;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.common.header.internals.RecordHeaders;
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
import org.reachwatch.avro.IncidentPhase;
import org.reachwatch.avro.IncidentState;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.lifecycle.DisruptionTracker;
import org.reachwatch.detector.lifecycle.LifecycleEvent;
import org.reachwatch.detector.lifecycle.ShareTest;
import org.reachwatch.detector.lifecycle.TrackerState;
import org.reachwatch.detector.lifecycle.Verdict;
import org.reachwatch.detector.lifecycle.WindowContext;
import org.reachwatch.detector.lifecycle.WindowObservation;
import org.reachwatch.schemas.registry.SchemaRegistryClients;
import org.reachwatch.schemas.serde.AvroDeserializer;

/**
 * The thin Kafka wrapper around {@link DisruptionTracker}: validates and deduplicates measurements,
 * counts them into event-time windows, closes windows on the stream-time clock (shared by every
 * region because the input has one partition, see DESIGN.md), and feeds closed windows to the
 * trackers. Everything it remembers lives in named state stores, so a restart resumes exactly.
 */
final class DetectorProcessor implements Processor<byte[], byte[], Object, Object> {
    static final String REASON_HEADER = "reachwatch.reason";
    static final String SOURCE_TOPIC_HEADER = "reachwatch.source.topic";
    private static final String CLOCK = "stream-time";
    private static final String LAST_CLOSED = "last-closed-window";
    private static final String REGION_TARGET = "*";

    private final DetectorTopics topics;
    private final DetectorSettings settings;
    private final DisruptionTracker tracker;
    private final long window;
    private final long grace;
    private ProcessorContext<Object, Object> context;
    private WindowStore<String, Long> seen;
    private KeyValueStore<String, WindowAccumulator> openWindows;
    private KeyValueStore<String, TrackerState> trackers;
    private KeyValueStore<String, Long> clock;
    private KeyValueStore<String, Long> stats;
    private Map<String, TrackerState> trackerCache;
    private AvroDeserializer<ProbeMeasurement> measurements;
    private AvroDeserializer<ProbeHeartbeat> heartbeats;

    DetectorProcessor(DetectorTopics topics, DetectorSettings settings) {
        this.topics = topics;
        this.settings = settings;
        this.tracker = new DisruptionTracker(settings);
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
                trackerCache.put(kv.key, kv.value);
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
        advanceClock(heartbeat.getSentAt().toEpochMilli());
    }

    private void processMeasurement(Record<byte[], byte[]> record, String topic) {
        ProbeMeasurement m;
        try {
            m = measurements.deserialize(topic, record.value());
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
        String country = m.getCountry().toUpperCase(java.util.Locale.ROOT);
        String target = m.getTarget().toLowerCase(java.util.Locale.ROOT);
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
            // First record ever: nothing before it is open, start the window sequence just before it.
            clock.put(LAST_CLOSED, Math.floorDiv(t, window) * window - window);
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
                new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, WindowAccumulator> kv = it.next();
                keys.add(kv.key);
                closed.add(kv.value);
            }
        }
        for (WindowAccumulator acc : closed) {
            String key = acc.country + "|" + (acc.asn == null ? "" : acc.asn) + "|" + acc.target;
            context.forward(new Record<>(key, acc.toAvro(), ws), DetectorTopology.WINDOWS_SINK);
        }
        keys.forEach(openWindows::delete);
        judge(ws, closed, streamTime);
    }

    /** Feeds one closed window of every region and target to the trackers, with shared context. */
    private void judge(long ws, List<WindowAccumulator> closed, long streamTime) {
        Map<String, WindowObservation> countryObs = new HashMap<>();
        Map<String, WindowObservation> networkObs = new HashMap<>();
        Map<String, Map<String, WindowAccumulator>> networksByCountryTarget = new HashMap<>();
        Map<String, Integer> volume = new HashMap<>();
        Map<String, WindowObservation> controls = new HashMap<>();
        Set<String> controlTargets = new HashSet<>();
        for (WindowAccumulator acc : closed) {
            if (acc.control) {
                controlTargets.add(acc.country + "|" + acc.target);
            }
            if (acc.asn == null) {
                volume.merge(acc.country, acc.total, Integer::sum);
                if (acc.control) {
                    controls.merge(acc.country, acc.observation(), WindowObservation::plus);
                } else {
                    countryObs.put(acc.country + "||" + acc.target, acc.observation());
                }
            } else if (!acc.control) {
                networkObs.put(acc.country + "|" + acc.asn + "|" + acc.target, acc.observation());
                networksByCountryTarget.computeIfAbsent(acc.country + "||" + acc.target, k -> new TreeMap<>()).put(acc.asn, acc);
            }
        }
        Map<String, TrackerState> states = trackerCache;
        long windowEnd = ws + window;

        // Regions first: a region-wide outage explains (and suppresses) its targets' failures.
        Set<String> regionsDown = new HashSet<>();
        Set<String> regionsWithOutage = new HashSet<>();
        Set<String> countries = new HashSet<>(volume.keySet());
        states.keySet().stream().filter(k -> k.startsWith("R|")).forEach(k -> countries.add(k.substring(2)));
        for (String country : countries) {
            String key = "R|" + country;
            TrackerState st = states.computeIfAbsent(key, k -> tracker.newState(country, null, REGION_TARGET));
            boolean down = judgeRegion(st, volume.getOrDefault(country, 0), controls.get(country), ws, windowEnd, streamTime);
            if (down) {
                regionsDown.add(country);
            }
            if (st.inIncident() && st.stage != TrackerState.Stage.RESTORED) {
                regionsWithOutage.add(country);
            }
        }

        // The same target failing in many countries at once is the service, not a censor.
        Map<String, Integer> failingCountries = new HashMap<>();
        countryObs.forEach((key, obs) -> {
            TrackerState st = states.get(key);
            double baseline = st == null ? settings.baselinePrior() : st.baseline;
            boolean warm = st != null && st.baselineWindows >= settings.warmupWindows();
            if (ShareTest.verdict(obs, baseline, warm, settings) == Verdict.BLOCKED) {
                failingCountries.merge(key.substring(key.lastIndexOf('|') + 1), 1, Integer::sum);
            }
        });

        // Networks next: their verdicts are the network-level detail of the country's incident.
        Map<String, Set<String>> blockedNets = new HashMap<>();
        Map<String, Set<String>> normalNets = new HashMap<>();
        Set<String> networkKeys = new TreeSet<>(networkObs.keySet());
        states.forEach((k, st) -> {
            if (!k.startsWith("R|") && !k.contains("||") && st.stage == TrackerState.Stage.RESTORED) {
                networkKeys.add(k);
            }
        });
        Set<String> touched = new HashSet<>(networkKeys);
        List<Map.Entry<String, List<LifecycleEvent>>> networkEvents = new ArrayList<>();
        for (String key : networkKeys) {
            String[] parts = key.split("\\|", 3);
            String country = parts[0];
            String target = parts[2];
            if (controlTargets.contains(country + "|" + target)) {
                continue;
            }
            TrackerState st = states.computeIfAbsent(key, k -> tracker.newState(country, parts[1], target));
            WindowObservation obs = networkObs.getOrDefault(key, WindowObservation.empty(ws, windowEnd));
            Verdict v = ShareTest.verdict(obs, st.baseline, st.baselineWindows >= settings.warmupWindows(), settings);
            String countryKey = country + "||" + target;
            if (v == Verdict.BLOCKED) {
                blockedNets.computeIfAbsent(countryKey, k -> new HashSet<>()).add(parts[1]);
            } else if (v == Verdict.NORMAL) {
                normalNets.computeIfAbsent(countryKey, k -> new HashSet<>()).add(parts[1]);
            }
            WindowContext ctx = context(country, target, regionsDown, regionsWithOutage, failingCountries, Set.of(), Set.of());
            List<LifecycleEvent> events = tracker.onWindow(st, obs, ctx);
            networkEvents.add(Map.entry(key, events));
        }

        // Only trackers with data, or a restored incident whose horizon may end, have anything to do.
        Set<String> countryKeys = new TreeSet<>(countryObs.keySet());
        states.forEach((k, st) -> {
            if (k.contains("||") && st.stage == TrackerState.Stage.RESTORED) {
                countryKeys.add(k);
            }
        });
        touched.addAll(countryKeys);
        for (String key : countryKeys) {
            String country = key.substring(0, key.indexOf('|'));
            String target = key.substring(key.lastIndexOf('|') + 1);
            if (controlTargets.contains(country + "|" + target)) {
                continue;
            }
            TrackerState st = states.computeIfAbsent(key, k -> tracker.newState(country, null, target));
            WindowObservation obs = countryObs.getOrDefault(key, WindowObservation.empty(ws, windowEnd));
            WindowContext ctx = context(country, target, regionsDown, regionsWithOutage, failingCountries,
                    blockedNets.getOrDefault(key, Set.of()), normalNets.getOrDefault(key, Set.of()));
            for (LifecycleEvent e : tracker.onWindow(st, obs, ctx)) {
                emit(st, e, streamTime, networkDetail(networksByCountryTarget.get(key), states, blockedNets.getOrDefault(key, Set.of())));
            }
        }
        // Network-level incidents only where the country-level story does not already tell them.
        for (Map.Entry<String, List<LifecycleEvent>> entry : networkEvents) {
            TrackerState st = states.get(entry.getKey());
            TrackerState countryState = states.get(st.country + "||" + st.target);
            boolean countryTells = countryState != null && countryState.inIncident();
            for (LifecycleEvent e : entry.getValue()) {
                if (countryTells && e.type() == org.reachwatch.avro.EventType.DISRUPTION_STARTED) {
                    // This network is detail of the country incident, not an incident of its own.
                    st.stage = TrackerState.Stage.NORMAL;
                    st.incidentId = null;
                    st.phases.clear();
                    break;
                }
                emit(st, e, streamTime, List.of());
            }
        }
        states.forEach((k, st) -> {
            if (touched.contains(k) || k.startsWith("R|")) {
                trackers.put(k, st);
            }
        });
    }

    /** Region volume collapse or failing controls: a network outage (shutdown), one incident per country. */
    private boolean judgeRegion(TrackerState st, int volume, WindowObservation controls, long ws, long windowEnd, long streamTime) {
        boolean warm = st.baselineWindows >= settings.warmupWindows();
        boolean collapsed = warm && st.baseline >= settings.volumeMinBaseline()
                && volume < settings.volumeCollapseRatio() * st.baseline;
        boolean controlsFail = controls != null && controls.conclusive() >= settings.minSamples()
                && controls.probes() >= settings.minProbes()
                && (double) controls.failures() / controls.conclusive() >= settings.controlFailureShare();
        boolean down = collapsed || controlsFail;
        int expected = (int) Math.round(Math.max(st.baseline, volume));
        WindowObservation obs = collapsed
                ? new WindowObservation(ws, windowEnd, volume, Math.max(0, expected - volume), 0, 0, Map.of(), 0)
                : controls != null ? controls : new WindowObservation(ws, windowEnd, volume, 0, 0, 0, Map.of(), 0);
        List<LifecycleEvent> events = new ArrayList<>();
        if (warm || down) {
            tracker.advance(st, obs, down ? Verdict.BLOCKED : Verdict.NORMAL, down ? 1.0 : 0.0,
                    new WindowContext(true, false, Set.of(), Set.of(), false), events);
        }
        tracker.closeAfterHorizon(st, windowEnd, events);
        if (!collapsed && (st.stage == TrackerState.Stage.NORMAL || st.stage == TrackerState.Stage.RESTORED)) {
            double alpha = Math.max(settings.baselineAlpha(), 1.0 / (st.baselineWindows + 1));
            st.baseline += alpha * (volume - st.baseline);
            st.baselineWindows++;
        }
        for (LifecycleEvent e : events) {
            emit(st, e, streamTime, List.of());
        }
        return down;
    }

    private WindowContext context(String country, String target, Set<String> regionsDown, Set<String> regionsWithOutage,
                                  Map<String, Integer> failingCountries, Set<String> blocked, Set<String> normal) {
        boolean service = failingCountries.getOrDefault(target, 0) >= settings.serviceOutageCountries();
        return new WindowContext(regionsDown.contains(country), service, blocked, normal, regionsWithOutage.contains(country));
    }

    private List<NetworkStatus> networkDetail(Map<String, WindowAccumulator> networks, Map<String, TrackerState> states,
                                              Set<String> blocked) {
        if (networks == null) {
            return List.of();
        }
        List<NetworkStatus> detail = new ArrayList<>();
        networks.forEach((asn, acc) -> {
            TrackerState st = states.get(acc.country + "|" + asn + "|" + acc.target);
            WindowObservation obs = acc.observation();
            detail.add(NetworkStatus.newBuilder().setAsn(asn).setAvailability(obs.availability())
                    .setBaseline(st == null ? null : 1 - st.baseline).setMeasurements(obs.conclusive())
                    .setBlocked(blocked.contains(asn)).setMethods(methods(obs.failuresByMethod().keySet())).build());
        });
        return detail;
    }

    private void emit(TrackerState st, LifecycleEvent e, long streamTime, List<NetworkStatus> networks) {
        IncidentSummary summary = summary(st);
        DisruptionEvent event = DisruptionEvent.newBuilder()
                .setEventId(DisruptionTracker.eventId(e.incidentId(), e.type(), e.at()))
                .setIncidentId(e.incidentId()).setType(e.type())
                .setCountry(st.country).setAsn(st.asn).setTarget(st.target)
                .setAt(Instant.ofEpochMilli(e.at())).setDetectedAt(Instant.ofEpochMilli(streamTime))
                .setAvailability(e.availability()).setBaseline(REGION_TARGET.equals(st.target) ? null : e.baseline())
                .setCause(e.cause()).setMethods(methods(e.methods()))
                .setMeasurements(e.measurements()).setDistinctProbes(e.probes()).setConfidence(e.confidence())
                .setNetworks(networks)
                .setSummary(e.type() == org.reachwatch.avro.EventType.INCIDENT_CLOSED ? summary : null)
                .build();
        count("events");
        context.forward(new Record<>(e.incidentId(), event, e.at()), DetectorTopology.EVENTS_SINK);
        context.forward(new Record<>(e.incidentId(), summary, e.at()), DetectorTopology.INCIDENTS_SINK);
    }

    static IncidentSummary summary(TrackerState st) {
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
                .setCause(st.cause == null ? DisruptionCause.UNKNOWN : DisruptionCause.valueOf(st.cause))
                .setStartedAt(Instant.ofEpochMilli(st.incidentStart)).setLastChangeAt(Instant.ofEpochMilli(st.lastChangeAt))
                .setClosedAt(closed ? Instant.ofEpochMilli(st.lastChangeAt) : null)
                .setPhases(phases).setBlockedMillis(blocked).setReblocks(st.reblocks).setMethods(methods(st.methods))
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

    private static List<BlockingMethod> methods(java.util.Collection<String> names) {
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
