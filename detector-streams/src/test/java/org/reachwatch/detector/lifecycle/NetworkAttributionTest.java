package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.reachwatch.detector.DetectorSettings;

class NetworkAttributionTest {
    static final Instant T0 = Instant.parse("2024-02-17T20:00:00Z");
    static final long WINDOW = Duration.ofMinutes(5).toMillis();

    private final DetectorSettings settings = DetectorSettings.defaultSettings();
    private final TrackerState network = new TrackerState("PK", "AS17557", "x.com", 0.05);
    private int index;

    @Test
    void twoFailuresInTwoNameANetworkAndTwoCleanMeasurementsEndAFullBlock() {
        feed(5, 0);
        feed(2, 2);
        assertThat(network.named).isTrue();

        feed(1, 0);
        assertThat(network.named).as("one clean measurement is not enough").isTrue();
        boolean normal = feed(2, 0);

        assertThat(network.named).isFalse();
        assertThat(normal).isTrue();
    }

    @Test
    void aThirtyPercentBlockNeedsMuchMoreCleanEvidenceToEnd() {
        feed(10, 0);
        for (int i = 0; i < 6; i++) {
            feed(10, 3);
        }
        assertThat(network.named).isTrue();

        feed(4, 0);
        assertThat(network.named).as("four clean measurements fit a 30 % block").isTrue();
        for (int i = 0; i < 4; i++) {
            feed(4, 0);
        }

        assertThat(network.named).isFalse();
    }

    @Test
    void noiseAroundTheBaselineNamesNothing() {
        int[] failures = {0, 1, 0, 0, 2, 0, 1, 0, 0, 0, 1, 0};
        for (int i = 0; i < 120; i++) {
            feed(12, failures[i % failures.length]);
            assertThat(network.named).as("window " + i).isFalse();
        }
    }

    @Test
    void thinEvidenceIsPooledOverHoursAndExpiresAfterTheHorizon() {
        network.baseline = 0.03;
        feed(1, 1);
        assertThat(network.named).isFalse();
        skip(Duration.ofHours(5));
        feed(1, 1);

        assertThat(network.named).as("two failures five hours apart").isTrue();

        skip(settings.attributionHorizon().plusHours(1));
        feed(0, 0);

        assertThat(network.named).as("no evidence left within the horizon").isFalse();
        assertThat(network.recent.size()).isZero();
    }

    @Test
    void evidenceKeptIsBoundedWhateverTheVolume() {
        for (int i = 0; i < 500; i++) {
            feed(40, 40);
        }

        int kept = 0;
        for (int n : network.recent.conclusive) {
            kept += n;
        }
        assertThat(kept).isLessThanOrEqualTo(NetworkAttribution.MAX_SAMPLES + 40);
        assertThat(network.named).isTrue();
    }

    private boolean feed(int n, int failures) {
        long start = T0.toEpochMilli() + index * WINDOW;
        index++;
        return NetworkAttribution.update(network, new WindowObservation(start, start + WINDOW, n - failures, failures, 0, 0,
                failures == 0 ? Map.of() : Map.of("DNS", failures), n == 0 ? 0 : 2), settings);
    }

    private void skip(Duration d) {
        index += (int) (d.toMillis() / WINDOW);
    }
}
