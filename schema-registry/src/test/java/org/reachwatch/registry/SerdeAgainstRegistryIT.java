package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import org.reachwatch.schemas.registry.RetryPolicy;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;
import org.reachwatch.schemas.serde.AvroDeserializer;
import org.reachwatch.schemas.serde.AvroSerdeConfig;
import org.reachwatch.schemas.serde.AvroSerializer;
import org.reachwatch.schemas.serde.InvalidRecordException;

/** The schemas module's serde against the real registry server: the paths users hit, including failures. */
class SerdeAgainstRegistryIT {
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        server = SchemaRegistryServer.start(broker.bootstrapServers(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        broker.close();
    }

    /** A fresh client per test: its cache starts empty, so the test sees every HTTP call it causes. */
    static HttpSchemaRegistryClient client() {
        return new HttpSchemaRegistryClient(server.url());
    }

    static <T> AvroSerializer<T> serializer(HttpSchemaRegistryClient client, Map<String, Object> extra) {
        AvroSerializer<T> serializer = new AvroSerializer<>(client);
        Map<String, Object> configs = new HashMap<>(extra);
        configs.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, client.baseUrl());
        serializer.configure(configs, false);
        return serializer;
    }

    static AvroDeserializer<ProbeMeasurement> specificDeserializer(HttpSchemaRegistryClient client) {
        AvroDeserializer<ProbeMeasurement> deserializer = new AvroDeserializer<>(client, ProbeMeasurement.class);
        deserializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, client.baseUrl()), false);
        return deserializer;
    }

    @Test
    void roundTripThroughTheRegistryKeepsEveryField() {
        HttpSchemaRegistryClient client = client();
        ProbeMeasurement m = Measurements.measurement(1);
        byte[] bytes = SerdeAgainstRegistryIT.<ProbeMeasurement>serializer(client, Map.of()).serialize("rt.measurements", m);

        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(new RegistryHttp(server.url()).get("/subjects/rt.measurements-value/versions/latest").json().path("id").asInt())
                .isEqualTo(id);
        assertThat(specificDeserializer(client()).deserialize("rt.measurements", bytes)).isEqualTo(m);
    }

    @Test
    void unknownSchemaIdIsAClearErrorNamingTopicAndId() {
        byte[] bytes = ByteBuffer.allocate(7).put((byte) 0).putInt(424242).put((byte) 2).put((byte) 0).array();
        assertThatThrownBy(() -> specificDeserializer(client()).deserialize("unknown.ids", bytes))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("unknown.ids")
                .hasMessageContaining("unknown schema id 424242");
    }

    @Test
    void unreachableRegistryFailsBothDirectionsWithAClearError() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HttpSchemaRegistryClient dead = new HttpSchemaRegistryClient("http://localhost:" + closedPort, Duration.ofSeconds(2),
                RetryPolicy.NONE);
        assertThatThrownBy(() -> SerdeAgainstRegistryIT.<ProbeMeasurement>serializer(dead, Map.of())
                .serialize("dead.topic", Measurements.measurement(1)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("dead.topic")
                .hasMessageContaining("unreachable")
                .hasCauseInstanceOf(SchemaRegistryUnavailableException.class);
        // Not bad data: the deserializer says the registry did not answer, so the record is not dead-lettered.
        byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(1).put((byte) 0).array();
        assertThatThrownBy(() -> specificDeserializer(dead).deserialize("dead.topic", bytes))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("dead.topic")
                .hasMessageContaining("unreachable");
    }

    @Test
    void incompatibleSchemaFailsWithSerializationExceptionNamingTheTopic() {
        Schema v1 = new Schema.Parser().parse(RestConformanceIT.V1);
        Schema incompatible = new Schema.Parser().parse(RestConformanceIT.INCOMPATIBLE);
        HttpSchemaRegistryClient client = client();
        AvroSerializer<GenericRecord> serializer = serializer(client, Map.of());
        serializer.serialize("evolving.things", new GenericRecordBuilder(v1).set("a", 1).build());

        assertThatThrownBy(() -> serializer.serialize("evolving.things", new GenericRecordBuilder(incompatible).set("a", "one").build()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("evolving.things")
                .hasMessageContaining("incompatible");
    }

    @Test
    void truncatedPayloadIsAClearErrorNotAGarbageRecord() {
        HttpSchemaRegistryClient client = client();
        byte[] bytes = SerdeAgainstRegistryIT.<ProbeMeasurement>serializer(client, Map.of())
                .serialize("truncated.topic", Measurements.measurement(2));
        AvroDeserializer<ProbeMeasurement> deserializer = specificDeserializer(client);

        assertThatThrownBy(() -> deserializer.deserialize("truncated.topic", Arrays.copyOf(bytes, bytes.length - 10)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("truncated.topic")
                .hasMessageContaining("truncated or corrupt");
        assertThatThrownBy(() -> deserializer.deserialize("truncated.topic", Arrays.copyOf(bytes, 3)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("shorter than the 5-byte header");
        assertThat(deserializer.deserialize("truncated.topic", bytes)).isEqualTo(Measurements.measurement(2));
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaIsRefusedAndARegisteredOneIsUsed() {
        HttpSchemaRegistryClient client = client();
        AvroSerializer<ProbeMeasurement> strict = serializer(client, Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"));

        assertThatThrownBy(() -> strict.serialize("strict.topic", Measurements.measurement(3)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("strict.topic")
                .hasMessageContaining("not registered")
                .hasMessageContaining("auto.register.schemas is false");
        assertThat(new RegistryHttp(server.url()).get("/subjects/strict.topic-value/versions").status()).isEqualTo(404);

        int id = client().register("strict.topic-value", ProbeMeasurement.getClassSchema());
        byte[] bytes = strict.serialize("strict.topic", Measurements.measurement(3));
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
    }

    @Test
    void recordNameStrategyRegistersUnderTheRecordFullName() {
        HttpSchemaRegistryClient client = client();
        AvroSerializer<ProbeMeasurement> serializer = serializer(client,
                Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "io.confluent.kafka.serializers.subject.RecordNameStrategy"));
        byte[] bytes = serializer.serialize("by-record.topic", Measurements.measurement(4));

        RegistryHttp http = new RegistryHttp(server.url());
        assertThat(http.get("/subjects/org.reachwatch.avro.ProbeMeasurement/versions/latest").json().path("id").asInt())
                .isEqualTo(ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertThat(http.get("/subjects/by-record.topic-value/versions").status()).isEqualTo(404);
    }

    @Test
    void readerWithTheNewerSchemaReadsRecordsWrittenWithAnOlderOne() {
        // The "old" ProbeMeasurement: today's schema without three fields that were added with defaults.
        Schema old = withoutFields(ProbeMeasurement.getClassSchema(), Set.of("reportId", "softwareName", "softwareVersion", "latencyMs"));
        GenericRecord written = new GenericRecordBuilder(old)
                .set("measurementId", "old-1").set("probeId", "probe-old").set("country", "IR").set("target", "y.com")
                .set("startTime", Measurements.T0.toEpochMilli())
                .set("outcome", new GenericData.EnumSymbol(old.getField("outcome").schema(), "UNREACHABLE"))
                .build();
        HttpSchemaRegistryClient client = client();
        byte[] bytes = SerdeAgainstRegistryIT.<GenericRecord>serializer(client, Map.of()).serialize("evolve.topic", written);
        // The newer schema registers after the old one: BACKWARD accepts it.
        SerdeAgainstRegistryIT.<ProbeMeasurement>serializer(client, Map.of()).serialize("evolve.topic", Measurements.measurement(5));

        ProbeMeasurement read = specificDeserializer(client()).deserialize("evolve.topic", bytes);

        assertThat(read.getMeasurementId()).isEqualTo("old-1");
        assertThat(read.getCountry()).isEqualTo("IR");
        assertThat(read.getStartTime()).isEqualTo(Measurements.T0);
        assertThat(read.getOutcome().name()).isEqualTo("UNREACHABLE");
        assertThat(read.getReportId()).isNull();
        assertThat(read.getLatencyMs()).isNull();
        assertThat(new RegistryHttp(server.url()).get("/subjects/evolve.topic-value/versions").json().toString()).isEqualTo("[1,2]");
    }

    @Test
    void afterTheFirstRecordOfASchemaNeitherDirectionCallsTheRegistry() {
        HttpSchemaRegistryClient client = client();
        AvroSerializer<ProbeMeasurement> serializer = serializer(client, Map.of());
        AvroDeserializer<ProbeMeasurement> deserializer = specificDeserializer(client());
        long before = server.requestCount();
        deserializer.deserialize("cached.topic", serializer.serialize("cached.topic", Measurements.measurement(0)));
        long afterFirst = server.requestCount();
        assertThat(afterFirst).isGreaterThan(before);

        for (int i = 1; i <= 200; i++) {
            ProbeMeasurement m = Measurements.measurement(i);
            assertThat(deserializer.deserialize("cached.topic", serializer.serialize("cached.topic", m))).isEqualTo(m);
        }

        assertThat(server.requestCount()).isEqualTo(afterFirst);
    }

    @Test
    void clientCompatibilityCheckAcceptsAnythingForANewSubjectAndFollowsTheLevelAfterwards() {
        HttpSchemaRegistryClient client = client();
        Schema v1 = new Schema.Parser().parse(RestConformanceIT.V1);
        Schema v2 = new Schema.Parser().parse(RestConformanceIT.V2);
        Schema incompatible = new Schema.Parser().parse(RestConformanceIT.INCOMPATIBLE);
        assertThat(client.isCompatible("client-compat-value", incompatible)).isTrue();

        client.register("client-compat-value", v1);

        assertThat(client.isCompatible("client-compat-value", v2)).isTrue();
        assertThat(client.isCompatible("client-compat-value", incompatible)).isFalse();
        assertThat(client.latest("client-compat-value").version()).isEqualTo(1);
        assertThatThrownBy(() -> client.latest("client-compat-missing"))
                .isInstanceOf(org.reachwatch.schemas.registry.SchemaRegistryException.class)
                .satisfies(e -> assertThat(((org.reachwatch.schemas.registry.SchemaRegistryException) e).errorCode()).isEqualTo(40401));
    }

    private static Schema withoutFields(Schema schema, Set<String> dropped) {
        ObjectNode json = (ObjectNode) RegistryHttp.JSON.valueToTree(readTree(schema.toString()));
        ArrayNode kept = RegistryHttp.JSON.createArrayNode();
        for (JsonNode field : json.path("fields")) {
            if (!dropped.contains(field.path("name").asText())) {
                kept.add(field);
            }
        }
        json.set("fields", kept);
        return new Schema.Parser().parse(json.toString());
    }

    private static JsonNode readTree(String text) {
        try {
            return RegistryHttp.JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
