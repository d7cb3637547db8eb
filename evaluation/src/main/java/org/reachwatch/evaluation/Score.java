package org.reachwatch.evaluation;

import java.util.Locale;

/**
 * How well a detector's events match a scenario's truth. Ratios are 0..1; delays are minutes from
 * episode start to the detector's first detection, NaN when no episode was detected. The block figures
 * (all but {@code throttling}) leave throttling events and throttle-only incidents out; those are scored
 * in {@code throttling}.
 *
 * @param episodes truth episodes
 * @param detectedEpisodes episodes matched by at least one incident
 * @param recall detectedEpisodes / episodes (1.0 when there are no episodes)
 * @param incidents incidents seen (events grouped by incidentId), detail incidents included, throttle-only
 *                  ones not
 * @param detailIncidents network-level incidents inside a matched country-level incident
 * @param falseIncidents incidents matching no episode and not detail
 * @param falsePerRegionTargetWeek falseIncidents / (regionTargets x weeks)
 * @param medianDelayMinutes median detection delay over detected episodes
 * @param p95DelayMinutes 95th percentile (nearest rank) of detection delay
 * @param phases PARTIAL and REBLOCKED truth phases
 * @param detectedPhases of which matched by a PARTIAL_RESTORATION / REBLOCKED event within 30 minutes
 * @param phaseRecall detectedPhases / phases (1.0 when there are none)
 * @param incidentsPerEpisode matched incidents per detected episode (per country for country "*")
 * @param causeAccuracy share of matched incidents whose cause equals the episode's
 * @param falseOutages NETWORK_OUTAGE incidents that match no network-outage episode
 * @param extraSteps lifecycle steps the truth does not have (restoration while still disrupted, ...)
 * @param attributionEvents events scored for network attribution
 * @param attributedEvents of which naming exactly the disrupted networks
 * @param attribution attributedEvents / attributionEvents, NaN when none was scored
 * @param throttling the throttling figures
 */
public record Score(int episodes, int detectedEpisodes, double recall, int incidents, int detailIncidents,
                    int falseIncidents, double falsePerRegionTargetWeek, double medianDelayMinutes,
                    double p95DelayMinutes, int phases, int detectedPhases, double phaseRecall,
                    double incidentsPerEpisode, double causeAccuracy, int falseOutages, int extraSteps,
                    int attributionEvents, int attributedEvents, double attribution, ThrottleScore throttling) {

    /** Block figures only: no throttling episode and no throttling event. */
    public Score(int episodes, int detectedEpisodes, double recall, int incidents, int detailIncidents,
                 int falseIncidents, double falsePerRegionTargetWeek, double medianDelayMinutes,
                 double p95DelayMinutes, int phases, int detectedPhases, double phaseRecall,
                 double incidentsPerEpisode, double causeAccuracy, int falseOutages, int extraSteps,
                 int attributionEvents, int attributedEvents, double attribution) {
        this(episodes, detectedEpisodes, recall, incidents, detailIncidents, falseIncidents, falsePerRegionTargetWeek,
                medianDelayMinutes, p95DelayMinutes, phases, detectedPhases, phaseRecall, incidentsPerEpisode,
                causeAccuracy, falseOutages, extraSteps, attributionEvents, attributedEvents, attribution,
                ThrottleScore.NONE);
    }

    /** A fixed-width two-column table, one metric a line: the block figures, then the throttling ones. */
    public String table() {
        StringBuilder b = new StringBuilder();
        row(b, "episodes detected", detectedEpisodes + " / " + episodes);
        row(b, "episode recall", fmt(recall));
        row(b, "incidents (detail)", incidents + " (" + detailIncidents + ")");
        row(b, "false incidents", Integer.toString(falseIncidents));
        row(b, "false / region-target-week", fmt(falsePerRegionTargetWeek));
        row(b, "median delay (min)", fmt(medianDelayMinutes));
        row(b, "p95 delay (min)", fmt(p95DelayMinutes));
        row(b, "phases detected", detectedPhases + " / " + phases);
        row(b, "phase recall", fmt(phaseRecall));
        row(b, "incidents per episode", fmt(incidentsPerEpisode));
        row(b, "cause accuracy", fmt(causeAccuracy));
        row(b, "false outage incidents", Integer.toString(falseOutages));
        row(b, "extra lifecycle steps", Integer.toString(extraSteps));
        row(b, "networks named right", attributedEvents + " / " + attributionEvents);
        row(b, "network attribution", fmt(attribution));
        ThrottleScore t = throttling;
        row(b, "throttles detected", t.detectedEpisodes() + " / " + t.episodes());
        row(b, "throttle recall", fmt(t.recall()));
        row(b, "throttle median delay (min)", fmt(t.medianDelayMinutes()));
        row(b, "throttle p95 delay (min)", fmt(t.p95DelayMinutes()));
        row(b, "throttle ends reported", t.endsReported() + " / " + t.episodes());
        row(b, "false throttling", Integer.toString(t.falseThrottling()));
        row(b, "throttle extra steps", Integer.toString(t.extraSteps()));
        row(b, "throttling networks right", t.attributedEvents() + " / " + t.attributionEvents());
        row(b, "throttle-only incidents", Integer.toString(t.throttleOnlyIncidents()));
        return b.toString();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "%-28s %12s%n", name, value));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
