package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reachwatch.embedded.EmbeddedKafkaBroker;

/**
 * Every endpoint and error code against the answers Confluent's Schema Registry gives. Each test
 * uses its own subjects, so the tests share one broker and one server.
 */
class RestConformanceIT {
    static final String V1 = record("Thing", "{\"name\":\"a\",\"type\":\"int\"}");
    /** V1 plus a field with a default: BACKWARD and FORWARD compatible with V1. */
    static final String V2 = record("Thing", "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
    /** V1's field changed to a string: compatible with nothing before it. */
    static final String INCOMPATIBLE = record("Thing", "{\"name\":\"a\",\"type\":\"string\"}");
    /** A new field without a default: FORWARD but not BACKWARD compatible with V1. */
    static final String ADDS_REQUIRED = record("Thing", "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"long\"}");
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer server;
    static RegistryHttp http;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        server = SchemaRegistryServer.start(broker.bootstrapServers(), 0);
        http = new RegistryHttp(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
        broker.close();
    }

    static String record(String name, String fields) {
        return "{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"conformance\",\"fields\":[" + fields + "]}";
    }

    static int register(String subject, String schema) {
        RegistryHttp.Answer answer = http.post("/subjects/" + subject + "/versions", RegistryHttp.schemaBody(schema));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("id").asInt();
    }

    static void assertError(RegistryHttp.Answer answer, int status, int errorCode) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.errorCode()).as(answer.body()).isEqualTo(errorCode);
        assertThat(answer.json().path("message").asText()).isNotBlank();
        assertThat(answer.contentType()).isEqualTo(CONTENT_TYPE);
    }

    @Test
    void registerAnswersOnlyTheIdAndAcceptsPlainJsonAndNormalize() {
        RegistryHttp.Answer answer = http.postPlainJson("/subjects/reg-value/versions?normalize=false",
                "{\"schemaType\":\"AVRO\",\"schema\":" + RegistryHttp.JSON.valueToTree(V1) + "}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(answer.json().fieldNames()).toIterable().containsExactly("id");
        int id = answer.json().path("id").asInt();
        assertThat(http.post("/subjects/reg-value/versions?normalize=true", RegistryHttp.schemaBody(V1)).json().path("id").asInt())
                .isEqualTo(id);
        assertThat(http.get("/subjects/reg-value/versions").json().toString()).isEqualTo("[1]");
    }

    @Test
    void newCompatibleVersionGetsNextVersionAndNewId() {
        int first = register("evolve-value", V1);
        int second = register("evolve-value", V2);
        assertThat(second).isNotEqualTo(first);
        assertThat(http.get("/subjects/evolve-value/versions").json().toString()).isEqualTo("[1,2]");
        RegistryHttp.Answer v1 = http.get("/subjects/evolve-value/versions/1");
        assertThat(v1.json().path("id").asInt()).isEqualTo(first);
        assertThat(v1.json().path("version").asInt()).isEqualTo(1);
        RegistryHttp.Answer latest = http.get("/subjects/evolve-value/versions/latest");
        assertThat(latest.json().path("version").asInt()).isEqualTo(2);
        assertThat(latest.json().path("id").asInt()).isEqualTo(second);
        assertThat(http.get("/subjects/evolve-value/versions/-1").json().path("version").asInt()).isEqualTo(2);
    }

    @Test
    void incompatibleSchemaIsRefusedWith409AndNotStored() {
        register("incompat-value", V1);
        assertError(http.post("/subjects/incompat-value/versions", RegistryHttp.schemaBody(INCOMPATIBLE)), 409, 409);
        assertThat(http.get("/subjects/incompat-value/versions").json().toString()).isEqualTo("[1]");
    }

    @Test
    void invalidSchemaAndNonAvroTypeAreRefusedWith42201() {
        assertError(http.post("/subjects/invalid-value/versions", RegistryHttp.schemaBody("{\"type\":\"recrd\"}")), 422, 42201);
        assertError(http.post("/subjects/invalid-value/versions", RegistryHttp.schemaBody("not json")), 422, 42201);
        assertError(http.post("/subjects/invalid-value/versions",
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\"; message M {}\"}"), 422, 42201);
        // A default that does not match its type is an invalid schema too.
        assertError(http.post("/subjects/invalid-value/versions",
                RegistryHttp.schemaBody(record("Bad", "{\"name\":\"a\",\"type\":\"int\",\"default\":\"text\"}"))), 422, 42201);
        assertError(http.get("/subjects/invalid-value/versions"), 404, 40401);
    }

    @Test
    void versionEndpointsAnswerConfluentShapesAndErrors() {
        int id = register("ver-value", V1);
        RegistryHttp.Answer v1 = http.get("/subjects/ver-value/versions/1");
        assertThat(v1.json().fieldNames()).toIterable().containsExactlyInAnyOrder("subject", "id", "version", "schema");
        assertThat(v1.json().path("subject").asText()).isEqualTo("ver-value");
        assertThat(v1.json().path("id").asInt()).isEqualTo(id);
        RegistryHttp.Answer raw = http.get("/subjects/ver-value/versions/latest/schema");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(new Schema.Parser().parse(raw.body())).isEqualTo(new Schema.Parser().parse(V1));
        assertThat(new Schema.Parser().parse(v1.json().path("schema").asText())).isEqualTo(new Schema.Parser().parse(V1));
        assertError(http.get("/subjects/ver-value/versions/7"), 404, 40402);
        assertError(http.get("/subjects/ver-value/versions/zero"), 422, 42202);
        assertError(http.get("/subjects/nobody-value/versions/1"), 404, 40401);
        assertError(http.get("/subjects/nobody-value/versions/latest"), 404, 40401);
    }

    @Test
    void lookupFindsRegisteredSchemaAndDistinguishesUnknownSubjectFromUnknownSchema() {
        int id = register("lookup-value", V1);
        RegistryHttp.Answer found = http.post("/subjects/lookup-value?normalize=false", RegistryHttp.schemaBody(V1));
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().path("subject").asText()).isEqualTo("lookup-value");
        assertThat(found.json().path("id").asInt()).isEqualTo(id);
        assertThat(found.json().path("version").asInt()).isEqualTo(1);
        assertThat(found.json().path("schema").asText()).isNotBlank();
        assertError(http.post("/subjects/lookup-value", RegistryHttp.schemaBody(V2)), 404, 40403);
        assertError(http.post("/subjects/lookup-nobody", RegistryHttp.schemaBody(V1)), 404, 40401);
        assertError(http.post("/subjects/lookup-value", RegistryHttp.schemaBody("{")), 422, 42201);
    }

    @Test
    void schemaByIdAnswersTheSchemaAndAcceptsSubjectParameter() {
        int id = register("byid-value", V1);
        RegistryHttp.Answer answer = http.get("/schemas/ids/" + id + "?subject=byid-value");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().fieldNames()).toIterable().containsExactly("schema");
        assertThat(new Schema.Parser().parse(answer.json().path("schema").asText())).isEqualTo(new Schema.Parser().parse(V1));
        assertError(http.get("/schemas/ids/987654"), 404, 40403);
    }

    @Test
    void subjectsListAndSoftDeleteReturnTheDeletedVersions() {
        register("del-value", V1);
        register("del-value", V2);
        assertThat(http.get("/subjects").json().toString()).contains("\"del-value\"");
        RegistryHttp.Answer deleted = http.delete("/subjects/del-value");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().toString()).isEqualTo("[1,2]");
        assertThat(http.get("/subjects").json().toString()).doesNotContain("\"del-value\"");
        assertThat(http.get("/subjects?deleted=true").json().toString()).contains("\"del-value\"");
        assertError(http.get("/subjects/del-value/versions"), 404, 40401);
        assertError(http.delete("/subjects/del-value"), 404, 40404);
        assertError(http.delete("/subjects/never-value"), 404, 40401);
        // Re-registering after a soft delete starts from no live version, so no compatibility check applies.
        register("del-value", INCOMPATIBLE);
        assertThat(http.get("/subjects/del-value/versions").json().toString()).isEqualTo("[3]");
    }

    @Test
    void deletingAVersionHidesItAndPermanentDeleteNeedsASoftDeleteFirst() {
        int first = register("delver-value", V1);
        register("delver-value", V2);
        assertError(http.delete("/subjects/delver-value/versions/1?permanent=true"), 404, 40407);
        RegistryHttp.Answer deleted = http.delete("/subjects/delver-value/versions/1");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("1");
        assertThat(http.get("/subjects/delver-value/versions").json().toString()).isEqualTo("[2]");
        assertThat(http.get("/subjects/delver-value/versions?deleted=true").json().toString()).isEqualTo("[1,2]");
        assertError(http.get("/subjects/delver-value/versions/1"), 404, 40402);
        assertThat(http.get("/subjects/delver-value/versions/1?deleted=true").json().path("id").asInt()).isEqualTo(first);
        assertError(http.delete("/subjects/delver-value/versions/1"), 404, 40406);
        // The id stays readable: records written with it must still deserialize.
        assertThat(http.get("/schemas/ids/" + first).status()).isEqualTo(200);
        assertThat(http.delete("/subjects/delver-value/versions/1?permanent=true").body()).isEqualTo("1");
        assertThat(http.get("/subjects/delver-value/versions?deleted=true").json().toString()).isEqualTo("[2]");
    }

    @Test
    void compatibilityEndpointAnswersAgainstLatestAndASpecificVersion() {
        register("compat-value", V1);
        assertThat(http.post("/compatibility/subjects/compat-value/versions/latest", RegistryHttp.schemaBody(V2)).json()
                .path("is_compatible").asBoolean(false)).isTrue();
        assertThat(http.post("/compatibility/subjects/compat-value/versions/latest", RegistryHttp.schemaBody(INCOMPATIBLE)).json()
                .path("is_compatible").asBoolean(true)).isFalse();
        assertThat(http.post("/compatibility/subjects/compat-value/versions/1", RegistryHttp.schemaBody(ADDS_REQUIRED)).json()
                .path("is_compatible").asBoolean(true)).isFalse();
        assertError(http.post("/compatibility/subjects/compat-value/versions/5", RegistryHttp.schemaBody(V2)), 404, 40402);
        assertError(http.post("/compatibility/subjects/compat-nobody/versions/latest", RegistryHttp.schemaBody(V2)), 404, 40401);
        assertError(http.post("/compatibility/subjects/compat-value/versions/latest", RegistryHttp.schemaBody("[")), 422, 42201);
    }

    @Test
    void globalConfigDefaultsToBackwardAndSubjectConfigIsSeparate() {
        assertThat(http.get("/config").json().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        assertError(http.get("/config/cfg-value"), 404, 40408);
        assertThat(http.get("/config/cfg-value?defaultToGlobal=true").json().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        RegistryHttp.Answer put = http.put("/config/cfg-value", "{\"compatibility\":\"FORWARD\"}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().toString()).isEqualTo("{\"compatibility\":\"FORWARD\"}");
        assertThat(http.get("/config/cfg-value").json().toString()).isEqualTo("{\"compatibilityLevel\":\"FORWARD\"}");
        assertThat(http.get("/config").json().path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertError(http.put("/config/cfg-value", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);

        // FORWARD allows what BACKWARD refuses (a new field without default) and the other way round.
        register("cfg-value", V1);
        assertThat(http.post("/subjects/cfg-value/versions", RegistryHttp.schemaBody(ADDS_REQUIRED)).status()).isEqualTo(200);
        register("cfg-back-value", V1);
        assertError(http.post("/subjects/cfg-back-value/versions", RegistryHttp.schemaBody(ADDS_REQUIRED)), 409, 409);

        assertThat(http.delete("/config/cfg-value").json().toString()).isEqualTo("{\"compatibilityLevel\":\"FORWARD\"}");
        assertError(http.get("/config/cfg-value"), 404, 40408);
        assertError(http.delete("/config/cfg-value"), 404, 40408);
    }

    @Test
    void transitiveLevelsCheckEveryVersionNotOnlyTheLatest() {
        // V1 {a:int}; then {a:int, b:string="x"}; then {b:string="x"} drops a (fine for BACKWARD against the
        // latest) and finally a candidate {a:long...} that latest-only FULL accepts but V1 would not read back.
        String noA = record("Thing", "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
        String aIsLongWithDefault = record("Thing", "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"},"
                + "{\"name\":\"a\",\"type\":\"long\",\"default\":0}");
        for (String subject : new String[] {"trans-plain-value", "trans-all-value"}) {
            http.put("/config/" + subject, "{\"compatibility\":\"" + (subject.contains("plain") ? "FULL" : "FULL_TRANSITIVE") + "\"}");
        }
        String withADefault = record("Thing", "{\"name\":\"a\",\"type\":\"int\",\"default\":1},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");
        for (String subject : new String[] {"trans-plain-value", "trans-all-value"}) {
            register(subject, record("Thing", "{\"name\":\"a\",\"type\":\"int\",\"default\":1}"));
            register(subject, withADefault);
            register(subject, noA);
        }
        // Against noA alone, adding a:long with a default is FULL compatible; against version 1 (a:int), an
        // int reader cannot read a long: only the transitive level sees it.
        assertThat(http.post("/subjects/trans-plain-value/versions", RegistryHttp.schemaBody(aIsLongWithDefault)).status()).isEqualTo(200);
        assertError(http.post("/subjects/trans-all-value/versions", RegistryHttp.schemaBody(aIsLongWithDefault)), 409, 409);
    }

    @Test
    void globalConfigChangeAppliesToSubjectsWithoutTheirOwnAndSurvivesRestart() {
        http.put("/config/keeps-own-value", "{\"compatibility\":\"FORWARD_TRANSITIVE\"}");
        RegistryHttp.Answer put = http.put("/config", "{\"compatibility\":\"NONE\"}");
        try {
            assertThat(put.json().toString()).isEqualTo("{\"compatibility\":\"NONE\"}");
            register("none-value", V1);
            register("none-value", INCOMPATIBLE);
            try (SchemaRegistryServer second = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
                RegistryHttp other = new RegistryHttp(second.url());
                assertThat(other.get("/config").json().path("compatibilityLevel").asText()).isEqualTo("NONE");
                assertThat(other.get("/config/keeps-own-value").json().path("compatibilityLevel").asText())
                        .isEqualTo("FORWARD_TRANSITIVE");
            }
        } finally {
            http.put("/config", "{\"compatibility\":\"BACKWARD\"}");
        }
    }

    @Test
    void concurrentRegistrationsAgreeOnIdsAndNeverShareOneBetweenSchemas() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> new int[] {
                        register("race-shared-" + thread, record("Race", "{\"name\":\"r\",\"type\":\"int\"}")),
                        register("race-own-" + thread, record("Race" + thread, "{\"name\":\"r\",\"type\":\"int\"}"))}));
            }
            Set<Integer> shared = new HashSet<>();
            Set<Integer> own = new HashSet<>();
            for (Future<int[]> result : results) {
                int[] ids = result.get(60, TimeUnit.SECONDS);
                shared.add(ids[0]);
                own.add(ids[1]);
            }
            assertThat(shared).hasSize(1);
            assertThat(own).hasSize(threads).doesNotContainAnyElementsOf(shared);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void associationsAndUnknownPathsAnswer404() {
        assertError(http.get("/associations/resources/-/probe-measurements?resourceType=topic&associationType=value"), 404, 40401);
        assertThat(http.get("/no/such/path").status()).isEqualTo(404);
        assertError(http.post("/subjects/x/versions", "{not json"), 400, 400);
    }
}
