package org.reachwatch.detector.lifecycle;

import org.reachwatch.detector.DetectorSettings;

/**
 * Which networks block: the answer to an analyst's first question, given for every event of a
 * country incident. For one network and target it keeps the counts of its recent windows
 * ({@link RecentEvidence}) and decides from the shortest recent stretch that is decisive:
 * <ul>
 *   <li><b>blocking</b> when the stretch's failure share is above the network's own baseline by at least
 *   {@code onset.min.effect} and its likelihood ratio reaches {@code attribution.llr} (with at least
 *   {@code attribution.min.samples} measurements: five failures in five is enough at a 5 % baseline);</li>
 *   <li><b>not blocking</b> when at least {@code min.samples} recent measurements are within
 *   {@code normal.margin} of the baseline;</li>
 *   <li>otherwise the previous answer stands, for as long as the network has evidence within
 *   {@code attribution.horizon}: thin data (OONI: a few measurements a day) is pooled over hours.</li>
 * </ul>
 * The bar to name a network inside a country incident is lower than the bar to open an incident
 * (the country-level test has already shown that something blocks); opening an incident from one
 * network still needs the full test of its own {@link DisruptionTracker}.
 */
public final class NetworkAttribution {
    /** Evidence kept per network and target: enough to decide, never more. */
    static final int MAX_SAMPLES = 60;

    private NetworkAttribution() {
    }

    /** Adds one closed window of the network and decides again; returns whether this window was decisively normal. */
    public static boolean update(TrackerState st, WindowObservation window, DetectorSettings s) {
        if (st.recent == null) {
            st.recent = new RecentEvidence();
        }
        RecentEvidence recent = st.recent;
        recent.add(window.windowStart(), window.conclusive(), window.failures());
        recent.dropBefore(window.windowEnd() - s.attributionHorizon().toMillis());
        boolean normal = false;
        boolean decided = false;
        int n = 0;
        int f = 0;
        for (int i = recent.size() - 1; i >= 0 && !decided; i--) {
            n += recent.conclusive[i];
            f += recent.failures[i];
            double effect = (double) f / n - st.baseline;
            if (n >= s.attributionMinSamples() && effect >= s.onsetMinEffect()
                    && ShareTest.llr(f, n, st.baseline) >= s.attributionLlr()) {
                st.named = true;
                decided = true;
            } else if (n >= s.minSamples() && effect <= s.normalMargin()) {
                st.named = false;
                normal = true;
                decided = true;
            }
        }
        if (recent.size() == 0) {
            st.named = false;
        }
        recent.keepNewest(MAX_SAMPLES);
        return normal;
    }

    /**
     * Counts of a network's recent windows with data, oldest first. Plain arrays so the state stays
     * small; at most {@link #MAX_SAMPLES} measurements' worth of windows (plus one) are kept.
     */
    public static final class RecentEvidence {
        public long[] starts = new long[0];
        public int[] conclusive = new int[0];
        public int[] failures = new int[0];

        int size() {
            return starts.length;
        }

        void add(long start, int n, int f) {
            if (n == 0) {
                return;
            }
            int len = starts.length;
            starts = java.util.Arrays.copyOf(starts, len + 1);
            conclusive = java.util.Arrays.copyOf(conclusive, len + 1);
            failures = java.util.Arrays.copyOf(failures, len + 1);
            starts[len] = start;
            conclusive[len] = n;
            failures[len] = f;
        }

        void dropBefore(long time) {
            int from = 0;
            while (from < starts.length && starts[from] < time) {
                from++;
            }
            keepFrom(from);
        }

        /** Drops the oldest windows that the newest {@code samples} measurements make unnecessary. */
        void keepNewest(int samples) {
            int n = 0;
            int from = starts.length;
            while (from > 0 && n < samples) {
                from--;
                n += conclusive[from];
            }
            keepFrom(from);
        }

        private void keepFrom(int from) {
            if (from == 0) {
                return;
            }
            starts = java.util.Arrays.copyOfRange(starts, from, starts.length);
            conclusive = java.util.Arrays.copyOfRange(conclusive, from, conclusive.length);
            failures = java.util.Arrays.copyOfRange(failures, from, failures.length);
        }
    }
}
