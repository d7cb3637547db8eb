package org.reachwatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;

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
