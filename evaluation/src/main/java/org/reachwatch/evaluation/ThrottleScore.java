package org.reachwatch.evaluation;

/**
 * How well a detector's throttling events match a scenario's throttling episodes (see {@link Scorer}).
 * Delays are minutes from episode start to the first matching THROTTLING_STARTED's {@code detectedAt},
 * NaN when no episode was detected.
 *
 * @param episodes truth throttling episodes
 * @param detectedEpisodes episodes with a country-level THROTTLING_STARTED
 * @param recall detectedEpisodes / episodes (1.0 when there are no episodes)
 * @param medianDelayMinutes median detection delay over detected episodes
 * @param p95DelayMinutes 95th percentile (nearest rank) of detection delay
 * @param endsReported detected episodes whose end (the last lift) has a country-level THROTTLING_ENDED
 *                     within 30 minutes of it
 * @param endRecall endsReported / episodes (1.0 when there are no episodes)
 * @param falseThrottling THROTTLING_STARTED events (any level) that match no episode
 * @param extraSteps inside a detected episode, every country-level THROTTLING_STARTED after the first and
 *                   every THROTTLING_ENDED more than 30 minutes before the last lift (a throttle lifted on
 *                   some networks only is not ended)
 * @param attributionEvents matched country-level THROTTLING_STARTED events scored for network attribution
 * @param attributedEvents of which marking {@code throttled} exactly the networks throttling at detectedAt
 * @param attribution attributedEvents / attributionEvents, NaN when none was scored
 * @param throttleOnlyIncidents incidents with throttling events and no block event (left out of the
 *                              block figures)
 */
public record ThrottleScore(int episodes, int detectedEpisodes, double recall, double medianDelayMinutes,
                            double p95DelayMinutes, int endsReported, double endRecall, int falseThrottling,
                            int extraSteps, int attributionEvents, int attributedEvents, double attribution,
                            int throttleOnlyIncidents) {

    /** No throttling episode and no throttling event. */
    public static final ThrottleScore NONE = new ThrottleScore(0, 0, 1.0, Double.NaN, Double.NaN, 0, 1.0, 0, 0, 0, 0,
            Double.NaN, 0);
}
