package org.reachwatch.detector;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
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
 * {@link WindowVerdicts} from every partition, keeps those of the targets that belong to this task
 * (their hash, as a record key, picks this partition), and judges a window once every first-stage
 * partition has closed it (a barrier: the verdicts of a window are then complete, whatever order the
 * partitions' records arrived in, so the outcome is the same on every run). State is written through
 * to three small changelogged stores; there are a few records per window, not per measurement.
 */
final class ServiceOutageProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger log = LoggerFactory.getLogger(ServiceOutageProcessor.class);
    private static final Deserializer<WindowVerdicts> VERDICTS = JsonSerde.of(WindowVerdicts.class).deserializer();
    static final Serde<PendingWindow> PENDING_SERDE = JsonSerde.of(PendingWindow.class);

    /** A window some first-stage partitions have closed: the verdicts for this task's targets so far. */
    record PendingWindow(long clock, List<ServiceOutageJudge.CountryVerdict> verdicts) {
    }

    private final String verdictsTopic;
    private final ServiceOutageJudge judge;
    private ProcessorContext<Object, Object> context;
    /** First-stage partition → start of the last window it closed. */
    private KeyValueStore<String, Long> sources;
    /** Window start (padded, so keys sort by time) → the window's verdicts so far. */
    private KeyValueStore<String, PendingWindow> pending;
    /** Target → its open outage. */
    private KeyValueStore<String, ServiceOutageJudge.Outage> outages;

    ServiceOutageProcessor(String verdictsTopic, DetectorSettings settings) {
        this.verdictsTopic = verdictsTopic;
        this.judge = new ServiceOutageJudge(settings.serviceOutageCountries());
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.sources = context.getStateStore(DetectorTopology.OUTAGE_SOURCES_STORE);
        this.pending = context.getStateStore(DetectorTopology.OUTAGE_WINDOWS_STORE);
        this.outages = context.getStateStore(DetectorTopology.SERVICE_OUTAGES_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        WindowVerdicts in;
        try {
            in = VERDICTS.deserialize(verdictsTopic, record.value());
        } catch (SerializationException e) {
            in = null;
        }
        String invalid = in == null ? "not a window verdicts record (JSON) of the detector"
                : in.partitions() < 1 || in.partition() < 0 || in.partition() >= in.partitions()
                ? "partition " + in.partition() + " of " + in.partitions() + " is not a first-stage partition"
                : in.verdicts() == null ? "no verdicts list" : null;
        if (invalid != null) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(DetectorProcessor.REASON_HEADER, invalid.getBytes(StandardCharsets.UTF_8));
            headers.add(DetectorProcessor.SOURCE_TOPIC_HEADER, verdictsTopic.getBytes(StandardCharsets.UTF_8));
            context.forward(new Record<>((Object) record.key(), (Object) record.value(), record.timestamp(), headers),
                    DetectorTopology.OUTAGE_DEAD_LETTER_SINK);
            return;
        }
        String source = Integer.toString(in.partition());
        Long closed = sources.get(source);
        if (closed != null && in.windowStart() <= closed) {
            log.warn("window {} of partition {} arrived again, after {}; ignored", Instant.ofEpochMilli(in.windowStart()),
                    source, Instant.ofEpochMilli(closed));
            return;
        }
        int self = context.taskId().partition();
        List<ServiceOutageJudge.CountryVerdict> mine = new ArrayList<>();
        for (ServiceOutageJudge.CountryVerdict v : in.verdicts()) {
            if (DetectorProcessor.partitionOf(v.target(), in.partitions()) == self) {
                mine.add(v);
            }
        }
        String key = OpenWindows.padded(in.windowStart(), 20);
        PendingWindow window = pending.get(key);
        if (window == null) {
            window = new PendingWindow(in.clock(), mine);
        } else {
            List<ServiceOutageJudge.CountryVerdict> all = new ArrayList<>(window.verdicts());
            all.addAll(mine);
            window = new PendingWindow(Math.max(window.clock(), in.clock()), all);
        }
        pending.put(key, window);
        sources.put(source, in.windowStart());
        judgeCompleteWindows(in.partitions());
    }

    /** Judges, in order, every pending window that all first-stage partitions have closed. */
    private void judgeCompleteWindows(int partitions) {
        long complete = Long.MAX_VALUE;
        int known = 0;
        try (KeyValueIterator<String, Long> it = sources.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                complete = Math.min(complete, kv.value);
                known++;
            }
        }
        if (known < partitions) {
            return; // a partition has not closed any window yet: it may still report the earliest
        }
        List<KeyValue<String, PendingWindow>> ready = new ArrayList<>();
        try (KeyValueIterator<String, PendingWindow> it = pending.range(OpenWindows.padded(0, 20),
                OpenWindows.padded(complete, 20))) {
            it.forEachRemaining(ready::add);
        }
        for (KeyValue<String, PendingWindow> kv : ready) {
            judgeWindow(Long.parseLong(kv.key), kv.value.verdicts(), kv.value.clock());
            pending.delete(kv.key);
        }
    }

    private void judgeWindow(long windowStart, List<ServiceOutageJudge.CountryVerdict> verdicts, long detectedAt) {
        Map<String, List<ServiceOutageJudge.CountryVerdict>> byTarget = new TreeMap<>();
        for (ServiceOutageJudge.CountryVerdict v : verdicts) {
            byTarget.computeIfAbsent(v.target(), t -> new ArrayList<>()).add(v);
        }
        try (KeyValueIterator<String, ServiceOutageJudge.Outage> it = outages.all()) {
            it.forEachRemaining(kv -> byTarget.putIfAbsent(kv.key, List.of()));
        }
        byTarget.forEach((target, ofTarget) -> {
            ServiceOutageJudge.Outage current = outages.get(target);
            ServiceOutageJudge.Result result = judge.judge(windowStart, target, ofTarget, current);
            if (result.outage() != null) {
                outages.put(target, result.outage());
            } else if (current != null) {
                outages.delete(target);
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
