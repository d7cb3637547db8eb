package org.reachwatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.NetworkStatus;

class AvailabilityReportTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");

    @Test
    void phasesFollowTheCountryLevelStoryAndIgnoreNetworkDetail() {
        List<DisruptionEvent> events = List.of(
                event(EventType.DISRUPTION_STARTED, null, 0),
                event(EventType.DISRUPTION_STARTED, "AS17557", 0),
                event(EventType.PARTIAL_RESTORATION, null, 60),
                event(EventType.REBLOCKED, null, 120),
                event(EventType.METHOD_CHANGED, null, 150),
                event(EventType.RESTORED, null, 180));

        List<AvailabilityReport.Phase> phases = AvailabilityReport.phases(events, T0.plus(Duration.ofMinutes(300)));

        assertThat(phases).containsExactly(
                new AvailabilityReport.Phase(T0, min(60), "blocked"),
                new AvailabilityReport.Phase(min(60), min(120), "partial"),
                new AvailabilityReport.Phase(min(120), min(180), "blocked"));
    }

    @Test
    void anIncidentStillOpenIsShadedToTheEndOfTheChart() {
        List<AvailabilityReport.Phase> phases = AvailabilityReport.phases(
                List.of(event(EventType.DISRUPTION_STARTED, null, 30)), min(90));

        assertThat(phases).containsExactly(new AvailabilityReport.Phase(min(30), min(90), "blocked"));
    }

    @Test
    void drawsOneChartPerRegionTargetWithLinesShadesAndEventRows() {
        List<AvailabilityWindow> windows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            windows.add(window(null, i, i < 4 ? 0.97 : 0.05));
            windows.add(window("AS17557", i, i < 4 ? 0.95 : 0.0));
        }
        List<DisruptionEvent> events = List.of(event(EventType.DISRUPTION_STARTED, null, 20));

        String html = AvailabilityReport.render("Pakistan <test>", windows, events);

        assertThat(html).contains("<h2>x.com from PK</h2>", "Pakistan &lt;test&gt;", "DISRUPTION_STARTED", "AS17557");
        assertThat(html.split("<svg ", -1)).hasSize(2);
        assertThat(html.split("<polyline ", -1)).hasSize(3);
        assertThat(html).contains("fill=\"#d62728\" opacity=\"0.18\"");
    }

    @Test
    void saysSoWhenNothingWasDetected() {
        assertThat(AvailabilityReport.render("quiet", List.of(window(null, 0, 0.99)), List.of()))
                .contains("No disruption was detected.").doesNotContain("<svg");
    }

    @Test
    void aThrottleAfterAPartialRestorationIsItsOwnPhaseAndRestoredDoesNotEndIt() {
        List<DisruptionEvent> events = List.of(
                event(EventType.DISRUPTION_STARTED, null, 0),
                event(EventType.PARTIAL_RESTORATION, null, 60),
                event(EventType.THROTTLING_STARTED, null, 120),
                event(EventType.RESTORED, null, 150),
                event(EventType.THROTTLING_ENDED, null, 240),
                event(EventType.INCIDENT_CLOSED, null, 300));

        assertThat(AvailabilityReport.phases(events, min(400))).containsExactly(
                new AvailabilityReport.Phase(T0, min(60), "blocked"),
                new AvailabilityReport.Phase(min(60), min(120), "partial"),
                new AvailabilityReport.Phase(min(120), min(240), "throttled"));
    }

    @Test
    void throttlingEndedDoesNotEndABlockThatFollowedTheThrottle() {
        List<DisruptionEvent> events = List.of(
                event(EventType.THROTTLING_STARTED, null, 0),
                event(EventType.REBLOCKED, null, 60),
                event(EventType.THROTTLING_ENDED, null, 90));

        assertThat(AvailabilityReport.phases(events, min(120))).containsExactly(
                new AvailabilityReport.Phase(T0, min(60), "throttled"),
                new AvailabilityReport.Phase(min(60), min(120), "blocked"));
    }

    @Test
    void aThrottledTargetGetsASpeedChartOnTheSameTimeAxisWithItsMediansControlsAndShading() {
        Document page = Jsoup.parse(AvailabilityReport.render("throttle", throttleWindows(), throttleEvents()));
        Element x = section(page, "x.com");
        Element availability = x.selectFirst("svg.availability");
        Element speed = x.selectFirst("svg.speed");
        assertThat(availability).isNotNull();
        assertThat(speed).as("speed chart of the throttled target").isNotNull();
        assertThat(x.select("svg.availability ~ svg.speed")).as("under the availability chart").hasSize(1);

        // The bold line: one point per country-level window, at the availability chart's x, at the window's median speed
        // read on the chart's own (log) axis.
        double[][] speedPoints = points(speed.selectFirst("polyline.country"));
        double[][] availabilityPoints = points(availability.selectFirst("polyline.country"));
        assertThat(speed.select("polyline.country")).hasSize(1);
        assertThat(speedPoints).hasNumberOfRows(WINDOWS);
        for (int i = 0; i < WINDOWS; i++) {
            assertThat(speedPoints[i][0]).as("x of window %d", i).isEqualTo(availabilityPoints[i][0]);
            assertThat(speedPoints[i][1]).as("y of window %d", i).isCloseTo(yOnAxis(speed, countrySpeed(i) * 8), within(0.2));
        }
        assertThat(speedPoints[20][1] - speedPoints[0][1]).as("a 100x slowdown is two decades down")
                .isCloseTo(yOnAxis(speed, 1e5) - yOnAxis(speed, 1e7), within(0.2));

        // Networks: thin, in the availability chart's colours; the untouched network keeps its speed.
        for (String asn : List.of("AS17557", "AS24499")) {
            Element line = speed.selectFirst("polyline.network[data-asn=" + asn + "]");
            assertThat(line).as("speed line of %s", asn).isNotNull();
            assertThat(line.attr("stroke")).isEqualTo(availability.selectFirst("polyline.network[data-asn=" + asn + "]").attr("stroke"));
        }
        double[][] fixedLine = points(speed.selectFirst("polyline.network[data-asn=AS24499]"));
        assertThat(fixedLine[20][1]).isCloseTo(yOnAxis(speed, NORMAL * 8), within(0.2));

        // Controls: dashed grey, the median of the two control targets' country-level medians (network-level ones ignored).
        Elements control = speed.select("polyline.control");
        assertThat(control).hasSize(1);
        assertThat(control.attr("stroke-dasharray")).isNotEmpty();
        double[][] controlPoints = points(control.first());
        assertThat(controlPoints).hasNumberOfRows(WINDOWS);
        for (int i = 0; i < WINDOWS; i++) {
            assertThat(controlPoints[i][0]).isEqualTo(availabilityPoints[i][0]);
            assertThat(controlPoints[i][1]).isCloseTo(yOnAxis(speed, 2_000_000.0 * 8), within(0.2));
        }

        // The throttled stretch: shaded in its own colour from THROTTLING_STARTED to THROTTLING_ENDED, on both charts.
        Elements shade = speed.select("rect.phase-throttled");
        assertThat(shade).hasSize(1);
        assertThat(shade.attr("fill")).isNotIn(AvailabilityReport.BLOCKED_COLOUR, AvailabilityReport.PARTIAL_COLOUR);
        double x0 = Double.parseDouble(shade.attr("x"));
        double x1 = x0 + Double.parseDouble(shade.attr("width"));
        assertThat(x0).isCloseTo(xAt(availabilityPoints, THROTTLE_FROM), within(0.2));
        assertThat(x1).isCloseTo(xAt(availabilityPoints, THROTTLE_TO), within(0.2));
        assertThat(availability.select("rect.phase-throttled").attr("x")).isEqualTo(shade.attr("x"));
        assertThat(speed.select("rect.phase-blocked, rect.phase-partial")).isEmpty();
        assertThat(speed.select("line.event-marker").eachAttr("data-type")).containsExactly("THROTTLING_STARTED", "THROTTLING_ENDED");

        // Axis in bit/s, decades labelled.
        assertThat(speed.select("text.speed-tick").eachText()).contains("100k", "1M", "10M");
        assertThat(speed.text()).contains("bit/s").contains("log scale");

        // The event table gives the speeds.
        Element started = x.selectFirst("tr.event[data-type=THROTTLING_STARTED]");
        assertThat(started.selectFirst("td.speed").text()).isEqualTo("160 kbit/s");
        assertThat(started.selectFirst("td.expected").text()).isEqualTo("16.0 Mbit/s");
        assertThat(started.selectFirst("td.throttled-networks").text()).isEqualTo("AS17557 (160 kbit/s)");
    }

    @Test
    void aBlockedTargetWithSpeedsButNoThrottleGetsNoSpeedChart() {
        Document page = Jsoup.parse(AvailabilityReport.render("throttle", throttleWindows(), throttleEvents()));
        Element y = section(page, "y.com");

        assertThat(y.select("svg.availability polyline.country")).hasSize(1);
        assertThat(y.select("svg.speed")).isEmpty();
        assertThat(page.select("svg.speed")).hasSize(1);
        assertThat(y.select("td.speed")).isEmpty();
    }

    @Test
    void aThrottledTargetWithoutSpeedDataGetsNoEmptySpeedBox() {
        List<AvailabilityWindow> windows = new ArrayList<>();
        for (int i = 0; i < WINDOWS; i++) {
            windows.add(window(null, i, 0.97));
        }

        Document page = Jsoup.parse(AvailabilityReport.render("no speed", windows, throttleEvents().subList(0, 2)));

        assertThat(page.select("svg")).hasSize(1);
        assertThat(page.select("svg.availability rect.phase-throttled")).hasSize(1);
        assertThat(page.select("tr.event[data-type=THROTTLING_STARTED] td.speed").text()).isEqualTo("160 kbit/s");
    }

    @Test
    void speedsAreWrittenInBitsPerSecond() {
        assertThat(AvailabilityReport.speed(20_000.0)).isEqualTo("160 kbit/s");
        assertThat(AvailabilityReport.speed(2_000_000.0)).isEqualTo("16.0 Mbit/s");
        assertThat(AvailabilityReport.speed(125.0)).isEqualTo("1.00 kbit/s");
        assertThat(AvailabilityReport.speed(50.0)).isEqualTo("400 bit/s");
        assertThat(AvailabilityReport.speed(null)).isEmpty();
    }

    static final int WINDOWS = 48;
    static final double NORMAL = 2_000_000;
    static final double THROTTLED = 20_000;
    static final int THROTTLE_FROM = 60;
    static final int THROTTLE_TO = 180;

    /** x.com's country-level median speed in window i: 16 Mbit/s, 160 kbit/s while throttled. */
    private static double countrySpeed(int i) {
        return i * 5 >= THROTTLE_FROM && i * 5 < THROTTLE_TO ? THROTTLED : NORMAL;
    }

    /**
     * x.com in PK: reachable throughout, throttled on AS17557 from minute 60 to 180 (AS24499 untouched); two controls at 2.4
     * and 1.6 MB/s (median 2.0) plus a control network window at 0.1 MB/s that must not count; y.com blocked, with speeds.
     */
    private static List<AvailabilityWindow> throttleWindows() {
        List<AvailabilityWindow> windows = new ArrayList<>();
        for (int i = 0; i < WINDOWS; i++) {
            windows.add(speed(window(null, i, 0.97), countrySpeed(i)));
            windows.add(speed(window("AS17557", i, 0.96), countrySpeed(i)));
            windows.add(speed(window("AS24499", i, 0.98), NORMAL));
            windows.add(control("example.com", null, i, 2_400_000));
            windows.add(control("example.org", null, i, 1_600_000));
            windows.add(control("example.com", "AS17557", i, 100_000));
            AvailabilityWindow blocked = window(null, i, i < 12 ? 0.97 : 0.02);
            blocked.setTarget("y.com");
            windows.add(speed(blocked, 500_000));
        }
        return windows;
    }

    private static List<DisruptionEvent> throttleEvents() {
        DisruptionEvent started = event(EventType.THROTTLING_STARTED, null, THROTTLE_FROM);
        started.setMethods(List.of(BlockingMethod.THROTTLING));
        started.setAvailability(0.97);
        started.setThroughputBytesPerSecond(THROTTLED);
        started.setExpectedThroughputBytesPerSecond(NORMAL);
        started.setNetworks(List.of(
                NetworkStatus.newBuilder().setAsn("AS17557").setThrottled(true).setThroughputBytesPerSecond(THROTTLED).build(),
                NetworkStatus.newBuilder().setAsn("AS24499").setThrottled(false).setThroughputBytesPerSecond(NORMAL).build()));
        DisruptionEvent ended = event(EventType.THROTTLING_ENDED, null, THROTTLE_TO);
        ended.setThroughputBytesPerSecond(NORMAL);
        ended.setExpectedThroughputBytesPerSecond(NORMAL);
        DisruptionEvent blocked = event(EventType.DISRUPTION_STARTED, null, 60);
        blocked.setTarget("y.com");
        blocked.setIncidentId("inc-2");
        return List.of(started, ended, blocked);
    }

    private static AvailabilityWindow speed(AvailabilityWindow w, double bytesPerSecond) {
        w.setMedianThroughputBytesPerSecond(bytesPerSecond);
        return w;
    }

    private static AvailabilityWindow control(String target, String asn, int index, double bytesPerSecond) {
        AvailabilityWindow w = speed(window(asn, index, 0.99), bytesPerSecond);
        w.setTarget(target);
        w.setControl(true);
        return w;
    }

    private static Element section(Document page, String target) {
        Element s = page.selectFirst("section.target[data-target=" + target + "]");
        assertThat(s).as("chart of %s", target).isNotNull();
        return s;
    }

    private static double[][] points(Element polyline) {
        assertThat(polyline).isNotNull();
        String[] pairs = polyline.attr("points").trim().split("\\s+");
        double[][] out = new double[pairs.length][];
        for (int i = 0; i < pairs.length; i++) {
            String[] xy = pairs[i].split(",");
            out[i] = new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])};
        }
        return out;
    }

    /** Where {@code minutes} after T0 is, from the points at the middles of the 5-minute windows. */
    private static double xAt(double[][] windowMiddles, int minutes) {
        // From the first and the last point: each is rounded to 0.1 px, so neighbours would multiply the rounding.
        double perWindow = (windowMiddles[windowMiddles.length - 1][0] - windowMiddles[0][0]) / (windowMiddles.length - 1);
        return windowMiddles[0][0] - perWindow / 2 + perWindow * minutes / 5.0;
    }

    /** The y of {@code bits} per second on a speed chart's log axis, read from its labelled ticks (a tick's text is 4 px under its line). */
    private static double yOnAxis(Element speedChart, double bits) {
        Elements ticks = speedChart.select("text.speed-tick");
        assertThat(ticks.size()).isGreaterThanOrEqualTo(2);
        Element a = ticks.first();
        Element b = ticks.last();
        double va = Math.log10(Double.parseDouble(a.attr("data-value")));
        double vb = Math.log10(Double.parseDouble(b.attr("data-value")));
        double ya = Double.parseDouble(a.attr("y")) - 4;
        double yb = Double.parseDouble(b.attr("y")) - 4;
        return ya + (yb - ya) * (Math.log10(bits) - va) / (vb - va);
    }

    private static Instant min(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    private static DisruptionEvent event(EventType type, String asn, int minutes) {
        return DisruptionEvent.newBuilder().setEventId(type + "-" + minutes).setIncidentId("inc-1").setType(type)
                .setCountry("PK").setAsn(asn).setTarget("x.com").setAt(min(minutes)).setDetectedAt(min(minutes + 10))
                .setAvailability(0.1).setBaseline(0.97).build();
    }

    private static AvailabilityWindow window(String asn, int index, double availability) {
        return AvailabilityWindow.newBuilder().setCountry("PK").setAsn(asn).setTarget("x.com")
                .setWindowStart(min(index * 5)).setWindowEnd(min(index * 5 + 5)).setTotal(40).setReachable((int) (40 * availability))
                .setUnreachable(40 - (int) (40 * availability)).setAvailability(availability).build();
    }
}
