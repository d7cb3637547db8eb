package org.reachwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;
import org.reachwatch.schemas.registry.InMemorySchemaRegistryClient;
import org.reachwatch.schemas.serde.AvroSerde;

class AvroSerdeRoundTripTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Serde<ProbeMeasurement> serde =
            AvroSerde.specific(ProbeMeasurement.class, registry, "mem://round-trip", false, Map.of());

    @Test
    void writesConfluentWireFormatAndReadsItBack() {
        ProbeMeasurement m = measurement();

        byte[] bytes = serde.serializer().serialize("probe.measurements", m);

        assertThat(bytes[0]).isEqualTo((byte) 0);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.latest("probe.measurements-value").id()).isEqualTo(id);
        assertThat(serde.deserializer().deserialize("probe.measurements", bytes)).isEqualTo(m);
    }

    @Test
    void unknownMagicByteIsAClearError() {
        byte[] bytes = serde.serializer().serialize("probe.measurements", measurement());
        bytes[0] = 7;

        assertThatThrownBy(() -> serde.deserializer().deserialize("probe.measurements", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("probe.measurements")
                .hasMessageContaining("unknown magic byte 7");
    }

    @Test
    void aRecordLargerThanTheBuffersComesOutWholeAndTheNextOneAlone() {
        byte[] small = serde.serializer().serialize("probe.measurements", measurement());
        List<String> answers = java.util.stream.IntStream.range(0, 500).mapToObj(i -> "10.0." + (i / 250) + "." + (i % 250)).toList();
        ProbeMeasurement large = ProbeMeasurement.newBuilder(measurement()).setDnsAnswers(answers).build();

        byte[] largeBytes = serde.serializer().serialize("probe.measurements", large);
        byte[] smallAgain = serde.serializer().serialize("probe.measurements", measurement());

        assertThat(largeBytes.length).isGreaterThan(4096);
        assertThat(serde.deserializer().deserialize("probe.measurements", largeBytes)).isEqualTo(large);
        assertThat(smallAgain).isEqualTo(small);
    }

    @Test
    void aRecordThatFailsHalfWrittenLeavesNothingInTheNext() {
        byte[] good = serde.serializer().serialize("probe.measurements", measurement());
        ProbeMeasurement broken = ProbeMeasurement.newBuilder(measurement()).build();
        broken.setTarget(null); // written after the ids and the country: the failure comes mid-record

        assertThatThrownBy(() -> serde.serializer().serialize("probe.measurements", broken))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("probe.measurements");
        assertThat(serde.serializer().serialize("probe.measurements", measurement())).isEqualTo(good);
    }

    static ProbeMeasurement measurement() {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId("m-1").setProbeId("p-1").setCountry("PK").setAsn("AS17557")
                .setTarget("x.com").setTestKind(TestKind.REACHABILITY).setStartTime(T0)
                .setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(BlockingMethod.TLS)
                .setTlsFailure("connection_reset").setDnsAnswers(List.of("104.244.42.1"))
                .setSource(MeasurementSource.PROBE).build();
    }
}
