package org.reachwatch.detector;

import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge;
import org.reachwatch.detector.lifecycle.TrackerState;

/**
 * The detector as a topology: a pure function of topics and settings, no I/O. Built with the
 * Processor API so every node and store has the explicit name below: renaming one drops its state
 * on upgrade, so these names are part of the deployed contract.
 *
 * <pre>
 *   measurements-source ─┐
 *   heartbeats-source  ──┼─> detector ─> windows-sink, events-sink, incidents-sink, late-sink, dead-letter-sink,
 *   ticks-source       ──┘               ticks-sink (to every partition of the ticks topic),
 *                                         verdicts-sink (to every partition of the verdicts topic)
 *
 *   verdicts-source ─> service-outages ─> service-outages-sink, verdicts-dead-letter-sink
 * </pre>
 * The second line is the second stage (its own sub-topology and tasks): targets judged across every
 * partition's countries, {@link ServiceOutageProcessor}.
 * Event time, and what the record timestamp is used for: {@code detector-streams/DESIGN.md}, "Time".
 */
public final class DetectorTopology {
    public static final String MEASUREMENTS_SOURCE = "measurements-source";
    public static final String HEARTBEATS_SOURCE = "heartbeats-source";
    public static final String TICKS_SOURCE = "ticks-source";
    public static final String DETECTOR = "detector";
    public static final String WINDOWS_SINK = "windows-sink";
    public static final String EVENTS_SINK = "events-sink";
    public static final String INCIDENTS_SINK = "incidents-sink";
    public static final String LATE_SINK = "late-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String TICKS_SINK = "ticks-sink";
    public static final String VERDICTS_SINK = "verdicts-sink";
    public static final String VERDICTS_SOURCE = "verdicts-source";
    public static final String SERVICE_OUTAGES = "service-outages";
    public static final String SERVICE_OUTAGES_SINK = "service-outages-sink";
    public static final String OUTAGE_DEAD_LETTER_SINK = "verdicts-dead-letter-sink";

    /** Ids (64-bit hashes) of the measurements counted in each open window, one chunk per commit: dedupe. */
    public static final String SEEN_STORE = "seen-ids";
    /** Open windows: counts per (window, country, asn, target), binary. */
    public static final String WINDOWS_STORE = "open-windows";
    /** Tracker state per (country, asn, target) and per region ("R|country"): queryable current status. */
    public static final String TRACKERS_STORE = "disruption-trackers";
    /** The stream-time clock, the last clock another partition told, and the last closed window. */
    public static final String CLOCK_STORE = "detector-clock";
    /** Key in {@link #CLOCK_STORE}: the task's event-time clock (epoch millis), as of its last commit. */
    public static final String CLOCK_STREAM_TIME = "stream-time";
    /** Key in {@link #CLOCK_STORE}: start (epoch millis) of the task's last closed window, as of its last commit. */
    public static final String CLOCK_LAST_CLOSED = "last-closed-window";
    /** Counters: measurements, duplicates, late, dead-letter, heartbeats, events. Queryable. */
    public static final String STATS_STORE = "detector-stats";
    /** Second stage: start of the last window each first-stage partition closed. */
    public static final String OUTAGE_SOURCES_STORE = "outage-sources";
    /** Second stage: verdicts of the windows not yet closed by every first-stage partition. */
    public static final String OUTAGE_WINDOWS_STORE = "outage-windows";
    /** Second stage: each target's open service outage. */
    public static final String SERVICE_OUTAGES_STORE = "service-outages";
    /** Holds nothing: calls the second stage back before every commit (see CommitHookStore). */
    public static final String OUTAGE_COMMIT_HOOK = "outage-commit-hook";
    /** Holds nothing: calls the detector back before every commit (see CommitHookStore). */
    public static final String COMMIT_HOOK = "commit-hook";

    private DetectorTopology() {
    }

    public static Topology build(DetectorTopics topics, DetectorSettings settings) {
        Topology topology = new Topology();
        topology.addSource(MEASUREMENTS_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                topics.measurements().name());
        topology.addSource(HEARTBEATS_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                topics.heartbeats().name());
        topology.addSource(TICKS_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                topics.ticks().name());
        topology.addProcessor(DETECTOR, () -> new DetectorProcessor(topics, settings), MEASUREMENTS_SOURCE, HEARTBEATS_SOURCE,
                TICKS_SOURCE);
        // The hot path works on plain maps in the heap; these stores receive what changed just before each
        // commit (CommitHookStore), so a cache in front of them would only copy it again.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEEN_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled(), DETECTOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled(), DETECTOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRACKERS_STORE),
                Serdes.String(), JsonSerde.of(TrackerState.class)).withCachingDisabled(), DETECTOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCK_STORE),
                Serdes.String(), Serdes.Long()).withCachingDisabled(), DETECTOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STATS_STORE),
                Serdes.String(), Serdes.Long()).withCachingDisabled(), DETECTOR);
        topology.addStateStore(CommitHookStore.builder(COMMIT_HOOK), DETECTOR);
        topology.addSink(WINDOWS_SINK, topics.windows().name(), topics.windows().keySerde().serializer(),
                topics.windows().valueSerde().serializer(), DETECTOR);
        topology.addSink(EVENTS_SINK, topics.events().name(), topics.events().keySerde().serializer(),
                topics.events().valueSerde().serializer(), DETECTOR);
        topology.addSink(INCIDENTS_SINK, topics.incidents().name(), topics.incidents().keySerde().serializer(),
                topics.incidents().valueSerde().serializer(), DETECTOR);
        topology.addSink(LATE_SINK, topics.late().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), DETECTOR);
        topology.addSink(DEAD_LETTER_SINK, topics.deadLetter().name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), DETECTOR);
        // Every partition hears every tick: a partition whose probes all went quiet still moves in event time.
        topology.addSink(TICKS_SINK, topics.ticks().name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), // a ProbeHeartbeat in Avro, serialized once for every partition
                (String topic, byte[] key, byte[] value, int partitions) ->
                        Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet())), DETECTOR);
        // Every second-stage partition hears every window a first-stage partition closes (its barrier).
        topology.addSink(VERDICTS_SINK, topics.verdicts().name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), // WindowVerdicts.encode, once for every partition
                (String topic, byte[] key, byte[] value, int partitions) ->
                        Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet())), DETECTOR);

        topology.addSource(VERDICTS_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                topics.verdicts().name());
        topology.addProcessor(SERVICE_OUTAGES, () -> new ServiceOutageProcessor(topics.verdicts().name(), settings),
                VERDICTS_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OUTAGE_SOURCES_STORE),
                Serdes.String(), Serdes.Long()).withCachingDisabled(), SERVICE_OUTAGES);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OUTAGE_WINDOWS_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled(), SERVICE_OUTAGES);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVICE_OUTAGES_STORE),
                Serdes.String(), JsonSerde.of(ServiceOutageJudge.Outage.class)).withCachingDisabled(), SERVICE_OUTAGES);
        topology.addStateStore(CommitHookStore.builder(OUTAGE_COMMIT_HOOK), SERVICE_OUTAGES);
        topology.addSink(SERVICE_OUTAGES_SINK, topics.serviceOutages().name(), topics.serviceOutages().keySerde().serializer(),
                topics.serviceOutages().valueSerde().serializer(), SERVICE_OUTAGES);
        topology.addSink(OUTAGE_DEAD_LETTER_SINK, topics.deadLetter().name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(), SERVICE_OUTAGES);
        return topology;
    }
}
