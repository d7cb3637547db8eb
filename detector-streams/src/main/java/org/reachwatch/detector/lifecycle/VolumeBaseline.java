package org.reachwatch.detector.lifecycle;

/**
 * The normal measurement volume of a region per window, with its daily and weekly rhythm: a
 * multiplicative decomposition {@code expected = hourly[hour of day] x weekday[day of week]}, learned
 * online, with a recent level (an EWMA of plain volume) for hours not yet seen. Hours are UTC: each
 * region learns its own local rhythm in UTC slots. Also learns how many measurements a probe sends per
 * window (the cluster size), so that significance is judged on probes, not on correlated counts.
 *
 * <p>Plain mutable fields: stored as part of {@link TrackerState}. Only {@link #learn} changes them.
 */
public final class VolumeBaseline {
    static final int HOURS = 24;
    /** Windows an hour slot needs before it replaces the recent level (half an hour of 5-minute windows). */
    static final int SLOT_MIN_WINDOWS = 6;
    /** Per-window weight of a new observation in its hour slot once warm: about the last day's windows dominate. */
    static final double SLOT_ALPHA = 0.1;
    /** Per-window weight in a weekday factor: it moves over hours, not minutes. */
    static final double WEEKDAY_ALPHA = 0.02;
    /** Windows of a slot after which it is trusted to teach the weekday factor (it holds more than this day). */
    static final int WEEKDAY_AFTER = 24;

    public double level;
    public int windows;
    public double[] hourly = new double[HOURS];
    public int[] hourlyWindows = new int[HOURS];
    public double[] weekday = {1, 1, 1, 1, 1, 1, 1};
    /** Measurements per reporting probe per window, learned; 1 until known. */
    public double perProbe = 1;

    /** Expected measurements in the window starting at {@code windowStart}. */
    public double expected(long windowStart) {
        int h = hour(windowStart);
        if (hourlyWindows[h] >= SLOT_MIN_WINDOWS) {
            return hourly[h] * weekday[day(windowStart)];
        }
        return level;
    }

    /** Teaches one normal window: its volume and how many distinct probes sent it. */
    public void learn(long windowStart, int volume, int probes, double alpha) {
        level += Math.max(alpha, 1.0 / (windows + 1)) * (volume - level);
        windows++;
        int h = hour(windowStart);
        int d = day(windowStart);
        if (hourlyWindows[h] >= WEEKDAY_AFTER && hourly[h] > 0) {
            double ratio = Math.min(4, Math.max(0.25, volume / hourly[h]));
            weekday[d] += WEEKDAY_ALPHA * (ratio - weekday[d]);
        }
        double deseasoned = volume / weekday[d];
        hourly[h] += Math.max(SLOT_ALPHA, 1.0 / (hourlyWindows[h] + 1)) * (deseasoned - hourly[h]);
        hourlyWindows[h]++;
        if (probes > 0 && volume > 0) {
            perProbe += Math.max(alpha, 1.0 / windows) * ((double) volume / probes - perProbe);
        }
    }

    static int hour(long epochMillis) {
        return (int) Math.floorMod(Math.floorDiv(epochMillis, 3_600_000L), HOURS);
    }

    /** Day of the week in UTC, Monday 0 to Sunday 6 (1970-01-01, epoch day 0, was a Thursday). */
    static int day(long epochMillis) {
        return (int) Math.floorMod(Math.floorDiv(epochMillis, 86_400_000L) + 3, 7L);
    }
}
