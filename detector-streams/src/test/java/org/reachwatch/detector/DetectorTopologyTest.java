package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.reachwatch.detector.Measurements.T0;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.avro.ServiceOutageEventType;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.serde.AvroSerde;

class DetectorTopologyTest {
    private static final List<String> NETWORKS = List.of("AS17557", "AS24499", "AS59257");
    private static final Instant BLOCK = T0.plus(Duration.ofMinutes(40));
    /** The driver has one partition per topic. */
    private static final DetectorSettings SETTINGS = onePartition();

    private String registry;
    private DetectorTopics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestInputTopic<byte[], byte[]> heartbeats;
    private TestInputTopic<byte[], byte[]> ticks;
    private TestOutputTopic<String, DisruptionEvent> events;
    private TestOutputTopic<String, AvailabilityWindow> windows;

    @BeforeEach
    void start() {
        registry = "mem://detector-test-" + UUID.randomUUID();
        topics = DetectorTopics.defaults(registry);
        driver = driver(DetectorTopology.build(topics, SETTINGS));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private TopologyTestDriver driver(Topology topology) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "detector-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        // As DetectorApp (see there); Streams warns at every start otherwise.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        TopologyTestDriver d = new TopologyTestDriver(topology, props);
        input = d.createInputTopic(topics.measurements().name(), new ByteArraySerializer(), new ByteArraySerializer());
        heartbeats = d.createInputTopic(topics.heartbeats().name(), new ByteArraySerializer(), new ByteArraySerializer());
        ticks = d.createInputTopic(topics.ticks().name(), new ByteArraySerializer(), new ByteArraySerializer());
        events = d.createOutputTopic(topics.events().name(), new StringDeserializer(), topics.events().valueSerde().deserializer());
        windows = d.createOutputTopic(topics.windows().name(), new StringDeserializer(), topics.windows().valueSerde().deserializer());
        return d;
    }

    @Test
    void nationalBlockIsReportedWithinTwoWindowsAsOneCountryIncident() {
        pipe(Measurements.fleet("PK", NETWORKS, 4, List.of("x.com"), "example.com", T0, T0.plus(Duration.ofMinutes(80)),
                (c, asn, target, probe, at) -> at.isBefore(BLOCK) ? null : BlockingMethod.TLS, t -> true));
        endOfInput(T0.plus(Duration.ofMinutes(79)));

        List<DisruptionEvent> out = events.readValuesToList();

        assertThat(out).as(out.toString()).extracting(DisruptionEvent::getType).containsExactly(EventType.DISRUPTION_STARTED);
        DisruptionEvent started = out.get(0);
        assertThat(started.getCountry()).isEqualTo("PK");
        assertThat(started.getAsn()).isNull();
        assertThat(started.getTarget()).isEqualTo("x.com");
        assertThat(started.getAt()).isEqualTo(BLOCK);
        assertThat(started.getCause()).isEqualTo(DisruptionCause.CENSORSHIP);
        assertThat(started.getMethods()).containsExactly(BlockingMethod.TLS);
        assertThat(Duration.between(started.getAt(), started.getDetectedAt())).isLessThanOrEqualTo(Duration.ofMinutes(10));
        assertThat(started.getNetworks()).extracting(n -> n.getAsn()).containsExactlyElementsOf(NETWORKS);
        assertThat(started.getNetworks()).allMatch(n -> n.getBlocked());
        assertThat(AvroJson.toJsonLine(started)).contains("\"asn\":null", "\"at\":\"2024-02-17T20:40:00Z\"",
                "\"type\":\"DISRUPTION_STARTED\"", "\"incidentId\":\"PK-x.com-20240217T2040Z\"");
    }

    @Test
    void aTargetFailingInThreeCountriesAtOnceIsAServiceOutageForEachAndOnTheServiceOutagesTopic() {
        List<ProbeMeasurement> all = new ArrayList<>();
        for (String country : List.of("DE", "BR", "IN")) {
            // Connections fail (no site-down answer): only the coincidence across countries tells a service outage.
            all.addAll(Measurements.fleet(country, NETWORKS, 3, List.of("facebook.com", "signal.org"), "example.com", T0,
                    T0.plus(Duration.ofMinutes(80)), (c, asn, target, probe, at) ->
                            target.equals("facebook.com") && !at.isBefore(BLOCK) ? BlockingMethod.TCP_IP : null, t -> true));
        }
        all.sort(java.util.Comparator.comparing(ProbeMeasurement::getStartTime));
        pipe(all);
        endOfInput(T0.plus(Duration.ofMinutes(79)));

        List<DisruptionEvent> out = events.readValuesToList();
        assertThat(out).as(out.toString()).extracting(DisruptionEvent::getCountry).containsExactlyInAnyOrder("DE", "BR", "IN");
        assertThat(out).allSatisfy(e -> {
            assertThat(e.getType()).isEqualTo(EventType.DISRUPTION_STARTED);
            assertThat(e.getCause()).isEqualTo(DisruptionCause.SERVICE_OUTAGE);
        });
        List<ServiceOutageEvent> outages = driver.createOutputTopic(topics.serviceOutages().name(), new StringDeserializer(),
                topics.serviceOutages().valueSerde().deserializer()).readValuesToList();
        assertThat(outages).singleElement().satisfies(o -> {
            assertThat(o.getType()).isEqualTo(ServiceOutageEventType.SERVICE_OUTAGE_STARTED);
            assertThat(o.getTarget()).isEqualTo("facebook.com");
            assertThat(o.getAt()).isEqualTo(BLOCK);
            assertThat(o.getCountries()).extracting(ServiceOutageCountry::getIncidentId)
                    .containsExactlyInAnyOrderElementsOf(out.stream().map(DisruptionEvent::getIncidentId).toList());
        });
    }

    @Test
    void arrivalOrderWithinGraceDoesNotChangeTheEvents() {
        List<ProbeMeasurement> fleet = Measurements.fleet("PK", NETWORKS, 4, List.of("x.com"), null, T0,
                T0.plus(Duration.ofMinutes(80)), (c, asn, target, probe, at) -> at.isBefore(BLOCK) ? null : BlockingMethod.DNS, t -> true);
        pipe(fleet);
        endOfInput(T0.plus(Duration.ofMinutes(79)));
        List<DisruptionEvent> inOrder = events.readValuesToList();
        driver.close();

        start();
        List<ProbeMeasurement> shuffled = shuffleWithinOneMinute(fleet, new Random(7));
        pipe(shuffled);
        endOfInput(T0.plus(Duration.ofMinutes(79)));

        assertThat(events.readValuesToList()).isEqualTo(inOrder).isNotEmpty();
    }

    @Test
    void duplicatesCountOnceInTheWindow() {
        ProbeMeasurement m = Measurements.measurement("dup-1", "PK", "AS17557", "x.com", false, "p1", T0, null);
        pipe(List.of(m, m, m));
        endOfInput(T0);

        List<AvailabilityWindow> out = windows.readValuesToList();

        assertThat(out).hasSize(2);
        assertThat(out).allSatisfy(w -> assertThat(w.getTotal()).isEqualTo(1));
        assertThat(stat("duplicates")).isEqualTo(2L);
    }

    @Test
    void measurementAfterGraceIsRoutedToLateTopicWithReason() {
        pipe(List.of(Measurements.measurement("m1", "PK", "AS17557", "x.com", false, "p1", T0.plus(Duration.ofMinutes(30)), null)));
        pipe(List.of(Measurements.measurement("old", "PK", "AS17557", "x.com", false, "p1", T0, null)));

        var late = driver.createOutputTopic(topics.late().name(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        List<TestRecord<byte[], byte[]>> records = late.readRecordsToList();

        assertThat(records).hasSize(1);
        assertThat(header(records.get(0), DetectorProcessor.REASON_HEADER)).contains("arrived after its window");
        assertThat(stat("late")).isEqualTo(1L);
    }

    @Test
    void malformedRecordGoesToDeadLetterAndTheNextRecordStillCounts() {
        input.pipeInput("k".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8), T0);
        ProbeMeasurement noCountry = Measurements.measurement("bad", "", "AS1", "x.com", false, "p1", T0, null);
        pipe(List.of(noCountry, Measurements.measurement("good", "PK", "AS17557", "x.com", false, "p1", T0, null)));
        endOfInput(T0);

        var dlq = driver.createOutputTopic(topics.deadLetter().name(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();

        assertThat(dead).hasSize(2);
        assertThat(header(dead.get(0), DetectorProcessor.REASON_HEADER)).contains("does not deserialize", "unknown magic byte");
        assertThat(header(dead.get(1), DetectorProcessor.REASON_HEADER)).contains("malformed country");
        assertThat(windows.readValuesToList()).extracting(AvailabilityWindow::getTotal).containsExactly(1, 1);
    }

    @Test
    void aRegionThatGoesSilentIsReportedAsNetworkOutage() {
        Instant silence = T0.plus(Duration.ofMinutes(60));
        List<ProbeMeasurement> pk = Measurements.fleet("PK", NETWORKS, 3, List.of("x.com"), "example.com", T0,
                T0.plus(Duration.ofMinutes(120)), Measurements.NONE, t -> t.isBefore(silence));
        List<ProbeMeasurement> de = Measurements.fleet("DE", List.of("AS3320"), 3, List.of("x.com"), "example.com", T0,
                T0.plus(Duration.ofMinutes(120)), Measurements.NONE, t -> true);
        List<ProbeMeasurement> all = new ArrayList<>(pk);
        all.addAll(de);
        all.sort(java.util.Comparator.comparing(ProbeMeasurement::getStartTime));
        pipe(all);

        List<DisruptionEvent> out = events.readValuesToList();

        assertThat(out).extracting(DisruptionEvent::getType).containsExactly(EventType.DISRUPTION_STARTED);
        assertThat(out.get(0).getCountry()).isEqualTo("PK");
        assertThat(out.get(0).getTarget()).isEqualTo("*");
        assertThat(out.get(0).getCause()).isEqualTo(DisruptionCause.NETWORK_OUTAGE);
        assertThat(out.get(0).getAt()).isEqualTo(silence);
    }

    @Test
    void aRecordUpToGraceOlderThanTheVeryFirstIsCountedInAWindowThatCloses() {
        ProbeMeasurement first = Measurements.measurement("m1", "PK", "AS17557", "x.com", false, "p1",
                T0.plus(Duration.ofMinutes(1)), null);
        ProbeMeasurement older = Measurements.measurement("m2", "PK", "AS17557", "x.com", false, "p2",
                T0.minusSeconds(30), BlockingMethod.DNS);
        ProbeMeasurement later = Measurements.measurement("m3", "PK", "AS17557", "x.com", false, "p1",
                T0.plus(Duration.ofMinutes(20)), null);
        ProbeMeasurement laterToo = Measurements.measurement("m4", "PK", "AS17557", "x.com", false, "p2",
                T0.plus(Duration.ofMinutes(20)), null);
        pipe(List.of(first, older, later, laterToo));

        List<AvailabilityWindow> closed = windows.readValuesToList();

        assertThat(closed).filteredOn(w -> w.getAsn() == null && w.getWindowStart().equals(T0.minus(Duration.ofMinutes(5))))
                .singleElement().satisfies(w -> {
                    assertThat(w.getTotal()).isEqualTo(1);
                    assertThat(w.getUnreachable()).isEqualTo(1);
                });
        assertThat(stat("late")).isNull();
        assertThat(stat("measurements")).isEqualTo(4);
    }

    @Test
    void aWindowATickClosesReportsTheEarliestTickThatCouldCloseItNotTheTickThatDid() {
        pipe(Measurements.fleet("PK", NETWORKS, 3, List.of("x.com"), "example.com", T0, T0.plus(Duration.ofMinutes(30)),
                Measurements.NONE, t -> true));
        TestOutputTopic<byte[], byte[]> verdicts = driver.createOutputTopic(topics.verdicts().name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        verdicts.readValuesToList(); // the windows this partition's own clock closed
        // Then its probes are silent and another partition's ticks move it: which tick comes first
        // depends on how partitions interleave, so what a verdict reports must not depend on it.
        tick(T0.plus(Duration.ofHours(2)));
        tick(T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(7)));

        List<byte[]> records = verdicts.readValuesToList();
        List<WindowVerdicts> closed = records.stream().flatMap(r -> WindowVerdicts.decodeAll(r).stream()).toList();
        long earliest = SETTINGS.windowMillis() + SETTINGS.grace().toMillis() + SETTINGS.silenceLag().toMillis();
        assertThat(closed).as("the silent partition's open windows close").hasSizeGreaterThan(3);
        assertThat(closed).allSatisfy(v -> assertThat(v.clock()).isEqualTo(v.windowStart() + earliest));
        // The first tick finds the partition live (its own records came since the last): the second moves it.
        assertThat(records).as("the windows one tick closes travel in one record").hasSize(1);
        assertThat(closed).extracting(WindowVerdicts::windowStart).as("every window, in order, none twice")
                .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates()
                .allSatisfy(ws -> assertThat((ws - closed.get(0).windowStart()) % SETTINGS.windowMillis()).isZero())
                .last().satisfies(last -> assertThat(last - closed.get(0).windowStart())
                        .isEqualTo((closed.size() - 1) * SETTINGS.windowMillis()));
    }

    private void tick(Instant t) {
        var serializer = AvroSerde.specific(ProbeHeartbeat.class, registry, false, Map.of()).serializer();
        ticks.pipeInput(null, serializer.serialize(topics.ticks().name(), DetectorProcessor.tick(t.toEpochMilli())), t);
    }

    private void pipe(List<ProbeMeasurement> measurements) {
        var serializer = AvroSerde.specific(ProbeMeasurement.class, registry, false, Map.of()).serializer();
        for (ProbeMeasurement m : measurements) {
            input.pipeInput(null, serializer.serialize(topics.measurements().name(), m), m.getStartTime());
        }
    }

    private void endOfInput(Instant lastEventTime) {
        ProbeHeartbeat marker = DetectorApp.endOfInputMarker(lastEventTime, SETTINGS);
        var serializer = AvroSerde.specific(ProbeHeartbeat.class, registry, false, Map.of()).serializer();
        ticks.pipeInput(null, serializer.serialize(topics.ticks().name(), marker), marker.getSentAt());
    }

    private Long stat(String name) {
        return driver.<String, Long>getKeyValueStore(DetectorTopology.STATS_STORE).get(name);
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static List<ProbeMeasurement> shuffleWithinOneMinute(List<ProbeMeasurement> fleet, Random random) {
        List<ProbeMeasurement> out = new ArrayList<>();
        int i = 0;
        while (i < fleet.size()) {
            int j = i;
            while (j < fleet.size() && fleet.get(j).getStartTime().equals(fleet.get(i).getStartTime())) {
                j++;
            }
            List<ProbeMeasurement> minute = new ArrayList<>(fleet.subList(i, j));
            Collections.shuffle(minute, random);
            out.addAll(minute);
            i = j;
        }
        // Swap neighbouring minutes too: a record one minute late is within grace.
        for (int k = 0; k + 1 < out.size(); k += 97) {
            Collections.swap(out, k, k + 1);
        }
        return out;
    }

    private static DetectorSettings onePartition() {
        Properties p = new Properties();
        p.setProperty("detector.partitions", "1");
        return DetectorSettings.from(p);
    }
}
