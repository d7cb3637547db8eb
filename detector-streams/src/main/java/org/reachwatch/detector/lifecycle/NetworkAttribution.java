package org.reachwatch.detector.lifecycle;

import org.reachwatch.detector.DetectorSettings;

/**
 * Which networks block: the answer to an analyst's first question, given for every event of a
 * country incident. For one network and target it keeps the counts of its recent windows
 * ({@link RecentEvidence}) and decides from the shortest recent stretch that is decisive, newest
 * window first, with at least {@code attribution.min.samples} measurements:
 * <ul>
 *   <li><b>blocking</b> when the stretch's failure share is above the network's own baseline by at least
 *   {@code onset.min.effect} and its likelihood ratio against the baseline reaches
 *   {@code attribution.llr} (two failures in two do at a 5 % baseline); the stretch's share is kept as
 *   the network's blocked share;</li>
 *   <li><b>not blocking</b> when the share is within {@code normal.margin} of the baseline and, for a
 *   network named so far, its lower-tail likelihood ratio against the blocked share reaches
 *   {@code attribution.llr}: two clean measurements end a full block, a 30 % block needs about
 *   fifteen;</li>
 *   <li>otherwise the previous answer stands, for as long as the network has evidence within
 *   {@code attribution.horizon}: thin data (OONI: a few measurements a day) is pooled over hours.</li>
 * </ul>
 * This is a sequential test run backwards from the newest evidence: it stops at the first boundary it
 * crosses, so fresh evidence decides as soon as it is enough and old evidence speaks only when the
 * fresh is thin.
 * The bar to name a network inside a country incident is lower than the bar to open an incident
 * (the country-level test has already shown that something blocks); opening an incident from one
 * network still needs the full test of its own {@link DisruptionTracker}.
 */
public final class NetworkAttribution {
    /** Evidence kept per network and target: enough to decide, never more. */
    static final int MAX_SAMPLES = 60;

    private NetworkAttribution() {
    }

    /** Weight of a window in the blocked level of a named network. */
    static final double BLOCKED_LEVEL_ALPHA = 0.3;

    /**
     * Whether a window's own measurements show the network failing, significantly and well above its
     * baseline: fresh evidence that a named network still blocks (an empty window shows nothing).
     */
    public static boolean failingNow(TrackerState st, WindowObservation window, DetectorSettings s) {
        int n = window.conclusive();
        return n > 0 && (double) window.failures() / n - st.baseline >= s.onsetMinEffect()
                && ShareTest.llr(window.failures(), n, st.baseline) >= s.attributionLlr();
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
            if (n < s.attributionMinSamples()) {
                continue;
            }
            double share = (double) f / n;
            double effect = share - st.baseline;
            if (effect >= s.onsetMinEffect() && ShareTest.llr(f, n, st.baseline) >= s.attributionLlr()) {
                if (!st.named) {
                    st.namedShare = share;
                }
                st.named = true;
                decided = true;
            } else if (effect <= s.normalMargin()
                    && (!st.named || ShareTest.llr(n - f, n, 1 - st.namedShare) >= s.attributionLlr())) {
                st.named = false;
                normal = true;
                decided = true;
            }
        }
        if (recent.size() == 0) {
            st.named = false;
        }
        if (st.named && failingNow(st, window, s)) {
            // The blocked level follows the windows that show the block, not the stretch that first named it.
            st.namedShare += BLOCKED_LEVEL_ALPHA * ((double) window.failures() / window.conclusive() - st.namedShare);
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
