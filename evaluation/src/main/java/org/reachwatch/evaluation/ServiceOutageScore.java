package org.reachwatch.evaluation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How well the detector's second stage ({@code service.outages}) matches a scenario's global outages:
 * its episodes of country {@code "*"} (a target down for everyone).
 *
 * @param outages       truth global outages
 * @param found         of which a {@code SERVICE_OUTAGE_STARTED} of the same target is dated inside the
 *                      episode (from its start, or up to {@link #TOLERANCE} before it)
 * @param ended         found outages with a {@code SERVICE_OUTAGE_ENDED} within {@link #TOLERANCE} of their end
 * @param falseOutages  {@code SERVICE_OUTAGE_STARTED} events that match no global outage
 * @param delaysMinutes for each found outage, episode start to the event's {@code detectedAt}
 */
public record ServiceOutageScore(int outages, int found, int ended, int falseOutages, List<Double> delaysMinutes) {
    /** How far an event's {@code at} may be from the truth's start or end. */
    public static final Duration TOLERANCE = Duration.ofMinutes(30);

    /** One event of the second stage, as read from {@code service.outages}. */
    public record OutageEvent(String type, String target, Instant at, Instant detectedAt) {
    }

    public static ServiceOutageScore score(TruthEpisodes truth, List<OutageEvent> events) {
        List<TruthEpisodes.Episode> global = truth.episodes().stream().filter(e -> "*".equals(e.country())).toList();
        List<OutageEvent> started = events.stream().filter(e -> "SERVICE_OUTAGE_STARTED".equals(e.type())).toList();
        List<OutageEvent> endedEvents = events.stream().filter(e -> "SERVICE_OUTAGE_ENDED".equals(e.type())).toList();
        int found = 0;
        int ended = 0;
        List<Double> delays = new ArrayList<>();
        List<OutageEvent> matched = new ArrayList<>();
        for (TruthEpisodes.Episode ep : global) {
            OutageEvent start = started.stream().filter(e -> within(ep, e)).findFirst().orElse(null);
            if (start == null) {
                continue;
            }
            found++;
            matched.add(start);
            delays.add(Duration.between(ep.start(), start.detectedAt()).toSeconds() / 60.0);
            if (endedEvents.stream().anyMatch(e -> e.target().equals(ep.target())
                    && Duration.between(ep.end(), e.at()).abs().compareTo(TOLERANCE) <= 0)) {
                ended++;
            }
        }
        int falseOutages = (int) started.stream().filter(e -> global.stream().noneMatch(ep -> within(ep, e))).count();
        return new ServiceOutageScore(global.size(), found, ended, falseOutages, delays);
    }

    private static boolean within(TruthEpisodes.Episode ep, OutageEvent e) {
        return e.target().equals(ep.target()) && !e.at().isBefore(ep.start().minus(TOLERANCE)) && e.at().isBefore(ep.end());
    }

    /** One line for eval's table. */
    public String line() {
        return String.format(Locale.ROOT, "service outages (across partitions): found %d/%d, ended %d/%d, false %d%s", found,
                outages, ended, found, falseOutages, delaysMinutes.isEmpty() ? ""
                        : ", delay " + delaysMinutes.stream().map(d -> String.format(Locale.ROOT, "%.1f", d)).toList() + " min");
    }
}
