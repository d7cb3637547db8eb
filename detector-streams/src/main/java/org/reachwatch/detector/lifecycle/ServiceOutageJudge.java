package org.reachwatch.detector.lifecycle;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The detector's second stage, one target at a time: is the target failing in
 * {@code service.outage.countries} countries at once, across every partition? Fed with the verdicts
 * the first stage reached for the target in each country of one window, once every partition has
 * closed that window; plain Java, no Kafka (the wiring is {@code ServiceOutageProcessor}).
 *
 * <ul>
 *   <li><b>Start</b>: at least {@code minCountries} countries show an <em>onset</em> in the window: the
 *   target's evidence there is blocked, or its incident there began within
 *   {@code WindowJudge.SERVICE_OUTAGE_SPAN_WINDOWS} windows (the rule the first stage applies within a
 *   partition). Long-standing blocks do not count: three censors blocking one site is not the site
 *   being down. Dated to the moment the last of those countries began failing (the
 *   {@code minCountries}-th earliest onset).</li>
 *   <li><b>Continue</b> while at least {@code minCountries} countries show an onset or are still in
 *   their incident (blocked or partially restored); countries joining later are added.</li>
 *   <li><b>End</b> in the first window with fewer: dated to the earliest {@code RESTORED} of that
 *   window (the countries' trackers confirm restoration over several windows and date it back), or
 *   to the window when none restored in it.</li>
 * </ul>
 * Ids are deterministic: {@code outageId = <target>-<start window>}, like incident ids.
 */
public final class ServiceOutageJudge {
    /** STARTED or ENDED, as the published event names them. */
    public enum Step { SERVICE_OUTAGE_STARTED, SERVICE_OUTAGE_ENDED }

    /**
     * What the first stage concluded for one target in one country in one window.
     *
     * @param incidentId the country's incident for the target, if it has one (open or restored)
     * @param since      when the country's failure began: its incident's start, or the window's start
     * @param onset      evidence blocked in this window, or an incident begun within the span
     * @param disrupted  the incident is blocked or partially restored after this window
     * @param restoredAt the {@code at} of a {@code RESTORED} event of this window, else null
     */
    public record CountryVerdict(String country, String target, String incidentId, long since, boolean onset,
                                 boolean disrupted, Long restoredAt) {
    }

    /** One event of the second stage; {@code countries} maps country code to its incident id (or null). */
    public record OutageEvent(Step step, String outageId, String target, long at, Map<String, String> countries) {
        public String eventId() {
            return outageId + "/" + step + "/" + DisruptionTracker.idTime(at);
        }
    }

    /** A target's open outage; public mutable fields for the state store, as {@link TrackerState}. */
    public static final class Outage {
        public String outageId;
        public String target;
        public long start;
        /** Every country that was part of it, with its incident id (null until it has one). */
        public TreeMap<String, String> countries = new TreeMap<>();
    }

    /** The outcome of one window for one target: the outage after it (null if none) and its events. */
    public record Result(Outage outage, List<OutageEvent> events) {
    }

    private final int minCountries;

    public ServiceOutageJudge(int minCountries) {
        if (minCountries < 2) {
            throw new IllegalArgumentException("service.outage.countries must be at least 2, got " + minCountries);
        }
        this.minCountries = minCountries;
    }

    /**
     * Judges one complete window for one target.
     *
     * @param verdicts the target's verdicts of the window, at most one per country
     * @param current  the target's open outage, or null; changed in place
     */
    public Result judge(long windowStart, String target, List<CountryVerdict> verdicts, Outage current) {
        List<CountryVerdict> onsets = verdicts.stream().filter(CountryVerdict::onset)
                .sorted(Comparator.comparingLong(CountryVerdict::since).thenComparing(CountryVerdict::country)).toList();
        if (current == null) {
            if (onsets.size() < minCountries) {
                return new Result(null, List.of());
            }
            Outage outage = new Outage();
            outage.target = target;
            outage.start = Math.min(windowStart, onsets.get(minCountries - 1).since());
            outage.outageId = target + "-" + DisruptionTracker.idTime(outage.start);
            onsets.forEach(v -> outage.countries.put(v.country(), v.incidentId()));
            return new Result(outage, List.of(new OutageEvent(Step.SERVICE_OUTAGE_STARTED, outage.outageId, target,
                    outage.start, new TreeMap<>(outage.countries))));
        }
        List<CountryVerdict> down = verdicts.stream().filter(v -> v.onset() || v.disrupted()).toList();
        for (CountryVerdict v : down) {
            // A country that joins, or one whose incident opened after the outage was seen.
            if (v.incidentId() != null || !current.countries.containsKey(v.country())) {
                current.countries.put(v.country(), v.incidentId());
            }
        }
        if (down.size() >= minCountries) {
            return new Result(current, List.of());
        }
        long at = verdicts.stream().map(CountryVerdict::restoredAt).filter(t -> t != null).min(Long::compare)
                .orElse(windowStart);
        at = Math.max(at, current.start);
        List<OutageEvent> events = new ArrayList<>();
        events.add(new OutageEvent(Step.SERVICE_OUTAGE_ENDED, current.outageId, target, at, new TreeMap<>(current.countries)));
        return new Result(null, events);
    }
}
