package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import org.reachwatch.schemas.serde.AvroDeserializer;
import org.reachwatch.schemas.serde.AvroSerdeConfig;
import org.reachwatch.schemas.serde.AvroSerializer;

/**
 * Confluent's official Node.js client ({@code @confluentinc/schemaregistry}, pinned in
 * {@code src/test/node/package-lock.json}, installed by the build's {@code npm ci}) against this
 * registry: bytes cross in both directions, and its lookup/compatibility/register calls get
 * Confluent's answers. Needs {@code node} on the PATH; fails (never skips) without it.
 */
class ConfluentNodeInteropIT {
    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    static final long TIMEOUT_SECONDS = 120;

    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        assertThat(NODE_DIR.resolve("node_modules/@confluentinc/schemaregistry"))
                .as("npm ci must have installed the Confluent client (the build does it in pre-integration-test)")
                .isDirectory();
        broker = EmbeddedKafkaBroker.start();
        server = SchemaRegistryServer.start(broker.bootstrapServers(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        broker.close();
    }

    @Test
    void confluentClientRegistersAndSerializesAndOurDeserializerReadsIt() throws Exception {
        ProbeMeasurement m = Measurements.measurement(7);
        Path schemaFile = write("ProbeMeasurement.avsc", ProbeMeasurement.getClassSchema().toString());
        Path recordFile = write("record.json", jsRecord(m).toString());

        JsonNode out = node("register-and-serialize", server.url(), "js.measurements", schemaFile.toString(), recordFile.toString());

        byte[] bytes = HexFormat.of().parseHex(out.path("hex").asText());
        assertThat(bytes[0]).isZero();
        assertThat(java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(out.path("id").asInt());
        AvroDeserializer<ProbeMeasurement> deserializer = new AvroDeserializer<>(new HttpSchemaRegistryClient(server.url()), ProbeMeasurement.class);
        deserializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), false);
        assertThat(deserializer.deserialize("js.measurements", bytes)).isEqualTo(m);
    }

    @Test
    void ourSerializerWritesAndConfluentClientReadsTheSameValues() throws Exception {
        ProbeMeasurement m = Measurements.measurement(8);
        AvroSerializer<ProbeMeasurement> serializer = new AvroSerializer<>(new HttpSchemaRegistryClient(server.url()));
        serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), false);
        byte[] bytes = serializer.serialize("java.measurements", m);

        JsonNode record = node("deserialize", server.url(), "java.measurements", HexFormat.of().formatHex(bytes)).path("record");

        assertThat(record.path("measurementId").asText()).isEqualTo("m-8");
        assertThat(record.path("country").asText()).isEqualTo("PK");
        assertThat(record.path("asn").asText()).isEqualTo("AS17557");
        assertThat(record.path("startTime").asLong()).isEqualTo(m.getStartTime().toEpochMilli());
        assertThat(record.path("runtimeMs").asLong()).isEqualTo(1_700_000_000_131L);
        assertThat(record.path("outcome").asText()).isEqualTo("UNREACHABLE");
        assertThat(record.path("blockingMethod").asText()).isEqualTo("TLS");
        assertThat(record.path("latencyMs").asDouble()).isEqualTo(12.5);
        assertThat(record.path("dnsAnswers").toString()).isEqualTo("[\"104.244.42.1\",\"104.244.42.65\"]");
        assertThat(record.path("httpStatus").isNull()).isTrue();
    }

    @Test
    void confluentClientGetsConfluentAnswersForLookupCompatibilityAndIncompatibleRegister() throws Exception {
        String subject = "node-evolve-value";
        int id = new HttpSchemaRegistryClient(server.url()).register(subject, new Schema.Parser().parse(RestConformanceIT.V1));
        Path registered = write("v1.avsc", RestConformanceIT.V1);
        Path compatible = write("v2.avsc", RestConformanceIT.V2);
        Path incompatible = write("bad.avsc", RestConformanceIT.INCOMPATIBLE);

        JsonNode out = node("evolve", server.url(), subject, registered.toString(), compatible.toString(), incompatible.toString());

        assertThat(out.path("lookup").path("id").asInt()).isEqualTo(id);
        assertThat(out.path("lookup").path("version").asInt()).isEqualTo(1);
        assertThat(out.path("lookup").path("subject").asText()).isEqualTo(subject);
        assertThat(out.path("latest").path("id").asInt()).isEqualTo(id);
        assertThat(out.path("compatible").asBoolean(false)).isTrue();
        assertThat(out.path("incompatible").isBoolean()).isTrue();
        assertThat(out.path("incompatible").asBoolean(true)).isFalse();
        assertThat(out.path("registerError").path("status").asInt()).isEqualTo(409);
        assertThat(out.path("registerError").path("errorCode").asInt()).isEqualTo(409);
        assertThat(out.path("unknownSubjectError").path("status").asInt()).isEqualTo(404);
        assertThat(out.path("unknownSubjectError").path("errorCode").asInt()).isEqualTo(40401);
        assertThat(new RegistryHttp(server.url()).get("/subjects/" + subject + "/versions").json().toString()).isEqualTo("[1]");
    }

    /** The record as the JS client takes it: unions unwrapped, enums as names, timestamp-millis as a number. */
    static ObjectNode jsRecord(ProbeMeasurement m) {
        ObjectNode json = RegistryHttp.JSON.createObjectNode();
        for (Schema.Field field : ProbeMeasurement.getClassSchema().getFields()) {
            Object value = m.get(field.pos());
            if (value == null) {
                json.putNull(field.name());
            } else if (value instanceof Instant instant) {
                json.put(field.name(), instant.toEpochMilli());
            } else if (value instanceof List<?> list) {
                ArrayNode array = json.putArray(field.name());
                list.forEach(item -> array.add(item.toString()));
            } else if (value instanceof Number || value instanceof Boolean) {
                json.set(field.name(), RegistryHttp.JSON.valueToTree(value));
            } else {
                json.put(field.name(), value.toString());
            }
        }
        return json;
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    private JsonNode node(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", "interop.js"));
        command.addAll(List.of(args));
        Path stdout = tmp.resolve("node-" + args[0] + ".out");
        Path stderr = tmp.resolve("node-" + args[0] + ".err");
        Process process = new ProcessBuilder(command).directory(NODE_DIR.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("node " + String.join(" ", args) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        String err = Files.readString(stderr);
        assertThat(process.exitValue()).as("node %s failed: %s", args[0], err).isZero();
        return RegistryHttp.JSON.readTree(Files.readString(stdout));
    }
}
