package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;

/** Register, read back by id and by latest version, and keep ids across a server restart. */
class SchemaRegistryServerIT {
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void registeredSchemaIsServedByIdAndAsLatestVersion() {
        String schema = ProbeMeasurement.getClassSchema().toString();
        try (SchemaRegistryServer server = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
            RegistryHttp http = new RegistryHttp(server.url());
            RegistryHttp.Answer registered = http.post("/subjects/basic-value/versions", RegistryHttp.schemaBody(schema));
            assertThat(registered.status()).isEqualTo(200);
            int id = registered.json().path("id").asInt();
            assertThat(id).isPositive();

            RegistryHttp.Answer byId = http.get("/schemas/ids/" + id);
            assertThat(byId.status()).isEqualTo(200);
            assertThat(new Schema.Parser().parse(byId.json().path("schema").asText())).isEqualTo(ProbeMeasurement.getClassSchema());

            RegistryHttp.Answer latest = http.get("/subjects/basic-value/versions/latest");
            assertThat(latest.status()).isEqualTo(200);
            assertThat(latest.json().path("subject").asText()).isEqualTo("basic-value");
            assertThat(latest.json().path("version").asInt()).isEqualTo(1);
            assertThat(latest.json().path("id").asInt()).isEqualTo(id);
            assertThat(latest.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        }
    }

    @Test
    void sameSchemaUnderAnotherSubjectGetsTheSameIdAndRestartKeepsIds() {
        String first = "{\"type\":\"record\",\"name\":\"Restart\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
        String second = "{\"type\":\"record\",\"name\":\"Restart2\",\"namespace\":\"t\",\"fields\":[{\"name\":\"b\",\"type\":\"string\"}]}";
        int firstId;
        int secondId;
        try (SchemaRegistryServer server = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
            RegistryHttp http = new RegistryHttp(server.url());
            firstId = http.post("/subjects/restart-a/versions", RegistryHttp.schemaBody(first)).json().path("id").asInt();
            // Same schema, written differently (spacing, field order of the JSON object): same id.
            String respelled = "{ \"namespace\":\"t\", \"name\":\"Restart\", \"type\":\"record\", \"fields\":[{\"type\":\"int\",\"name\":\"a\"}]}";
            assertThat(http.post("/subjects/restart-a/versions", RegistryHttp.schemaBody(respelled)).json().path("id").asInt())
                    .isEqualTo(firstId);
            assertThat(http.post("/subjects/restart-b/versions", RegistryHttp.schemaBody(first)).json().path("id").asInt())
                    .isEqualTo(firstId);
            secondId = http.post("/subjects/restart-c/versions", RegistryHttp.schemaBody(second)).json().path("id").asInt();
            assertThat(secondId).isNotEqualTo(firstId);
            assertThat(http.get("/subjects/restart-a/versions").json().toString()).isEqualTo("[1]");
        }
        try (SchemaRegistryServer restarted = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
            RegistryHttp http = new RegistryHttp(restarted.url());
            assertThat(http.get("/subjects/restart-c/versions/latest").json().path("id").asInt()).isEqualTo(secondId);
            assertThat(http.post("/subjects/restart-d/versions", RegistryHttp.schemaBody(first)).json().path("id").asInt())
                    .isEqualTo(firstId);
            String third = "{\"type\":\"record\",\"name\":\"Restart3\",\"namespace\":\"t\",\"fields\":[]}";
            int thirdId = http.post("/subjects/restart-e/versions", RegistryHttp.schemaBody(third)).json().path("id").asInt();
            assertThat(thirdId).isGreaterThan(Math.max(firstId, secondId));
        }
    }
}
