package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.reachwatch.embedded.EmbeddedKafkaBroker;

/** When Kafka is down, writes fail with Confluent's store error and nothing already stored is lost. */
class KafkaOutageIT {
    static final String A = "{\"type\":\"record\",\"name\":\"OutageA\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    static final String B = "{\"type\":\"record\",\"name\":\"OutageB\",\"namespace\":\"t\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}";
    static final String C = "{\"type\":\"record\",\"name\":\"OutageC\",\"namespace\":\"t\",\"fields\":[{\"name\":\"c\",\"type\":\"int\"}]}";

    @Test
    void writeDuringOutageAnswers50001ReadsKeepWorkingAndIdsStayUniqueAfterRecovery() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             SchemaRegistryServer server = SchemaRegistryServer.start(broker.bootstrapServers(), 0, Duration.ofSeconds(3))) {
            RegistryHttp http = new RegistryHttp(server.url());
            int a = http.post("/subjects/outage-a/versions", RegistryHttp.schemaBody(A)).json().path("id").asInt();

            broker.stop();
            RegistryHttp.Answer failed = http.post("/subjects/outage-b/versions", RegistryHttp.schemaBody(B));
            assertThat(failed.status()).as(failed.body()).isEqualTo(500);
            assertThat(failed.errorCode()).isEqualTo(50001);
            assertThat(failed.json().path("message").asText()).contains("schema topic");
            // Reads are served from memory while Kafka is away.
            assertThat(http.get("/schemas/ids/" + a).status()).isEqualTo(200);

            broker.restart();
            RegistryHttp.Answer retried = http.post("/subjects/outage-b/versions", RegistryHttp.schemaBody(B));
            assertThat(retried.status()).as(retried.body()).isEqualTo(200);
            int b = retried.json().path("id").asInt();
            int c = http.post("/subjects/outage-c/versions", RegistryHttp.schemaBody(C)).json().path("id").asInt();
            assertThat(b).isNotEqualTo(a);
            assertThat(c).isNotIn(a, b);
            assertThat(http.get("/subjects/outage-b/versions").json().toString()).isEqualTo("[1]");

            try (SchemaRegistryServer restarted = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
                RegistryHttp again = new RegistryHttp(restarted.url());
                assertThat(again.get("/subjects/outage-a/versions/latest").json().path("id").asInt()).isEqualTo(a);
                assertThat(again.get("/subjects/outage-b/versions/latest").json().path("id").asInt()).isEqualTo(b);
                assertThat(again.get("/subjects/outage-c/versions/latest").json().path("id").asInt()).isEqualTo(c);
            }
        }
    }
}
