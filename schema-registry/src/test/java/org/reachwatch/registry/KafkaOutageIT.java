package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.reachwatch.embedded.EmbeddedKafkaBroker;

/**
 * When Kafka is down, writes time out with Confluent's 50002 and nothing already stored is lost;
 * reads of what the registry holds are answered at once, however many writes wait on Kafka.
 */
class KafkaOutageIT {
    static final String A = "{\"type\":\"record\",\"name\":\"OutageA\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    static final String B = "{\"type\":\"record\",\"name\":\"OutageB\",\"namespace\":\"t\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}";
    static final String C = "{\"type\":\"record\",\"name\":\"OutageC\",\"namespace\":\"t\",\"fields\":[{\"name\":\"c\",\"type\":\"int\"}]}";

    @Test
    void readsAreAnsweredAtOnceWhileWritesWaitOnAnAbsentBrokerAndTheWritesTimeOut() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             SchemaRegistryServer server = SchemaRegistryServer.start(broker.bootstrapServers(), 0, Duration.ofSeconds(3))) {
            RegistryHttp http = new RegistryHttp(server.url());
            int a = http.post("/subjects/outage-a/versions", RegistryHttp.schemaBody(A)).json().path("id").asInt();
            broker.stop();

            ExecutorService writers = Executors.newFixedThreadPool(12);
            List<Future<RegistryHttp.Answer>> writes = new ArrayList<>();
            List<Long> writeMillis = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 12; i++) {
                String schema = B.replace("OutageB", "OutageW" + i);
                writes.add(writers.submit(() -> {
                    long t = System.nanoTime();
                    RegistryHttp.Answer answer = http.post("/subjects/outage-w/versions", RegistryHttp.schemaBody(schema));
                    writeMillis.add((System.nanoTime() - t) / 1_000_000);
                    return answer;
                }));
            }
            long slowestRead = 0;
            int readsWhileWriting = 0;
            List<String> readAnswers = new ArrayList<>();
            while (writes.stream().anyMatch(f -> !f.isDone())) {
                long t = System.nanoTime();
                readAnswers.add(http.get("/schemas/ids/" + a).status() + " "
                        + http.get("/subjects/outage-a/versions/latest").json().path("id").asInt() + " "
                        // Re-registering a schema that is already there is a read, not a write.
                        + http.post("/subjects/outage-a/versions", RegistryHttp.schemaBody(A)).json().path("id").asInt());
                slowestRead = Math.max(slowestRead, (System.nanoTime() - t) / 1_000_000);
                readsWhileWriting++;
            }
            writers.shutdown();

            System.out.printf("registry during a broker outage: %d read rounds while 12 writes waited, slowest %d ms; "
                    + "writes answered in %s ms%n", readsWhileWriting, slowestRead, writeMillis);
            assertThat(readAnswers).containsOnly("200 " + a + " " + a);
            assertThat(readsWhileWriting).isGreaterThanOrEqualTo(5);
            assertThat(slowestRead).as("a read round (3 calls) while writes wait on Kafka, ms").isLessThan(1_000);
            for (Future<RegistryHttp.Answer> write : writes) {
                RegistryHttp.Answer answer = write.get();
                assertThat(answer.status()).as(answer.body()).isEqualTo(500);
                assertThat(answer.errorCode()).as(answer.body()).isEqualTo(50002);
                assertThat(answer.json().path("message").asText()).contains("timed out");
            }
            // 3 s store timeout: each write waits at most that for its turn and that again for Kafka.
            assertThat(writeMillis).allSatisfy(ms -> assertThat(ms).isLessThan(8_000));
        }
    }

    @Test
    void writeDuringOutageAnswers50001ReadsKeepWorkingAndIdsStayUniqueAfterRecovery() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             SchemaRegistryServer server = SchemaRegistryServer.start(broker.bootstrapServers(), 0, Duration.ofSeconds(3))) {
            RegistryHttp http = new RegistryHttp(server.url());
            int a = http.post("/subjects/outage-a/versions", RegistryHttp.schemaBody(A)).json().path("id").asInt();

            broker.stop();
            RegistryHttp.Answer failed = http.post("/subjects/outage-b/versions", RegistryHttp.schemaBody(B));
            assertThat(failed.status()).as(failed.body()).isEqualTo(500);
            assertThat(failed.errorCode()).isEqualTo(50002);
            assertThat(failed.json().path("message").asText()).contains("timed out").contains("schema topic");
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
