package org.reachwatch.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.serde.AvroDeserializer;
import org.reachwatch.schemas.serde.AvroSerializer;
import org.reachwatch.schemas.serde.InvalidRecordException;

/**
 * A registry that fails is told apart from data that is bad: against a real HTTP server that
 * fails on demand, the client retries what may pass (unreachable, timeout, 5xx) and gives up with
 * {@link SchemaRegistryUnavailableException}; it never retries a final answer; the deserializer
 * calls a record invalid only when the registry said its id is unknown or its bytes are bad.
 */
class RegistryFaultsTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final int ID = 7;
    static final String TOPIC = "probe.measurements";
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(20));
    static final Schema WRITER = SpecificData.get().getSchema(ProbeMeasurement.class);

    private FlakyRegistry registry;

    @BeforeEach
    void start() throws IOException {
        registry = new FlakyRegistry(ID, WRITER);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private HttpSchemaRegistryClient client(RetryPolicy retry) {
        return new HttpSchemaRegistryClient(registry.url(), Duration.ofMillis(500), retry);
    }

    @Test
    void serverErrorsAreRetriedAndTheCallSucceedsWhenTheRegistryRecovers() {
        registry.fail(FlakyRegistry.Mode.SERVER_ERROR, 2);

        assertThat(client(FAST).byId(ID)).isEqualTo(WRITER);
        assertThat(registry.requests()).isEqualTo(3);
    }

    @Test
    void persistentServerErrorIsUnavailableAfterTheRetries() {
        registry.fail(FlakyRegistry.Mode.SERVER_ERROR);

        assertThatThrownBy(() -> client(FAST).byId(ID))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 503")
                .hasMessageContaining("4 attempts")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(50003));
        assertThat(registry.requests()).isEqualTo(4);
    }

    @Test
    void unknownIdIsAFinalAnswerAndIsNotRetried() {
        registry.fail(FlakyRegistry.Mode.UNKNOWN_ID);

        assertThatThrownBy(() -> client(FAST).byId(ID))
                .isInstanceOf(SchemaRegistryException.class)
                .isNotInstanceOf(SchemaRegistryUnavailableException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        assertThat(registry.requests()).isEqualTo(1);
    }

    @Test
    void timeoutAndDroppedConnectionAreUnavailable() {
        registry.fail(FlakyRegistry.Mode.HANG);
        long started = System.nanoTime();
        assertThatThrownBy(() -> client(RetryPolicy.NONE).byId(ID))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("unreachable")
                .hasMessageContaining("HttpTimeoutException");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

        registry.fail(FlakyRegistry.Mode.DROP_CONNECTION);
        assertThatThrownBy(() -> client(RetryPolicy.NONE).byId(ID))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void closedPortIsUnavailableAfterTheRetriesWithBackoff() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RetryPolicy slow = new RetryPolicy(2, Duration.ofMillis(200), Duration.ofMillis(200));
        HttpSchemaRegistryClient dead = new HttpSchemaRegistryClient("http://127.0.0.1:" + closedPort, Duration.ofMillis(500), slow);
        long started = System.nanoTime();

        assertThatThrownBy(() -> dead.byId(ID))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("is unreachable")
                .hasMessageContaining("3 attempts")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE));
        // two waits of 100-200 ms each (half to all of the capped backoff)
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void deserializerHoldsOnAnOutageAndReadsTheSameBytesOnceTheRegistryIsBack() {
        byte[] bytes = wire(ID, measurement());
        AvroDeserializer<ProbeMeasurement> deserializer = new AvroDeserializer<>(client(FAST), ProbeMeasurement.class);
        registry.fail(FlakyRegistry.Mode.SERVER_ERROR);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .isNotInstanceOf(SerializationException.class)
                .hasMessageContaining(TOPIC)
                .hasMessageContaining("schema id " + ID);

        registry.recover();
        assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(measurement());
    }

    @Test
    void deserializerCallsTheRecordInvalidOnlyWhenTheRegistrySaidTheIdIsUnknown() {
        byte[] bytes = wire(ID, measurement());
        registry.fail(FlakyRegistry.Mode.UNKNOWN_ID);
        assertThatThrownBy(() -> new AvroDeserializer<>(client(FAST), ProbeMeasurement.class).deserialize(TOPIC, bytes))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidRecordException.Reason.UNKNOWN_SCHEMA_ID))
                .hasMessageContaining("unknown schema id " + ID);

        // A 404 page that is not a registry's answer (wrong URL, a proxy) says nothing about the id.
        registry.fail(FlakyRegistry.Mode.PLAIN_404);
        assertThatThrownBy(() -> new AvroDeserializer<>(client(FAST), ProbeMeasurement.class).deserialize(TOPIC, bytes))
                .isInstanceOf(SchemaRegistryUnavailableException.class);
    }

    @Test
    void badBytesAreInvalidWithTheirReasonWhateverTheRegistryDoes() {
        AvroDeserializer<ProbeMeasurement> deserializer = new AvroDeserializer<>(client(FAST), ProbeMeasurement.class);
        byte[] good = wire(ID, measurement());
        byte[] badMagic = good.clone();
        badMagic[0] = 9;

        assertThat(reasonOf(deserializer, badMagic)).isEqualTo(InvalidRecordException.Reason.UNKNOWN_MAGIC_BYTE);
        assertThat(reasonOf(deserializer, Arrays.copyOf(good, 3))).isEqualTo(InvalidRecordException.Reason.TRUNCATED_HEADER);
        assertThat(reasonOf(deserializer, Arrays.copyOf(good, good.length - 9))).isEqualTo(InvalidRecordException.Reason.CORRUPT_PAYLOAD);
        assertThat(registry.requests()).as("one schema fetch, for the truncated body").isEqualTo(1);
    }

    @Test
    void writerSchemaOfTheWrongTypeIsInvalidNotAGarbageRecord() throws IOException {
        Schema heartbeat = SpecificData.get().getSchema(ProbeHeartbeat.class);
        try (FlakyRegistry heartbeats = new FlakyRegistry(ID, heartbeat)) {
            InMemorySchemaRegistryClient local = new InMemorySchemaRegistryClient();
            ProbeHeartbeat hb = ProbeHeartbeat.newBuilder().setProbeId("p").setCountry("PK").setSentAt(T0)
                    .setSource(MeasurementSource.PROBE).setSoftwareName("t").build();
            byte[] body = new AvroSerializer<ProbeHeartbeat>(local).serialize("hb", hb);
            ByteBuffer.wrap(body).putInt(1, ID);
            AvroDeserializer<ProbeMeasurement> deserializer = new AvroDeserializer<>(
                    new HttpSchemaRegistryClient(heartbeats.url(), Duration.ofMillis(500), FAST), ProbeMeasurement.class);

            assertThat(reasonOf(deserializer, body)).isEqualTo(InvalidRecordException.Reason.INCOMPATIBLE_WRITER_SCHEMA);
        }
    }

    private static InvalidRecordException.Reason reasonOf(AvroDeserializer<?> deserializer, byte[] bytes) {
        try {
            deserializer.deserialize(TOPIC, bytes);
        } catch (InvalidRecordException e) {
            assertThat(e).hasMessageContaining(TOPIC).hasMessageContaining(e.reason().phrase());
            return e.reason();
        }
        throw new AssertionError("expected an InvalidRecordException");
    }

    private static byte[] wire(int id, ProbeMeasurement m) {
        InMemorySchemaRegistryClient local = new InMemorySchemaRegistryClient();
        byte[] bytes = new AvroSerializer<ProbeMeasurement>(local).serialize(TOPIC, m);
        ByteBuffer.wrap(bytes).putInt(1, id);
        return bytes;
    }

    static ProbeMeasurement measurement() {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId("m-1").setProbeId("p-1").setCountry("PK").setAsn("AS17557")
                .setTarget("x.com").setStartTime(T0).setOutcome(MeasurementOutcome.UNREACHABLE)
                .setBlockingMethod(BlockingMethod.TLS).setDnsAnswers(List.of())
                .setSource(MeasurementSource.PROBE).build();
    }
}
