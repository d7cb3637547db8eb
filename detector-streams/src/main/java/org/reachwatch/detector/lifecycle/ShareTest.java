package org.reachwatch.detector.lifecycle;

import org.reachwatch.detector.DetectorSettings;

/**
 * The statistics of the detector: a one-sided binomial likelihood-ratio test of a window's failure
 * share against the learned baseline share, weighted by sample size (DESIGN.md explains why and the
 * thresholds). Pure functions.
 */
public final class ShareTest {
    private ShareTest() {
    }

    /**
     * Log-likelihood ratio of "failure share is f/n" against "failure share is p0", for f failures in n:
     * n * KL(f/n || p0); zero when f/n <= p0 (one-sided). 2*LLR is asymptotically chi-square with one
     * degree of freedom under the null.
     */
    public static double llr(int failures, int n, double p0) {
        if (n == 0) {
            return 0;
        }
        double p = (double) failures / n;
        if (p <= p0) {
            return 0;
        }
        double q0 = clamp(p0);
        double term1 = p == 0 ? 0 : p * Math.log(p / q0);
        double term2 = p == 1 ? 0 : (1 - p) * Math.log((1 - p) / (1 - q0));
        return n * (term1 + term2);
    }

    /** 1 - p-value of the LLR test: P(chi2_1 <= 2*LLR) = erf(sqrt(LLR)). */
    public static double confidence(double llr) {
        return erf(Math.sqrt(Math.max(0, llr)));
    }

    public static Verdict verdict(WindowObservation obs, double baselineFailure, boolean warmedUp, DetectorSettings s) {
        int n = obs.conclusive();
        if (n < s.minSamples() || obs.probes() < s.minProbes()) {
            return Verdict.NO_EVIDENCE;
        }
        double share = (double) obs.failures() / n;
        double effect = share - baselineFailure;
        if (effect <= s.normalMargin()) {
            return Verdict.NORMAL;
        }
        boolean significant = llr(obs.failures(), n, baselineFailure) >= s.onsetLlr() && effect >= s.onsetMinEffect();
        if (significant && (warmedUp || share >= s.coldStartMinShare())) {
            return Verdict.BLOCKED;
        }
        return Verdict.INTERMEDIATE;
    }

    private static double clamp(double p) {
        return Math.min(1 - 1e-9, Math.max(1e-9, p));
    }

    /** Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7. */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * x);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return 1 - poly * Math.exp(-x * x);
    }
}
