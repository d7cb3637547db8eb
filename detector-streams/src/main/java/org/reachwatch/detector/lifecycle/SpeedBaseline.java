package org.reachwatch.detector.lifecycle;

/**
 * What a target's download speed normally is in one region, learned online from windows judged
 * normal: its ratio to the region's control targets measured in the same window, per UTC hour of day
 * (a video host may slow down in the evening more than a plain page does), and its own absolute speed
 * per hour of day, for windows without controls. Both are kept as natural logarithms of bytes per
 * second, so ratios are differences and log-normal noise averages out. An hour slot is used once it
 * has seen {@link #SLOT_MIN_WINDOWS} windows; before that, the all-day level.
 *
 * <p>Plain mutable fields: stored as part of {@link TrackerState}. Only {@link #learn} changes them.
 */
public final class SpeedBaseline {
    static final int HOURS = 24;
    /** Windows an hour slot needs before it replaces the all-day level (half an hour of 5-minute windows). */
    static final int SLOT_MIN_WINDOWS = 6;
    /** Per-window weight of a new observation once warm: about the last day's windows of a slot dominate. */
    static final double SLOT_ALPHA = 0.1;

    /** ln(target speed / control speed), all day and per hour slot. */
    public double ratioLevel;
    public int ratioWindows;
    public double[] ratioHourly = new double[HOURS];
    public int[] ratioHourlyWindows = new int[HOURS];
    /** ln(target speed), all day and per hour slot. */
    public double speedLevel;
    public int speedWindows;
    public double[] speedHourly = new double[HOURS];
    public int[] speedHourlyWindows = new int[HOURS];

    /**
     * The speed expected in the window starting at {@code windowStart}, bytes per second: the control
     * speed of the same window times the learned ratio when the controls were measured, else the
     * target's own speed for the hour; null while the baseline it needs has seen fewer than
     * {@code warmup} windows.
     *
     * @param logControl ln of the region's median control speed in the window, or null
     */
    public Double expected(long windowStart, Double logControl, int warmup) {
        int h = VolumeBaseline.hour(windowStart);
        if (logControl != null) {
            if (ratioWindows < warmup) {
                return null;
            }
            double ratio = ratioHourlyWindows[h] >= SLOT_MIN_WINDOWS ? ratioHourly[h] : ratioLevel;
            return Math.exp(logControl + ratio);
        }
        if (speedWindows < warmup) {
            return null;
        }
        return Math.exp(speedHourlyWindows[h] >= SLOT_MIN_WINDOWS ? speedHourly[h] : speedLevel);
    }

    /** Teaches one normal window: ln of the target's median speed and of the controls' (or null). */
    public void learn(long windowStart, double logSpeed, Double logControl, double alpha) {
        int h = VolumeBaseline.hour(windowStart);
        speedLevel += Math.max(alpha, 1.0 / (speedWindows + 1)) * (logSpeed - speedLevel);
        speedWindows++;
        speedHourly[h] += Math.max(SLOT_ALPHA, 1.0 / (speedHourlyWindows[h] + 1)) * (logSpeed - speedHourly[h]);
        speedHourlyWindows[h]++;
        if (logControl != null) {
            double ratio = logSpeed - logControl;
            ratioLevel += Math.max(alpha, 1.0 / (ratioWindows + 1)) * (ratio - ratioLevel);
            ratioWindows++;
            ratioHourly[h] += Math.max(SLOT_ALPHA, 1.0 / (ratioHourlyWindows[h] + 1)) * (ratio - ratioHourly[h]);
            ratioHourlyWindows[h]++;
        }
    }
}
