package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.IntStream;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.avro.ServiceOutageEventType;
import org.reachwatch.detector.lifecycle.ServiceOutageJudge.CountryVerdict;

/**
 * The second stage on its own (the driver has one partition: this is task 0 of three second-stage
 * tasks), fed with the verdicts three first-stage partitions would send.
 */
class ServiceOutageProcessorTest {
    private static final int PARTITIONS = 3;
    private static final long T0 = Instant.parse("2024-03-05T15:00:00Z").toEpochMilli();
    private static final long W = Duration.ofMinutes(5).toMillis();
    /** A target that hashes to second-stage partition 0 of 3 (this task), and one that does not. */
    private static final String MINE = target(true);
    private static final String OTHERS = target(false);

    private final List<TopologyTestDriver> drivers = new ArrayList<>();

    @AfterEach
    void close() {
        drivers.forEach(TopologyTestDriver::close);
    }

    private static String target(boolean mine) {
        return IntStream.range(0, 100).mapToObj(i -> "site" + i + ".example")
                .filter(t -> (DetectorProcessor.partitionOf(t, PARTITIONS) == 0) == mine).findFirst().orElseThrow();
    }

    private record Stage(TestInputTopic<byte[], byte[]> verdicts, TestOutputTopic<String, ServiceOutageEvent> outages,
                         TestOutputTopic<byte[], byte[]> deadLetter) {
    }

    private Stage stage() {
        Properties settings = new Properties();
        settings.setProperty("detector.partitions", Integer.toString(PARTITIONS));
        settings.setProperty("detector.outage.partitions", Integer.toString(PARTITIONS));
        DetectorTopics topics = DetectorTopics.defaults("mem://outage-test-" + UUID.randomUUID());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "outage-test-" + UUID.randomUUID());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        TopologyTestDriver d = new TopologyTestDriver(DetectorTopology.build(topics, DetectorSettings.from(settings)), props);
        drivers.add(d);
        return new Stage(d.createInputTopic(topics.verdicts().name(), new ByteArraySerializer(), new ByteArraySerializer()),
                d.createOutputTopic(topics.serviceOutages().name(), new StringDeserializer(),
                        topics.serviceOutages().valueSerde().deserializer()),
                d.createOutputTopic(topics.deadLetter().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    private static byte[] verdicts(int partition, long windowStart, long clock, CountryVerdict... verdicts) {
        return new WindowVerdicts(partition, PARTITIONS, windowStart, clock, false, List.of(verdicts)).encode();
    }

    private static CountryVerdict onset(String country, String target, long at) {
        return new CountryVerdict(country, target, country + "-" + target + "-x", at, true, true, null);
    }

    /** Window T0 as three partitions report it: DE on 0, BR on 1, IN on 2; and every partition's next window. */
    private static List<byte[]> outageSeenByThreePartitions(String target) {
        return List.of(
                verdicts(0, T0, T0 + 7 * 60_000, onset("DE", target, T0)),
                verdicts(1, T0, T0 + 8 * 60_000, onset("BR", target, T0)),
                verdicts(2, T0, T0 + 22 * 60_000, onset("IN", target, T0)));
    }

    @Test
    void aWindowIsJudgedOnlyOnceEveryPartitionHasClosedItWhateverTheOrder() {
        List<List<ServiceOutageEvent>> runs = new ArrayList<>();
        for (int[] order : new int[][] {{0, 1, 2}, {2, 0, 1}, {1, 2, 0}}) {
            Stage s = stage();
            List<byte[]> records = outageSeenByThreePartitions(MINE);
            s.verdicts().pipeInput(records.get(order[0]));
            s.verdicts().pipeInput(records.get(order[1]));
            assertThat(s.outages().isEmpty()).as("two of three partitions have closed the window").isTrue();
            s.verdicts().pipeInput(records.get(order[2]));
            runs.add(s.outages().readValuesToList());
        }

        assertThat(runs.get(0)).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(ServiceOutageEventType.SERVICE_OUTAGE_STARTED);
            assertThat(e.getTarget()).isEqualTo(MINE);
            assertThat(e.getAt()).isEqualTo(Instant.ofEpochMilli(T0));
            // The slowest partition closed the window at T0 + 22 min: only then could it be decided.
            assertThat(e.getDetectedAt()).isEqualTo(Instant.ofEpochMilli(T0 + 22 * 60_000));
            assertThat(e.getCountries()).extracting(ServiceOutageCountry::getCountry).containsExactly("BR", "DE", "IN");
        });
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
        assertThat(runs.get(2)).isEqualTo(runs.get(0));
    }

    @Test
    void windowsThatComeInOneBatchAreJudgedAsTheyWouldBeOneByOne() {
        // Each partition closes two windows: an outage in the first, DE alone still failing in the second.
        List<List<byte[]>> byPartition = List.of(
                List.of(verdicts(0, T0, T0 + 7 * 60_000, onset("DE", MINE, T0)), verdicts(0, T0 + W, T0 + 12 * 60_000,
                        onset("DE", MINE, T0))),
                List.of(verdicts(1, T0, T0 + 8 * 60_000, onset("BR", MINE, T0)), verdicts(1, T0 + W, T0 + 13 * 60_000)),
                List.of(verdicts(2, T0, T0 + 22 * 60_000, onset("IN", MINE, T0)), verdicts(2, T0 + W, T0 + 27 * 60_000)));
        Stage single = stage();
        byPartition.forEach(records -> records.forEach(single.verdicts()::pipeInput));
        Stage batched = stage();
        byPartition.forEach(records -> batched.verdicts().pipeInput(WindowVerdicts.batch(records)));

        List<ServiceOutageEvent> expected = single.outages().readValuesToList();
        assertThat(expected).extracting(ServiceOutageEvent::getType).containsExactly(
                ServiceOutageEventType.SERVICE_OUTAGE_STARTED, ServiceOutageEventType.SERVICE_OUTAGE_ENDED);
        assertThat(batched.outages().readValuesToList()).isEqualTo(expected);
        assertThat(batched.deadLetter().isEmpty()).isTrue();
    }

    @Test
    void aPartitionThatStartsLaterCompletesTheWindowsBeforeItsFirstAndEndsTheOutage() {
        Stage s = stage();
        s.verdicts().pipeInput(verdicts(0, T0, T0 + 7 * 60_000, onset("DE", MINE, T0), onset("BR", MINE, T0)));
        s.verdicts().pipeInput(verdicts(1, T0, T0 + 7 * 60_000, onset("IN", MINE, T0)));
        assertThat(s.outages().isEmpty()).isTrue();
        // Partition 2 hears of nothing until its first tick: its first window is a later one.
        s.verdicts().pipeInput(verdicts(2, T0 + W, T0 + 12 * 60_000));
        assertThat(s.outages().readValuesToList()).extracting(ServiceOutageEvent::getType)
                .containsExactly(ServiceOutageEventType.SERVICE_OUTAGE_STARTED);

        // The next window: only DE still fails; once all three have closed it, the outage is over.
        s.verdicts().pipeInput(verdicts(0, T0 + W, T0 + 12 * 60_000, onset("DE", MINE, T0)));
        s.verdicts().pipeInput(verdicts(1, T0 + W, T0 + 12 * 60_000));
        List<ServiceOutageEvent> ended = s.outages().readValuesToList();
        assertThat(ended).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(ServiceOutageEventType.SERVICE_OUTAGE_ENDED);
            assertThat(e.getAt()).isEqualTo(Instant.ofEpochMilli(T0 + W));
            assertThat(e.getOutageId()).isEqualTo(MINE + "-20240305T1500Z");
        });
    }

    @Test
    void targetsOfAnotherPartitionAreLeftToIt() {
        Stage s = stage();
        outageSeenByThreePartitions(OTHERS).forEach(s.verdicts()::pipeInput);
        assertThat(s.outages().isEmpty()).isTrue();
    }

    @Test
    void aRecordThatIsNotVerdictsGoesToTheDeadLetterTopicAndTheNextIsJudged() {
        Stage s = stage();
        s.verdicts().pipeInput("{not json".getBytes(StandardCharsets.UTF_8));
        s.verdicts().pipeInput(new WindowVerdicts(7, PARTITIONS, T0, T0, false, List.of()).encode());
        byte[] truncated = verdicts(0, T0, T0, onset("DE", MINE, T0));
        s.verdicts().pipeInput(java.util.Arrays.copyOf(truncated, truncated.length - 3));
        outageSeenByThreePartitions(MINE).forEach(s.verdicts()::pipeInput);

        List<TestRecord<byte[], byte[]>> dead = s.deadLetter().readRecordsToList();
        assertThat(dead).hasSize(3);
        assertThat(new String(dead.get(0).headers().lastHeader(DetectorProcessor.REASON_HEADER).value(), StandardCharsets.UTF_8))
                .contains("not a window verdicts record", "unknown format version");
        assertThat(new String(dead.get(1).headers().lastHeader(DetectorProcessor.REASON_HEADER).value(), StandardCharsets.UTF_8))
                .contains("partition 7 of 3");
        assertThat(new String(dead.get(2).headers().lastHeader(DetectorProcessor.REASON_HEADER).value(), StandardCharsets.UTF_8))
                .contains("truncated");
        assertThat(s.outages().readValuesToList()).hasSize(1);
    }
}
