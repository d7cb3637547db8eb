package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorSettings;

class DisruptionTrackerTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final long WINDOW = Duration.ofMinutes(5).toMillis();

    private DisruptionTracker tracker = new DisruptionTracker(DetectorSettings.defaultSettings());
    private TrackerState state = tracker.newState("PK", null, "x.com");
    private int index;
    private final List<LifecycleEvent> events = new ArrayList<>();

    @Test
    void nationalBlockIsReportedOnItsFirstWindowWithMethodAndCause() {
        normalWindows(6);

        feed(40, 38, "TLS", 8);

        assertThat(events).hasSize(1);
        LifecycleEvent started = events.get(0);
        assertThat(started.type()).isEqualTo(EventType.DISRUPTION_STARTED);
        assertThat(started.at()).isEqualTo(start(6));
        assertThat(started.cause()).isEqualTo(DisruptionCause.CENSORSHIP);
        assertThat(started.methods()).containsExactly("TLS");
        assertThat(started.availability()).isEqualTo(2 / 40.0);
        assertThat(started.incidentId()).isEqualTo("PK-x.com-20240217T2030Z");
    }

    @Test
    void blockOfThirtyPercentOfMeasurementsIsDetected() {
        normalWindows(10);

        feed(60, 3 + 18, "DNS", 10);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED);
    }

    @Test
    void steadyThirtyPercentBlockSeenByFewProbesStartsOnceAtItsFirstWindowWithoutSpuriousPhases() {
        for (int i = 0; i < 10; i++) {
            feed(20, i % 4 == 0 ? 1 : 0, "TCP_IP", 10);
        }
        int[] failures = {6, 8, 5, 7, 4, 9, 6, 7};
        for (int i = 0; i < 40; i++) {
            feed(20, failures[i % failures.length], "DNS", 10);
        }

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED);
        assertThat(events.get(0).at()).isEqualTo(start(10));
    }

    @Test
    void noiseAroundTheBaselineProducesNoEvents() {
        Random random = new Random(42);
        for (int i = 0; i < 300; i++) {
            int failures = 0;
            for (int m = 0; m < 40; m++) {
                failures += random.nextDouble() < 0.12 ? 1 : 0;
            }
            feed(40, failures, "TCP_IP", 8);
        }
        for (int i = 0; i < 50; i++) {
            feed(40, i % 2 == 0 ? 9 : 2, "TCP_IP", 8);
        }

        assertThat(events).isEmpty();
    }

    @Test
    void restorationNeedsTheMinimumStableDuration() {
        normalWindows(6);
        blockWindows(4);
        normalWindows(2);
        blockWindows(1);
        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED);

        normalWindows(3);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.RESTORED);
        assertThat(events.get(1).at()).isEqualTo(start(13));
    }

    @Test
    void intermediateLevelIsPartialRestorationAndDeepDropIsReblockUnderTheSameIncident() {
        normalWindows(6);
        blockWindows(4);
        feed(40, 20, "TLS", 8);
        feed(40, 19, "TLS", 8);
        blockWindows(2);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.PARTIAL_RESTORATION, EventType.REBLOCKED);
        assertThat(events.get(1).at()).isEqualTo(start(10));
        assertThat(events.get(2).at()).isEqualTo(start(12));
        assertThat(events).extracting(LifecycleEvent::incidentId).containsOnly(events.get(0).incidentId());
    }

    @Test
    void someNetworksComingBackIsPartialRestoration() {
        normalWindows(6);
        WindowContext allBlocked = new WindowContext(false, false, Set.of("AS1", "AS2", "AS3"), Set.of(), false);
        WindowContext oneBack = new WindowContext(false, false, Set.of("AS2", "AS3"), Set.of("AS1"), false);
        feed(window(40, 39, "TLS", 8), allBlocked);
        feed(window(40, 26, "TLS", 8), oneBack);
        feed(window(40, 26, "TLS", 8), oneBack);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.PARTIAL_RESTORATION);
        assertThat(events.get(1).at()).isEqualTo(start(7));
    }

    @Test
    void aNetworkThatLooksBackWhileTheCountryShareHoldsIsNoRestoration() {
        normalWindows(6);
        WindowContext allBlocked = new WindowContext(false, false, Set.of("AS1", "AS2", "AS3"), Set.of(), false);
        WindowContext oneLooksBack = new WindowContext(false, false, Set.of("AS2", "AS3"), Set.of("AS1"), false);
        feed(window(40, 14, "DNS", 8), allBlocked);
        for (int i = 0; i < 6; i++) {
            feed(window(40, 13, "DNS", 8), oneLooksBack);
        }

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED);
    }

    @Test
    void reblockAfterRestorationWithinHorizonKeepsIncidentId() {
        normalWindows(6);
        blockWindows(3);
        normalWindows(5);
        blockWindows(1);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.RESTORED, EventType.REBLOCKED);
        assertThat(events.get(2).incidentId()).isEqualTo(events.get(0).incidentId());
        assertThat(state.reblocks).isEqualTo(1);
    }

    @Test
    void incidentClosesOnceRestoredForTheWholeHorizonWithItsPhases() {
        Properties p = new Properties();
        p.setProperty("detector.linking.horizon", "PT1H");
        tracker = new DisruptionTracker(DetectorSettings.from(p));
        state = tracker.newState("PK", null, "x.com");
        normalWindows(6);
        blockWindows(4);
        normalWindows(11);
        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.RESTORED);

        normalWindows(1);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.RESTORED, EventType.INCIDENT_CLOSED);
        assertThat(events.get(2).at()).isEqualTo(start(10) + Duration.ofHours(1).toMillis());
        assertThat(state.stage).isEqualTo(TrackerState.Stage.NORMAL);
        assertThat(state.phases).extracting(ph -> ph.stage).containsExactly(TrackerState.Stage.BLOCKED, TrackerState.Stage.RESTORED);
        assertThat(state.blockedMillis).isEqualTo(4 * WINDOW);
        assertThat(state.methods).containsExactly("TLS");
    }

    @Test
    void methodChangeWhileBlockedIsNotARestoration() {
        normalWindows(6);
        feed(40, 39, "DNS", 8);
        feed(40, 39, "DNS", 8);
        feed(40, 39, "TLS", 8);
        feed(40, 39, "TLS", 8);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.METHOD_CHANGED);
        assertThat(events.get(1).at()).isEqualTo(start(8));
        assertThat(events.get(1).methods()).containsExactly("TLS");
        assertThat(state.methods).containsExactlyInAnyOrder("DNS", "TLS");
    }

    @Test
    void windowsWithTooFewProbesStartNothing() {
        normalWindows(6);
        for (int i = 0; i < 30; i++) {
            feed(40, 40, "DNS", 1);
        }

        assertThat(events).isEmpty();
    }

    @Test
    void thinWindowsArePooledUntilTheyHoldEnoughEvidence() {
        normalWindows(6);
        feed(3, 3, "DNS", 2);
        feed(3, 3, "DNS", 2);
        feed(3, 3, "DNS", 2);
        assertThat(events).isEmpty();

        feed(3, 3, "DNS", 2);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED);
        assertThat(events.get(0).at()).as("the pool's first window").isEqualTo(start(6));
        assertThat(events.get(0).measurements()).isEqualTo(12);
    }

    @Test
    void baselineIsNotPollutedByIncidentWindows() {
        normalWindows(20);
        double before = state.baseline;
        blockWindows(50);

        assertThat(state.baseline).isEqualTo(before);
        assertThat(before).isLessThan(0.1);
    }

    @Test
    void coldStartReportsOnlyAnUnmistakableBlock() {
        feed(40, 12, "DNS", 8);
        assertThat(events).isEmpty();

        TrackerState other = tracker.newState("PK", null, "twitter.com");
        List<LifecycleEvent> out = tracker.onWindow(other, window(40, 40, "DNS", 8), WindowContext.QUIET);

        assertThat(out).extracting(LifecycleEvent::type).containsExactly(EventType.DISRUPTION_STARTED);
    }

    @Test
    void aSiteThatIsFlakyEverywhereIsLearnedNotReported() {
        for (int i = 0; i < 100; i++) {
            feed(40, 8 + i % 3, "TCP_IP", 8);
        }

        assertThat(events).isEmpty();
        assertThat(state.baseline).isBetween(0.15, 0.3);
    }

    @Test
    void causeComesFromControlsVolumeAndOtherCountries() {
        normalWindows(6);
        feed(window(40, 38, "TCP_IP", 8), new WindowContext(true, false, Set.of(), Set.of(), false));
        assertThat(events.get(0).cause()).isEqualTo(DisruptionCause.NETWORK_OUTAGE);

        TrackerState global = tracker.newState("DE", null, "x.com");
        for (int i = 0; i < 6; i++) {
            tracker.onWindow(global, window(40, 1, "NONE", 8), WindowContext.QUIET);
        }
        List<LifecycleEvent> out = tracker.onWindow(global, window(40, 38, "TCP_IP", 8),
                new WindowContext(false, true, Set.of(), Set.of(), false));
        assertThat(out.get(0).cause()).isEqualTo(DisruptionCause.SERVICE_OUTAGE);
    }

    @Test
    void aRegionWideOutageSuppressesPerTargetOnsets() {
        normalWindows(6);

        feed(window(40, 38, "TCP_IP", 8), new WindowContext(true, false, Set.of(), Set.of(), true));

        assertThat(events).isEmpty();
    }

    private void normalWindows(int count) {
        for (int i = 0; i < count; i++) {
            feed(40, 2, "TCP_IP", 8);
        }
    }

    private void blockWindows(int count) {
        for (int i = 0; i < count; i++) {
            feed(40, 38, "TLS", 8);
        }
    }

    private void feed(int n, int failures, String method, int probes) {
        feed(window(n, failures, method, probes), WindowContext.QUIET);
    }

    private void feed(WindowObservation window, WindowContext ctx) {
        events.addAll(tracker.onWindow(state, window, ctx));
        index++;
    }

    private WindowObservation window(int n, int failures, String method, int probes) {
        return new WindowObservation(start(index), start(index) + WINDOW, n - failures, failures, 0, 0,
                failures == 0 ? Map.of() : Map.of(method, failures), probes);
    }

    private static long start(int i) {
        return T0.toEpochMilli() + i * WINDOW;
    }

    private List<EventType> types() {
        return events.stream().map(LifecycleEvent::type).toList();
    }
}
