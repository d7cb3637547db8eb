package org.reachwatch.detector;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.avro.ServiceOutageEventType;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second stage, Kafka wiring around {@link ServiceOutageJudge}: reads the first stage's
 * {@link WindowVerdicts} (a window or a batch of them a record) from every partition, keeps those of the
 * targets that belong to this task (their hash, as a record key, picks this partition), and judges a
 * window once every first-stage partition has closed it (a barrier: the verdicts of a window are then
 * complete, whatever order the partitions' records arrived in, so the outcome is the same on every run).
 *
 * <p>Its state (the barrier, pending windows, open outages) is held in the heap and written to three
 * changelogged stores just before each commit, as the first stage does ({@link CommitHookStore}): the
 * stores hold exactly what the committed offsets say was read, and the hot path makes no store call (a
 * range scan per record over a store with a delete per window slowed a month-long replay to a crawl:
 * RocksDB seeks past every tombstone).
 */
final class ServiceOutageProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger log = LoggerFactory.getLogger(ServiceOutageProcessor.class);
    /** A window some first-stage partitions have closed: the verdicts for this task's targets so far. */
    record PendingWindow(long clock, List<ServiceOutageJudge.CountryVerdict> verdicts) {
    }

    private final String verdictsTopic;
    private final ServiceOutageJudge judge;
    /** Partitions of the verdicts topic: one task each, for the targets that hash to it. */
    private final int outagePartitions;
    private ProcessorContext<Object, Object> context;
    /** First-stage partition → start of the last window it closed. */
    private KeyValueStore<String, Long> sources;
    /** Window start (padded) → the window's verdicts so far, in {@link WindowVerdicts}' binary form. */
    private KeyValueStore<String, byte[]> pending;
    /** Target → its open outage. */
    private KeyValueStore<String, ServiceOutageJudge.Outage> outages;

    private final Map<String, Long> closedBy = new HashMap<>();
    private final TreeMap<Long, PendingWindow> windows = new TreeMap<>();
    private final TreeMap<String, ServiceOutageJudge.Outage> open = new TreeMap<>();
    private final Set<String> unsavedSources = new HashSet<>();
    private final Set<Long> unsavedWindows = new HashSet<>();
    /** Pending windows that are in the store: only those need a delete once judged. */
    private final Set<Long> storedWindows = new HashSet<>();
    private final Set<String> unsavedOutages = new HashSet<>();

    ServiceOutageProcessor(String verdictsTopic, DetectorSettings settings) {
        this.verdictsTopic = verdictsTopic;
        this.judge = new ServiceOutageJudge(settings.serviceOutageCountries());
        this.outagePartitions = settings.outagePartitions();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.sources = context.getStateStore(DetectorTopology.OUTAGE_SOURCES_STORE);
        this.pending = context.getStateStore(DetectorTopology.OUTAGE_WINDOWS_STORE);
        this.outages = context.getStateStore(DetectorTopology.SERVICE_OUTAGES_STORE);
        CommitHookStore hook = context.getStateStore(DetectorTopology.OUTAGE_COMMIT_HOOK);
        hook.listen(this::persist, this::load);
        load();
    }

    /** The heap from the stores: at start, and when Streams throws the uncommitted state away. */
    private void load() {
        closedBy.clear();
        windows.clear();
        open.clear();
        unsavedSources.clear();
        unsavedWindows.clear();
        unsavedOutages.clear();
        storedWindows.clear();
        try (KeyValueIterator<String, Long> it = sources.all()) {
            it.forEachRemaining(kv -> closedBy.put(kv.key, kv.value));
        }
        try (KeyValueIterator<String, byte[]> it = pending.all()) {
            it.forEachRemaining(kv -> {
                WindowVerdicts w = WindowVerdicts.decode(kv.value);
                windows.put(Long.parseLong(kv.key), new PendingWindow(w.clock(), w.verdicts()));
            });
            storedWindows.addAll(windows.keySet());
        }
        try (KeyValueIterator<String, ServiceOutageJudge.Outage> it = outages.all()) {
            it.forEachRemaining(kv -> open.put(kv.key, kv.value));
        }
    }

    /** What changed since the last commit, to the stores, just before the commit. */
    private void persist() {
        unsavedSources.forEach(source -> sources.put(source, closedBy.get(source)));
        for (Long start : unsavedWindows) {
            PendingWindow w = windows.get(start);
            String key = OpenWindows.padded(start, 20);
            if (w != null) {
                pending.put(key, new WindowVerdicts(0, 1, start, w.clock(), false, w.verdicts()).encode());
                storedWindows.add(start);
            } else if (storedWindows.remove(start)) {
                pending.delete(key);
            }
        }
        for (String target : unsavedOutages) {
            ServiceOutageJudge.Outage o = open.get(target);
            if (o == null) {
                outages.delete(target);
            } else {
                outages.put(target, o);
            }
        }
        unsavedSources.clear();
        unsavedWindows.clear();
        unsavedOutages.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        List<WindowVerdicts> windows = List.of();
        String invalid = null;
        try {
            windows = WindowVerdicts.decodeAll(record.value());
            for (WindowVerdicts in : windows) {
                if (in.partitions() < 1 || in.partition() < 0 || in.partition() >= in.partitions()) {
                    invalid = "partition " + in.partition() + " of " + in.partitions() + " is not a first-stage partition";
                    break;
                }
            }
        } catch (IllegalArgumentException e) {
            invalid = "not a window verdicts record of the detector: " + e.getMessage();
        }
        if (invalid != null) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(DetectorProcessor.REASON_HEADER, invalid.getBytes(StandardCharsets.UTF_8));
            headers.add(DetectorProcessor.SOURCE_TOPIC_HEADER, verdictsTopic.getBytes(StandardCharsets.UTF_8));
            context.forward(new Record<>((Object) record.key(), (Object) record.value(), record.timestamp(), headers),
                    DetectorTopology.OUTAGE_DEAD_LETTER_SINK);
            return;
        }
        boolean endOfInput = false;
        for (WindowVerdicts in : windows) {
            add(in);
            endOfInput |= in.endOfInput();
        }
        judgeCompleteWindows(windows.get(0).partitions());
        if (endOfInput) {
            context.commit(); // a replay waits for this
        }
    }

    /** One window as one first-stage partition closed it: its verdicts join the window's, pending. */
    private void add(WindowVerdicts in) {
        String source = Integer.toString(in.partition());
        Long closed = closedBy.get(source);
        if (closed != null && in.windowStart() <= closed) {
            log.warn("window {} of partition {} arrived again, after {}; ignored", Instant.ofEpochMilli(in.windowStart()),
                    source, Instant.ofEpochMilli(closed));
            return;
        }
        int self = context.taskId().partition();
        List<ServiceOutageJudge.CountryVerdict> mine = new ArrayList<>();
        for (ServiceOutageJudge.CountryVerdict v : in.verdicts()) {
            if (DetectorProcessor.partitionOf(v.target(), outagePartitions) == self) {
                mine.add(v);
            }
        }
        PendingWindow window = windows.get(in.windowStart());
        if (window == null) {
            window = new PendingWindow(in.clock(), mine);
        } else {
            List<ServiceOutageJudge.CountryVerdict> all = new ArrayList<>(window.verdicts());
            all.addAll(mine);
            window = new PendingWindow(Math.max(window.clock(), in.clock()), all);
        }
        windows.put(in.windowStart(), window);
        unsavedWindows.add(in.windowStart());
        closedBy.put(source, in.windowStart());
        unsavedSources.add(source);
    }

    /** Judges, in order, every pending window that all first-stage partitions have closed. */
    private void judgeCompleteWindows(int partitions) {
        if (closedBy.size() < partitions) {
            return; // a partition has not closed any window yet: it may still report the earliest
        }
        long complete = Collections.min(closedBy.values());
        while (!windows.isEmpty() && windows.firstKey() <= complete) {
            Map.Entry<Long, PendingWindow> w = windows.pollFirstEntry();
            unsavedWindows.add(w.getKey());
            judgeWindow(w.getKey(), w.getValue().verdicts(), w.getValue().clock());
        }
    }

    private void judgeWindow(long windowStart, List<ServiceOutageJudge.CountryVerdict> verdicts, long detectedAt) {
        Map<String, List<ServiceOutageJudge.CountryVerdict>> byTarget = new TreeMap<>();
        for (ServiceOutageJudge.CountryVerdict v : verdicts) {
            byTarget.computeIfAbsent(v.target(), t -> new ArrayList<>()).add(v);
        }
        open.keySet().forEach(target -> byTarget.putIfAbsent(target, List.of()));
        byTarget.forEach((target, ofTarget) -> {
            ServiceOutageJudge.Outage current = open.get(target);
            ServiceOutageJudge.Result result = judge.judge(windowStart, target, ofTarget, current);
            if (result.outage() != null) {
                open.put(target, result.outage());
                unsavedOutages.add(target);
            } else if (current != null) {
                open.remove(target);
                unsavedOutages.add(target);
            }
            for (ServiceOutageJudge.OutageEvent e : result.events()) {
                context.forward(new Record<>((Object) target, (Object) toAvro(e, detectedAt), e.at()),
                        DetectorTopology.SERVICE_OUTAGES_SINK);
            }
        });
    }

    static ServiceOutageEvent toAvro(ServiceOutageJudge.OutageEvent e, long detectedAt) {
        List<ServiceOutageCountry> countries = new ArrayList<>();
        e.countries().forEach((country, incident) -> countries.add(ServiceOutageCountry.newBuilder().setCountry(country)
                .setIncidentId(incident).build()));
        return ServiceOutageEvent.newBuilder().setEventId(e.eventId()).setOutageId(e.outageId())
                .setType(ServiceOutageEventType.valueOf(e.step().name())).setTarget(e.target())
                .setAt(Instant.ofEpochMilli(e.at())).setDetectedAt(Instant.ofEpochMilli(detectedAt))
                .setCountries(countries).build();
    }
}
