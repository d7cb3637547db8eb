package org.reachwatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.avro.ServiceOutageEventType;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * Two detector instances (one application id, the input's six partitions split between them), each
 * with its API: a country's status asked of the instance that does not hold it is forwarded to the
 * one that does; incidents, timelines, windows and service outages are answered by either; errors are
 * JSON; the metrics of both instances add up to what was published.
 */
class ApiClusterIT {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    private static final List<String> NETWORKS = List.of("AS17557", "AS24499", "AS59257", "AS45595");
    private static final Instant BLOCK = T0.plus(Duration.ofMinutes(60));
    private static final Instant PARTIAL = T0.plus(Duration.ofMinutes(150));
    private static final Instant REBLOCK = T0.plus(Duration.ofMinutes(240));
    private static final Instant RESTORE = T0.plus(Duration.ofMinutes(330));
    private static final Instant END = T0.plus(Duration.ofMinutes(420));
    private static final List<String> CANDIDATES = List.of("PK", "IN", "BD", "IR", "TR", "RU", "CN", "KE", "EG", "NG", "BR",
            "ET", "MM", "VN", "ID", "TH", "UG", "TZ", "SD", "IQ");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedKafkaBroker broker;
    private static SchemaRegistryServer registry;

    @BeforeAll
    static void startCluster() {
        broker = EmbeddedKafkaBroker.start();
        registry = SchemaRegistryServer.start(broker.bootstrapServers(), 0);
    }

    @AfterAll
    static void stopCluster() {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void eitherInstanceAnswersForwardingStatusToTheInstanceHoldingTheCountry(@TempDir Path state) throws Exception {
        DetectorTopics topics = DetectorTopics.defaults(registry.url());
        DetectorSettings settings = DetectorSettings.defaultSettings();
        try (Instance a = Instance.start(topics, settings, state.resolve("a"));
             Instance b = Instance.start(topics, settings, state.resolve("b"))) {
            awaitSplit(a, b);
            String blocked = ownedBy(a, b.server.applicationServer());
            String quiet = ownedBy(a, a.server.applicationServer());

            List<ProbeMeasurement> fleet = new ArrayList<>(fleet(blocked, true));
            fleet.addAll(fleet(quiet, false));
            fleet.sort(Comparator.comparing(ProbeMeasurement::getStartTime));
            publish(topics, fleet);
            publishGarbage(topics, blocked);
            a.app.sendEndOfInput(fleet.get(fleet.size() - 1).getStartTime(), settings);
            a.app.awaitCaughtUp(Duration.ofMinutes(3));
            String incidentId = blocked + "-x.com-20240217T2100Z";
            JsonNode detail = awaitJson(a, "/api/v1/incidents/" + incidentId, n -> n.path("events").size() >= 4);

            // The timeline: one incident, its whole story in order, each event the contract's JSON.
            assertThat(field(detail.path("events"), "type")).containsExactly("DISRUPTION_STARTED",
                    "PARTIAL_RESTORATION", "REBLOCKED", "RESTORED");
            assertThat(detail.path("events").get(0).path("eventId").asText()).startsWith(incidentId + "/");
            assertThat(detail.path("events").get(1).path("at").asText()).isEqualTo(PARTIAL.toString());
            assertThat(detail.path("state").asText()).isEqualTo("RESTORED");
            assertThat(detail.path("at").asText()).isEqualTo(BLOCK.toString());
            assertThat(get(b, "/api/v1/incidents/" + incidentId).body()).isEqualTo(get(a, "/api/v1/incidents/" + incidentId).body());

            // Status of the blocked country: held by b; asked of a, forwarded there.
            HttpResponse<String> viaA = get(a, "/api/v1/status/" + blocked.toLowerCase(java.util.Locale.ROOT));
            assertThat(viaA.statusCode()).isEqualTo(200);
            JsonNode status = JSON.readTree(viaA.body());
            assertThat(status.path("servedBy").asText()).isEqualTo(b.server.applicationServer());
            assertThat(viaA.headers().firstValue(DetectorBackend.SERVED_BY_HEADER)).contains(b.server.applicationServer());
            JsonNode x = target(status, "x.com");
            assertThat(x.path("verdict").asText()).isEqualTo("RESTORED");
            assertThat(x.path("incidentId").asText()).isEqualTo(incidentId);
            assertThat(x.path("latestWindow").path("measurements").asInt()).isPositive();
            assertThat(field(x.path("networks"), "asn")).containsExactlyInAnyOrderElementsOf(NETWORKS);
            assertThat(target(status, "*").path("verdict").asText()).isEqualTo("NORMAL");
            assertThat(JSON.readTree(get(b, "/api/v1/status/" + blocked).body()).path("servedBy").asText())
                    .isEqualTo(b.server.applicationServer());
            JsonNode quietStatus = JSON.readTree(get(b, "/api/v1/status/" + quiet).body());
            assertThat(quietStatus.path("servedBy").asText()).isEqualTo(a.server.applicationServer());
            assertThat(target(quietStatus, "x.com").path("incidentId").isNull()).isTrue();

            // Lists and filters, from either instance.
            assertThat(field(JSON.readTree(get(b, "/api/v1/incidents?state=all").body()).path("incidents"), "incidentId"))
                    .containsExactly(incidentId);
            assertThat(field(JSON.readTree(get(a, "/api/v1/incidents?state=open&country=" + blocked).body()).path("incidents"),
                    "state")).containsExactly("RESTORED");
            assertThat(JSON.readTree(get(a, "/api/v1/incidents?state=closed").body()).path("incidents")).isEmpty();
            assertThat(JSON.readTree(get(a, "/api/v1/incidents?country=" + quiet).body()).path("incidents")).isEmpty();

            // Windows: 5-minute country series, a network's, a range.
            JsonNode windows = JSON.readTree(get(b, "/api/v1/windows?country=" + blocked + "&target=x.com").body()).path("windows");
            assertThat(windows.size()).isBetween(80, 85);
            assertThat(field(windows, "asn")).containsOnly("null");
            JsonNode during = JSON.readTree(get(a, "/api/v1/windows?country=" + blocked + "&target=x.com&asn=AS59257&from="
                    + BLOCK.plus(Duration.ofMinutes(5)) + "&to=" + BLOCK.plus(Duration.ofMinutes(20))).body()).path("windows");
            assertThat(field(during, "windowStart")).containsExactly("2024-02-17T21:05:00Z", "2024-02-17T21:10:00Z",
                    "2024-02-17T21:15:00Z");
            assertThat(field(during, "asn")).containsOnly("AS59257");
            assertThat(during.findValues("availability")).allSatisfy(v -> assertThat(v.asDouble()).isZero());

            // Speeds: each window's median download speed; the controls' windows for the speed chart's comparison line.
            JsonNode before = JSON.readTree(get(a, "/api/v1/windows?country=" + blocked + "&target=x.com&to=" + BLOCK).body())
                    .path("windows");
            assertThat(before).hasSize(12);
            assertThat(before.findValues("medianThroughputBytesPerSecond")).allSatisfy(v -> assertThat(v.asDouble()).isEqualTo(270_000.0));
            assertThat(before.findValues("control")).allSatisfy(v -> assertThat(v.asBoolean()).isFalse());
            assertThat(windows.get(25).path("medianThroughputBytesPerSecond").isNull()).as("blocked everywhere: no speed").isTrue();
            JsonNode controls = JSON.readTree(get(b, "/api/v1/windows?country=" + blocked + "&control=true").body()).path("windows");
            assertThat(controls.size()).isEqualTo(windows.size());
            assertThat(field(controls, "target")).containsOnly("example.com");
            assertThat(field(controls, "asn")).containsOnly("null");
            assertThat(controls.findValues("control")).allSatisfy(v -> assertThat(v.asBoolean()).isTrue());
            assertThat(controls.findValues("medianThroughputBytesPerSecond")).allSatisfy(v -> assertThat(v.asDouble())
                    .isEqualTo(1_020_000.0));
            assertThat(field(JSON.readTree(get(a, "/api/v1/windows?country=" + blocked + "&control=true&asn=*&from=" + BLOCK
                    + "&to=" + BLOCK.plus(Duration.ofMinutes(5))).body()).path("windows"), "asn"))
                    .containsExactly("null", "AS17557", "AS24499", "AS45595", "AS59257");
            assertThat(JSON.readTree(get(a, "/api/v1/windows?country=" + blocked + "&target=x.com&control=true").body())
                    .path("windows")).isEmpty();

            assertServiceOutages(topics, a, b);

            // Errors: JSON bodies with a message.
            assertError(get(a, "/api/v1/incidents/PK-nothing-20240101T0000Z"), 404, "no incident with id");
            assertError(get(a, "/api/v1/incidents?state=maybe"), 400, "state must be open, closed or all");
            assertError(get(a, "/api/v1/service-outages/nothing.org-20240101T0000Z"), 404, "no service outage with id");
            assertError(get(b, "/api/v1/service-outages?state=ended"), 400, "state must be open, closed or all");
            assertError(get(a, "/api/v1/status/Pakistan"), 400, "ISO 3166-1 alpha-2");
            assertError(get(a, "/api/v1/windows?country=PK"), 400, "target is required");
            assertError(get(a, "/api/v1/windows?country=PK&target=x.com&from=yesterday"), 400, "from must be an ISO-8601");
            assertError(get(a, "/api/v1/windows?country=PK&control=maybe"), 400, "control must be true or false");
            assertError(get(a, "/api/v1/windows?country=PK&control=false"), 400, "target is required");
            assertError(get(a, "/api/v1/windows?country=PK&target=x.com&asn=17557x"), 400, "asn must look like AS17557");
            assertError(get(b, "/api/v1/status/ZW"), 404, "no tracker for country ZW");
            assertError(get(a, "/api/v2/anything"), 404, "no such resource");

            // Health: both instances, each with its partitions.
            JsonNode health = JSON.readTree(get(a, "/health").body());
            assertThat(health.path("status").asText()).isEqualTo("UP");
            assertThat(health.path("registry").asText()).isEqualTo("UP");
            assertThat(field(health.path("instances"), "server"))
                    .containsExactlyInAnyOrder(a.server.applicationServer(), b.server.applicationServer());

            // Metrics: each instance reports its own tasks; together, everything published.
            String metricsA = get(a, "/metrics").body();
            String metricsB = get(b, "/metrics").body();
            assertThat(metric(metricsA, "reachwatch_measurements_total", "") + metric(metricsB, "reachwatch_measurements_total", ""))
                    .isEqualTo(fleet.size());
            assertThat(metric(metricsB, "reachwatch_events_total", "type=\"REBLOCKED\"")).isEqualTo(1);
            assertThat(metric(metricsB, "reachwatch_dead_letters_total", "reason=\"undeserializable\"")).isEqualTo(1);
            assertThat(metric(metricsA, "reachwatch_events_total", "type=\"REBLOCKED\"")).isZero();
            assertThat(metric(metricsA, "reachwatch_dead_letters_total", "reason=\"mis-keyed\"")).isZero();
            assertThat(metric(metricsB, "reachwatch_open_incidents", "cause=\"CENSORSHIP\"")).isEqualTo(1);
            assertThat(metric(metricsA, "reachwatch_open_incidents", "cause=\"CENSORSHIP\"")).isZero();
            assertThat(metric(metricsB, "reachwatch_window_close_event_lag_seconds", "")).isBetween(0.0, 600.0);
            assertThat(metric(metricsA, "reachwatch_consumer_lag_records", "topic=\"probe.measurements\"")).isZero();
            assertThat(metricsA).contains("kafka_stream_thread_process_total");
        }
    }

    /**
     * Service outages as the second stage publishes them (this fleet makes none: one blocked country):
     * x.com in four countries, ended, its STARTED published twice; y.org in three, open.
     */
    private static void assertServiceOutages(DetectorTopics topics, Instance a, Instance b) throws Exception {
        String x = "x.com-20240217T2100Z";
        String y = "y.org-20240217T2300Z";
        ServiceOutageEvent xStarted = outageEvent(x, "x.com", ServiceOutageEventType.SERVICE_OUTAGE_STARTED, BLOCK,
                outageCountry("IN", "IN-x.com-20240217T2050Z"), outageCountry("PK", null), outageCountry("TR", "TR-x.com-20240217T2100Z"));
        ServiceOutageEvent yStarted = outageEvent(y, "y.org", ServiceOutageEventType.SERVICE_OUTAGE_STARTED, REBLOCK,
                outageCountry("EG", "EG-y.org-20240217T2300Z"), outageCountry("IR", "IR-y.org-20240217T2255Z"),
                outageCountry("KE", "KE-y.org-20240217T2300Z"));
        ServiceOutageEvent xEnded = outageEvent(x, "x.com", ServiceOutageEventType.SERVICE_OUTAGE_ENDED, RESTORE,
                outageCountry("BD", "BD-x.com-20240217T2130Z"), outageCountry("IN", "IN-x.com-20240217T2050Z"),
                outageCountry("PK", "PK-x.com-20240217T2105Z"), outageCountry("TR", "TR-x.com-20240217T2100Z"));
        publishServiceOutages(topics, List.of(xStarted, yStarted, xStarted, xEnded));
        for (Instance i : List.of(a, b)) {
            awaitJson(i, "/api/v1/service-outages/" + x, n -> n.path("state").asText().equals("CLOSED"));
        }

        assertThat(field(JSON.readTree(get(a, "/api/v1/service-outages").body()).path("serviceOutages"), "outageId"))
                .as("open first").containsExactly(y, x);
        JsonNode closed = JSON.readTree(get(a, "/api/v1/service-outages?state=closed").body()).path("serviceOutages");
        assertThat(field(closed, "outageId")).containsExactly(x);
        JsonNode ended = closed.get(0);
        assertThat(ended.path("target").asText()).isEqualTo("x.com");
        assertThat(ended.path("state").asText()).isEqualTo("CLOSED");
        assertThat(ended.path("start").asText()).isEqualTo(BLOCK.toString());
        assertThat(ended.path("end").asText()).isEqualTo(RESTORE.toString());
        assertThat(field(ended.path("countries"), "country")).containsExactly("BD", "IN", "PK", "TR");
        assertThat(field(ended.path("countries"), "incidentId")).containsExactly("BD-x.com-20240217T2130Z",
                "IN-x.com-20240217T2050Z", "PK-x.com-20240217T2105Z", "TR-x.com-20240217T2100Z");
        assertThat(field(ended.path("events"), "eventId")).as("the STARTED published twice is kept once")
                .containsExactly(xStarted.getEventId(), xEnded.getEventId());
        assertThat(ended.path("events").get(0).path("countries").get(1).path("incidentId").isNull()).isTrue();

        JsonNode open = JSON.readTree(get(b, "/api/v1/service-outages?state=OPEN").body()).path("serviceOutages");
        assertThat(field(open, "outageId")).containsExactly(y);
        assertThat(open.get(0).path("state").asText()).isEqualTo("OPEN");
        assertThat(open.get(0).path("start").asText()).isEqualTo(REBLOCK.toString());
        assertThat(open.get(0).path("end").isNull()).isTrue();
        assertThat(field(open.get(0).path("countries"), "country")).containsExactly("EG", "IR", "KE");
        assertThat(field(open.get(0).path("events"), "type")).containsExactly("SERVICE_OUTAGE_STARTED");

        assertThat(field(JSON.readTree(get(b, "/api/v1/service-outages?target=x.com").body()).path("serviceOutages"), "outageId"))
                .containsExactly(x);
        assertThat(JSON.readTree(get(a, "/api/v1/service-outages?state=open&target=x.com").body()).path("serviceOutages")).isEmpty();
        HttpResponse<String> detail = get(b, "/api/v1/service-outages/" + x);
        assertThat(detail.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(detail.body())).isEqualTo(ended);
        assertThat(detail.body()).isEqualTo(get(a, "/api/v1/service-outages/" + x).body());
    }

    private static ServiceOutageEvent outageEvent(String outageId, String target, ServiceOutageEventType type, Instant at,
                                                  ServiceOutageCountry... countries) {
        return ServiceOutageEvent.newBuilder().setEventId(outageId + "/" + type + "/" + at.toEpochMilli()).setOutageId(outageId)
                .setType(type).setTarget(target).setAt(at).setDetectedAt(at.plus(Duration.ofMinutes(22)))
                .setCountries(List.of(countries)).build();
    }

    private static ServiceOutageCountry outageCountry(String country, String incidentId) {
        return ServiceOutageCountry.newBuilder().setCountry(country).setIncidentId(incidentId).build();
    }

    /** Events on service.outages as the detector writes them: keyed by target, Avro through the registry. */
    private static void publishServiceOutages(DetectorTopics topics, List<ServiceOutageEvent> events) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, ServiceOutageEvent> producer = new KafkaProducer<>(config,
                topics.serviceOutages().keySerde().serializer(), topics.serviceOutages().valueSerde().serializer())) {
            for (ServiceOutageEvent e : events) {
                producer.send(new ProducerRecord<>(topics.serviceOutages().name(), e.getTarget(), e));
            }
            producer.flush();
        }
    }

    private static void assertError(HttpResponse<String> response, int status, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("error").asText()).contains(message);
        assertThat(body.path("status").asInt()).isEqualTo(status);
    }

    /** The field {@code name} of each element of an array, as text ("null" for a JSON null). */
    private static List<String> field(JsonNode array, String name) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(name).asText()));
        return out;
    }

    private static JsonNode target(JsonNode status, String target) {
        for (JsonNode t : status.path("targets")) {
            if (t.path("target").asText().equals(target)) {
                return t;
            }
        }
        throw new AssertionError("no target " + target + " in " + status);
    }

    /** The value of one Prometheus sample ({@code name{...labels...} value}), NaN when absent. */
    static double metric(String scrape, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        while (m.find()) {
            if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return Double.NaN;
    }

    private static HttpResponse<String> get(Instance i, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + i.server.applicationServer() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitJson(Instance i, String path, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = get(i, path);
            if (r.statusCode() == 200) {
                JsonNode n = JSON.readTree(r.body());
                if (done.test(n)) {
                    return n;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no answer to " + path + " in time; last: " + r.statusCode() + " " + r.body());
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
        }
    }

    /** Waits until both instances run and each holds some of the input's partitions. */
    private static void awaitSplit(Instance a, Instance b) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            boolean running = a.app.streams().state() == KafkaStreams.State.RUNNING
                    && b.app.streams().state() == KafkaStreams.State.RUNNING;
            var clients = a.app.streams().metadataForAllStreamsClients();
            boolean split = clients.size() == 2 && clients.stream().allMatch(c -> c.topicPartitions().stream()
                    .anyMatch(tp -> tp.topic().equals(TopicNames.MEASUREMENTS)));
            if (running && split) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the two instances did not split the partitions: " + clients);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
        }
    }

    /** A country whose trackers the instance at {@code server} holds. */
    private static String ownedBy(Instance any, String server) {
        for (String country : CANDIDATES) {
            var md = any.backend.owner(country);
            if ((md.activeHost().host() + ":" + md.activeHost().port()).equals(server)) {
                return country;
            }
        }
        throw new AssertionError("no candidate country is held by " + server);
    }

    /** Every probe of four networks measures x.com and a control every minute; x.com blocked like Pakistan in 2024 when asked. */
    private static List<ProbeMeasurement> fleet(String country, boolean censored) {
        List<ProbeMeasurement> out = new ArrayList<>();
        for (Instant t = T0; t.isBefore(END); t = t.plus(Duration.ofMinutes(1))) {
            for (String asn : NETWORKS) {
                for (int p = 0; p < 5; p++) {
                    String probe = country + "-" + asn + "-p" + p;
                    boolean partlyBack = !t.isBefore(PARTIAL) && t.isBefore(REBLOCK) && Set.of("AS17557", "AS24499").contains(asn);
                    boolean block = censored && !t.isBefore(BLOCK) && t.isBefore(RESTORE) && !partlyBack;
                    // Speeds by probe: medians 270 kB/s for x.com, 1,020 kB/s for the control.
                    out.add(measurement(probe + "-x.com-" + t.toEpochMilli(), country, asn, "x.com", false, probe, t, block,
                            250_000.0 + 10_000 * p));
                    out.add(measurement(probe + "-example.com-" + t.toEpochMilli(), country, asn, "example.com", true, probe, t, false,
                            1_000_000.0 + 10_000 * p));
                }
            }
        }
        return out;
    }

    private static ProbeMeasurement measurement(String id, String country, String asn, String target, boolean control,
                                                String probe, Instant at, boolean blocked, double bytesPerSecond) {
        return ProbeMeasurement.newBuilder()
                .setMeasurementId(id).setProbeId(probe).setCountry(country).setAsn(asn).setTarget(target)
                .setControl(control).setStartTime(at).setSource(MeasurementSource.SIMULATOR)
                .setOutcome(blocked ? MeasurementOutcome.UNREACHABLE : MeasurementOutcome.REACHABLE)
                .setBlockingMethod(blocked ? BlockingMethod.TLS : BlockingMethod.NONE)
                .setThroughputBytesPerSecond(blocked ? null : bytesPerSecond)
                .build();
    }

    private static void publish(DetectorTopics topics, List<ProbeMeasurement> fleet) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, registry.url(), false).serializer())) {
            for (ProbeMeasurement m : fleet) {
                producer.send(new ProducerRecord<>(topics.measurements().name(), TopicNames.partitionKey(m.getCountry()), m));
            }
            producer.flush();
        }
    }

    /** One record that is not Avro: a dead letter. */
    private static void publishGarbage(DetectorTopics topics, String country) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.measurements().name(), TopicNames.partitionKey(country),
                    new byte[] {1, 2, 3}));
            producer.flush();
        }
    }

    /** One detector instance with its API server, as {@code detect} runs them. */
    private record Instance(ApiServer server, DetectorApp app, DetectorBackend backend) implements AutoCloseable {
        static Instance start(DetectorTopics topics, DetectorSettings settings, Path state) throws Exception {
            ApiServer server = ApiServer.start("127.0.0.1", 0, "127.0.0.1");
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.applicationServer());
            DetectorApp app = DetectorApp.start(broker.bootstrapServers(), topics, settings, "api-cluster-it",
                    Files.createDirectories(state), props, Duration.ofSeconds(90));
            DetectorBackend backend = ApiService.backend(app, broker.bootstrapServers(), Map.of(), server.advertised(), settings,
                    ApiService.DEFAULT_WINDOWS_PER_SERIES);
            server.attach(backend);
            return new Instance(server, app, backend);
        }

        @Override
        public void close() {
            server.close();
            app.close();
        }
    }
}
