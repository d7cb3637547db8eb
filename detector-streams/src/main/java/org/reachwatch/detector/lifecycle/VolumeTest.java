package org.reachwatch.detector.lifecycle;

import org.reachwatch.detector.DetectorSettings;

/**
 * Is a region's measurement volume normal, or has it collapsed? The ratio to the expected volume
 * (learned with its daily and weekly rhythm, {@link VolumeBaseline}) says how deep the drop is; a
 * lower-tail Poisson likelihood-ratio test on probe units (measurements divided by the measurements a
 * probe sends per window) says whether it is more than chance. Counting probes rather than
 * measurements matters: one probe that sleeps takes all its targets with it, so measurement counts
 * vary far more than a Poisson count of the same size. Pure functions.
 */
public final class VolumeTest {
    private VolumeTest() {
    }

    /** Lower-tail Poisson log-likelihood ratio of seeing {@code k} when {@code lambda} is expected; 0 when k >= lambda. */
    public static double llr(double k, double lambda) {
        if (lambda <= 0 || k >= lambda) {
            return 0;
        }
        return k <= 0 ? lambda : lambda - k + k * Math.log(k / lambda);
    }

    /**
     * The verdict on {@code volume} measurements (possibly pooled over windows) when {@code expected}
     * were expected and a probe sends {@code perProbe} per window: NO_EVIDENCE below
     * {@code volume.min.baseline} expected probe units (pool more windows), NORMAL at or above
     * {@code volume.normal.ratio} of the expected volume, BLOCKED (collapsed) below
     * {@code volume.collapse.ratio} when the drop is significant, INTERMEDIATE in between.
     */
    public static Verdict verdict(double volume, double expected, double perProbe, DetectorSettings s) {
        if (expected <= 0) {
            return Verdict.NO_EVIDENCE;
        }
        if (volume >= s.volumeNormalRatio() * expected) {
            return Verdict.NORMAL;
        }
        double unit = Math.max(1, perProbe);
        double units = expected / unit;
        if (units < s.volumeMinBaseline()) {
            return Verdict.NO_EVIDENCE;
        }
        if (volume < s.volumeCollapseRatio() * expected && llr(volume / unit, units) >= s.volumeLlr()) {
            return Verdict.BLOCKED;
        }
        return Verdict.INTERMEDIATE;
    }
}
