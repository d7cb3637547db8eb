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

    static ProbeMeasurement measurement() {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId("m-1").setProbeId("p-1").setCountry("PK").setAsn("AS17557")
                .setTarget("x.com").setTestKind(TestKind.REACHABILITY).setStartTime(T0)
                .setOutcome(MeasurementOutcome.UNREACHABLE).setBlockingMethod(BlockingMethod.TLS)
                .setTlsFailure("connection_reset").setDnsAnswers(List.of("104.244.42.1"))
                .setSource(MeasurementSource.PROBE).build();
    }
}
