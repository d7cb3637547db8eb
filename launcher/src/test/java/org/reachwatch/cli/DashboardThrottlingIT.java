package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.IncidentPhase;
import org.reachwatch.avro.IncidentState;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.Topic;

/**
 * The dashboard of a running {@code detect}, in a real headless Chromium, on a throttle it has not been
 * able to detect yet: the detector's output topics are written by hand (windows with speeds, the
 * controls' windows, the events and summaries of three incidents, exactly as the detector publishes
 * them), so the page is tested on throttling before the detector emits it. x.com was blocked, partially
 * restored, restored, then throttled (one incident): its card has a speed chart under the availability
 * chart, on the same time axis, with the windows' medians, the controls dashed and the throttled stretch
 * shaded; y.com is blocked (with speeds): no speed chart; z.com is throttled without speed data: no
 * empty box. Leaves a screenshot in {@code target/dashboard-throttle.png}.
 */
class DashboardThrottlingIT {
    private static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    private static final int WINDOWS = 72;
    private static final int BLOCK = 12;
    private static final int PARTIAL = 24;
    private static final int RESTORE = 36;
    private static final int THROTTLE = 40;
    private static final int THROTTLE_END = 60;
    private static final double NORMAL = 2_000_000;
    private static final double SLOW = 20_000;
    private static final Pattern LISTENING = Pattern.compile("status API, dashboard and metrics at (http://\\S+/)");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Per card: its charts in order, the lines and shades of each, its event rows; the table rows; the errors caught. */
    private static final String PAGE_STATE = """
            JSON.stringify({
              errors: window.reachwatchErrors,
              rows: [...document.querySelectorAll('#incidents tr.incident')].map(r => ({id: r.dataset.incident,
                phase: r.querySelector('td.phase').innerText, networks: r.querySelector('td.networks').innerText})),
              cards: [...document.querySelectorAll('#charts .card')].map(c => {
                const chart = cls => {
                  const s = c.querySelector('svg.' + cls);
                  if (!s) return null;
                  const lines = sel => [...s.querySelectorAll(sel)].map(p => ({points: p.getAttribute('points'),
                    stroke: p.getAttribute('stroke'), dash: p.getAttribute('stroke-dasharray'), asn: p.dataset.asn || null}));
                  return {
                    country: lines('polyline.country'), networks: lines('polyline.network'), control: lines('polyline.control'),
                    throttled: [...s.querySelectorAll('rect.phase-throttled')].map(r => ({x: +r.getAttribute('x'),
                      width: +r.getAttribute('width'), fill: r.getAttribute('fill')})),
                    shades: [...s.querySelectorAll('rect')].map(r => r.getAttribute('class')),
                    markers: [...s.querySelectorAll('line.event-marker')].map(m => ({type: m.dataset.type, x: +m.getAttribute('x1')})),
                    ticks: [...s.querySelectorAll('text.speed-tick')].map(t => ({value: +t.dataset.value, y: +t.getAttribute('y'),
                      text: t.textContent}))};
                };
                return {
                  id: c.dataset.incident,
                  svgs: [...c.querySelectorAll('svg')].map(s => s.getAttribute('class')),
                  availability: chart('availability'), speed: chart('speed'),
                  events: [...c.querySelectorAll('tr.event')].map(e => ({type: e.dataset.type,
                    label: e.querySelector('td.event-label').innerText,
                    speed: e.querySelector('td.speed') ? e.querySelector('td.speed').innerText : null,
                    expected: e.querySelector('td.expected') ? e.querySelector('td.expected').innerText : null,
                    throttledOn: e.querySelector('td.throttled-networks') ? e.querySelector('td.throttled-networks').innerText : null}))
                };
              })
            })""";

    @Test
    void aThrottledIncidentGetsASpeedChartUnderItsAvailabilityAndReadableThrottlingSteps(@TempDir Path dir) throws Exception {
        try (DrillCluster cluster = DrillCluster.start();
             DetectorProcess detect = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), dir.resolve("state"),
                     "dashboard-throttling-it", dir.resolve("detect.log"), "--http-port", "0", "--http-host", "127.0.0.1")) {
            detect.awaitRunning(Duration.ofMinutes(2));
            Matcher m = LISTENING.matcher(detect.output());
            assertThat(m.find()).as(detect.tail()).isTrue();
            publishOutput(cluster);

            JsonNode page;
            try (HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("profile"), dir.resolve("chromium.log"))) {
                chromium.navigate(m.group(1));
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (true) {
                    page = JSON.readTree(chromium.evaluate(PAGE_STATE).asText());
                    JsonNode x = card(page, "PK-x.com-");
                    if (page.path("cards").size() == 3 && x != null && x.path("events").size() == 5 && !x.path("speed").isNull()) {
                        break;
                    }
                    assertThat(System.nanoTime()).as("the dashboard never drew the three incidents; last: %s", page).isLessThan(deadline);
                    HeadlessChromium.pause(300);
                }
                chromium.screenshot(Path.of("target", "dashboard-throttle.png"), 1280, 2400);
                assertThat(chromium.errors()).as("browser errors").isEmpty();
            }
            assertThat(page.path("errors")).as("errors the page caught").isEmpty();

            JsonNode x = card(page, "PK-x.com-");
            assertThat(texts(x.path("svgs"))).containsExactly("chart availability", "chart speed");
            JsonNode availability = x.path("availability");
            JsonNode speed = x.path("speed");

            // The bold speed line: a point per window with a speed (none while blocked everywhere), at the availability
            // line's x for the same window, at the window's median read on the chart's own log axis.
            double[][] availabilityPoints = points(availability.path("country"));
            double[][] speedPoints = points(speed.path("country"));
            assertThat(availabilityPoints).hasNumberOfRows(WINDOWS);
            assertThat(speed.path("country")).as("broken where there is no speed").hasSize(2);
            assertThat(speedPoints).hasNumberOfRows(WINDOWS - (PARTIAL - BLOCK));
            int p = 0;
            for (int i = 0; i < WINDOWS; i++) {
                if (countrySpeed(i) == null) {
                    continue;
                }
                assertThat(speedPoints[p][0]).as("x of window %d", i).isEqualTo(availabilityPoints[i][0]);
                assertThat(speedPoints[p][1]).as("y of window %d", i).isCloseTo(yOnAxis(speed, countrySpeed(i) * 8), within(0.2));
                p++;
            }
            assertThat(texts(speed.path("ticks"), "text")).contains("100k", "1M", "10M");

            // Networks in their availability colours; the control line dashed, at the control's country-level median only.
            for (JsonNode line : speed.path("networks")) {
                String asn = line.path("asn").asText();
                assertThat(line.path("stroke").asText()).isEqualTo(network(availability, asn).path("stroke").asText());
            }
            assertThat(texts(speed.path("networks"), "asn")).contains("AS17557", "AS59257");
            assertThat(speed.path("control")).hasSize(1);
            assertThat(speed.path("control").get(0).path("dash").asText()).isNotEmpty();
            double[][] control = points(speed.path("control"));
            assertThat(control).hasNumberOfRows(WINDOWS);
            for (double[] c : control) {
                assertThat(c[1]).isCloseTo(yOnAxis(speed, NORMAL * 8), within(0.2));
            }

            // The throttled stretch: THROTTLING_STARTED to THROTTLING_ENDED, on both charts, not in blocked red or partial amber.
            assertThat(speed.path("throttled")).hasSize(1);
            JsonNode shade = speed.path("throttled").get(0);
            assertThat(shade.path("x").asDouble()).isCloseTo(xAt(availabilityPoints, THROTTLE), within(0.2));
            assertThat(shade.path("x").asDouble() + shade.path("width").asDouble()).isCloseTo(xAt(availabilityPoints, THROTTLE_END),
                    within(0.2));
            assertThat(shade.path("fill").asText()).isNotIn("#d62728", "#ff9f1c");
            assertThat(texts(speed.path("shades"))).containsOnly("phase-throttled");
            assertThat(texts(availability.path("shades"))).containsExactly("phase-blocked", "phase-partial", "phase-throttled");
            assertThat(availability.path("throttled").get(0).path("x").asDouble()).isEqualTo(shade.path("x").asDouble());
            assertThat(texts(availability.path("markers"), "type")).containsExactly("DISRUPTION_STARTED", "PARTIAL_RESTORATION",
                    "RESTORED", "THROTTLING_STARTED", "THROTTLING_ENDED");

            // The timeline: readable steps, speeds given.
            assertThat(texts(x.path("events"), "label")).containsExactly("blocked", "partially restored", "restored", "throttled",
                    "throttling ended");
            JsonNode started = x.path("events").get(3);
            assertThat(started.path("speed").asText()).isEqualTo("160 kbit/s");
            assertThat(started.path("expected").asText()).isEqualTo("16.0 Mbit/s");
            assertThat(started.path("throttledOn").asText()).isEqualTo("AS17557 (160 kbit/s), AS59257 (160 kbit/s)");

            // A blocked target with speeds: no speed chart. A throttled one without speeds: no empty box, the stretch shaded.
            JsonNode y = card(page, "PK-y.com-");
            assertThat(texts(y.path("svgs"))).containsExactly("chart availability");
            assertThat(y.path("events").get(0).path("speed").isNull()).as("no speed columns").isTrue();
            JsonNode z = card(page, "PK-z.com-");
            assertThat(texts(z.path("svgs"))).containsExactly("chart availability");
            assertThat(z.path("availability").path("throttled")).hasSize(1);

            // The incident table: the throttle's state and networks, readable.
            JsonNode zRow = null;
            for (JsonNode r : page.path("rows")) {
                if (r.path("id").asText().startsWith("PK-z.com-")) {
                    zRow = r;
                }
            }
            assertThat(zRow).isNotNull();
            assertThat(zRow.path("phase").asText()).isEqualTo("throttled");
            assertThat(zRow.path("networks").asText()).isEqualTo("throttled: AS17557");

            assertThat(detect.terminate(Duration.ofSeconds(60))).as(detect.tail()).isZero();
            assertThat(Files.size(Path.of("target", "dashboard-throttle.png"))).isGreaterThan(10_000);
        }
    }

    /** x.com's country-level median speed in window i, bytes/s: none while blocked everywhere, slow while throttled. */
    private static Double countrySpeed(int i) {
        if (i >= BLOCK && i < PARTIAL) {
            return null;
        }
        return i >= THROTTLE && i < THROTTLE_END ? SLOW : NORMAL;
    }

    /** What the detector would have published for the three incidents, written to its output topics. */
    private static void publishOutput(DrillCluster cluster) {
        DetectorTopics topics = cluster.topics;
        List<AvailabilityWindow> windows = new ArrayList<>();
        for (int i = 0; i < WINDOWS; i++) {
            boolean blocked = i >= BLOCK && i < PARTIAL;
            boolean mobileBlocked = i >= BLOCK && i < RESTORE;
            windows.add(window("x.com", null, i, blocked ? 0.02 : mobileBlocked ? 0.5 : 0.97, countrySpeed(i)));
            windows.add(window("x.com", "AS17557", i, mobileBlocked ? 0.02 : 0.96, mobileBlocked ? null : countrySpeed(i)));
            windows.add(window("x.com", "AS59257", i, blocked ? 0.02 : 0.98, countrySpeed(i)));
            AvailabilityWindow control = window("example.com", null, i, 0.99, NORMAL);
            control.setControl(true);
            windows.add(control);
            AvailabilityWindow controlNetwork = window("example.com", "AS17557", i, 0.99, 100_000.0);
            controlNetwork.setControl(true);
            windows.add(controlNetwork);
            windows.add(window("y.com", null, i, i >= 30 ? 0.03 : 0.97, 500_000.0));
            windows.add(window("z.com", null, i, 0.97, null));
        }
        String x = "PK-x.com-20240217T2100Z";
        NetworkStatus mobileSlow = network("AS17557", false, true, SLOW);
        NetworkStatus fixedSlow = network("AS59257", false, true, SLOW);
        List<DisruptionEvent> events = List.of(
                event(x, "x.com", EventType.DISRUPTION_STARTED, BLOCK, 0.02, List.of(BlockingMethod.TLS), null, null,
                        List.of(network("AS17557", true, false, null), network("AS59257", true, false, null))),
                event(x, "x.com", EventType.PARTIAL_RESTORATION, PARTIAL, 0.5, List.of(BlockingMethod.TLS), null, null,
                        List.of(network("AS17557", true, false, null), network("AS59257", false, false, NORMAL))),
                event(x, "x.com", EventType.RESTORED, RESTORE, 0.97, List.of(), null, null, List.of()),
                event(x, "x.com", EventType.THROTTLING_STARTED, THROTTLE, 0.97, List.of(BlockingMethod.THROTTLING), SLOW, NORMAL,
                        List.of(mobileSlow, fixedSlow)),
                event(x, "x.com", EventType.THROTTLING_ENDED, THROTTLE_END, 0.97, List.of(), NORMAL, NORMAL,
                        List.of(network("AS17557", false, false, NORMAL), network("AS59257", false, false, NORMAL))),
                event("PK-y.com-20240217T2230Z", "y.com", EventType.DISRUPTION_STARTED, 30, 0.03, List.of(BlockingMethod.DNS), null,
                        null, List.of()),
                event("PK-z.com-20240217T2410Z", "z.com", EventType.THROTTLING_STARTED, 50, 0.97, List.of(BlockingMethod.THROTTLING),
                        SLOW, NORMAL, List.of(network("AS17557", false, true, SLOW))));
        List<IncidentSummary> incidents = List.of(
                summary(x, "x.com", IncidentState.RESTORED, THROTTLE_END, List.of(
                        phase(IncidentState.BLOCKED, BLOCK, PARTIAL), phase(IncidentState.PARTIALLY_RESTORED, PARTIAL, RESTORE),
                        phase(IncidentState.THROTTLED, THROTTLE, THROTTLE_END))),
                summary("PK-y.com-20240217T2230Z", "y.com", IncidentState.BLOCKED, 30, List.of(phase(IncidentState.BLOCKED, 30, null))),
                summary("PK-z.com-20240217T2410Z", "z.com", IncidentState.THROTTLED, 50,
                        List.of(phase(IncidentState.THROTTLED, 50, null))));
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        send(config, topics.windows(), windows, w -> w.getCountry() + "|" + w.getTarget());
        send(config, topics.events(), events, DisruptionEvent::getIncidentId);
        send(config, topics.incidents(), incidents, IncidentSummary::getIncidentId);
    }

    private static <V extends SpecificRecord> void send(Map<String, Object> config, Topic<String, V> topic, List<V> records,
                                                         java.util.function.Function<V, String> key) {
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(config, new StringSerializer(), topic.valueSerde().serializer())) {
            for (V r : records) {
                producer.send(new ProducerRecord<>(topic.name(), key.apply(r), r));
            }
            producer.flush();
        }
    }

    private static Instant at(int window) {
        return T0.plus(Duration.ofMinutes(5L * window));
    }

    private static AvailabilityWindow window(String target, String asn, int i, double availability, Double bytesPerSecond) {
        int total = 40;
        int reachable = (int) Math.round(total * availability);
        return AvailabilityWindow.newBuilder().setCountry("PK").setAsn(asn).setTarget(target).setWindowStart(at(i))
                .setWindowEnd(at(i + 1)).setTotal(total).setReachable(reachable).setUnreachable(total - reachable).setDistinctProbes(10)
                .setAvailability(availability).setMedianThroughputBytesPerSecond(bytesPerSecond).build();
    }

    private static NetworkStatus network(String asn, boolean blocked, boolean throttled, Double bytesPerSecond) {
        return NetworkStatus.newBuilder().setAsn(asn).setBlocked(blocked).setThrottled(throttled)
                .setThroughputBytesPerSecond(bytesPerSecond).build();
    }

    private static DisruptionEvent event(String incident, String target, EventType type, int window, double availability,
                                         List<BlockingMethod> methods, Double speed, Double expected, List<NetworkStatus> networks) {
        return DisruptionEvent.newBuilder().setEventId(incident + "/" + type + "/" + window).setIncidentId(incident).setType(type)
                .setCountry("PK").setTarget(target).setAt(at(window)).setDetectedAt(at(window + 2)).setAvailability(availability)
                .setBaseline(0.97).setCause(DisruptionCause.CENSORSHIP).setMethods(methods).setMeasurements(160).setDistinctProbes(40)
                .setThroughputBytesPerSecond(speed).setExpectedThroughputBytesPerSecond(expected).setNetworks(networks).build();
    }

    private static IncidentPhase phase(IncidentState state, int from, Integer to) {
        return IncidentPhase.newBuilder().setState(state).setFrom(at(from)).setTo(to == null ? null : at(to)).build();
    }

    private static IncidentSummary summary(String id, String target, IncidentState state, int lastChange, List<IncidentPhase> phases) {
        return IncidentSummary.newBuilder().setIncidentId(id).setCountry("PK").setTarget(target).setState(state)
                .setCause(DisruptionCause.CENSORSHIP).setStartedAt(phases.get(0).getFrom()).setLastChangeAt(at(lastChange))
                .setPhases(phases).build();
    }

    private static JsonNode card(JsonNode page, String idPrefix) {
        for (JsonNode c : page.path("cards")) {
            if (c.path("id").asText().startsWith(idPrefix)) {
                return c;
            }
        }
        return null;
    }

    private static JsonNode network(JsonNode chart, String asn) {
        for (JsonNode line : chart.path("networks")) {
            if (line.path("asn").asText().equals(asn)) {
                return line;
            }
        }
        throw new AssertionError("no line for " + asn + " in " + chart);
    }

    /** Every point of every polyline in {@code lines}, in order, as {x, y}. */
    private static double[][] points(JsonNode lines) {
        List<double[]> out = new ArrayList<>();
        for (JsonNode line : lines) {
            for (String pair : line.path("points").asText().trim().split("\\s+")) {
                String[] xy = pair.split(",");
                out.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
            }
        }
        return out.toArray(new double[0][]);
    }

    /** Where window boundary {@code window} is, from the points at the middles of consecutive windows. */
    private static double xAt(double[][] windowMiddles, int window) {
        double perWindow = (windowMiddles[windowMiddles.length - 1][0] - windowMiddles[0][0]) / (windowMiddles.length - 1);
        return windowMiddles[0][0] - perWindow / 2 + perWindow * window;
    }

    /** The y of {@code bits} per second on the speed chart's log axis, read from its labelled ticks (text 4 px under its line). */
    private static double yOnAxis(JsonNode speedChart, double bits) {
        JsonNode ticks = speedChart.path("ticks");
        assertThat(ticks.size()).isGreaterThanOrEqualTo(2);
        JsonNode a = ticks.get(0);
        JsonNode b = ticks.get(ticks.size() - 1);
        double va = Math.log10(a.path("value").asDouble());
        double vb = Math.log10(b.path("value").asDouble());
        double ya = a.path("y").asDouble() - 4;
        double yb = b.path("y").asDouble() - 4;
        return ya + (yb - ya) * (Math.log10(bits) - va) / (vb - va);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }
}
