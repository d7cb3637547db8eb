package org.reachwatch.evaluation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scores a detector's events against truth episodes.
 *
 * <p>Events are grouped by incidentId into incidents. An incident starts at its DISRUPTION_STARTED
 * event ({@code at}; the earliest event when there is none) and is detected at that event's
 * {@code detectedAt}. It matches every episode with the same country (truth country "*" matches any)
 * and target (event target "*" matches any target of the country for NETWORK_OUTAGE episodes) whose
 * interval [start - 1 window, end] contains its start. Country-level incidents (asn null) are matched
 * first; a network-level incident overlapping in time a matched country-level incident of the same
 * country and target (or a country-level "*" incident) is detail, neither matched nor false; otherwise it is matched or false like any
 * other. A PARTIAL (REBLOCKED) truth phase is detected when a matched incident of its episode has a
 * PARTIAL_RESTORATION (REBLOCKED) event within 30 minutes of the phase.
 *
 * <p>Flapping and false alarms, over every incident that is not detail: a {@code NETWORK_OUTAGE}
 * incident that matches no network-outage episode is a false outage; a lifecycle step the truth does
 * not have is an extra step: a RESTORED while the episode is still disrupted for 30 minutes after it, a
 * PARTIAL_RESTORATION or REBLOCKED with no such truth phase within 30 minutes (every step of a false
 * incident is extra). Network attribution: each DISRUPTION_STARTED, PARTIAL_RESTORATION and REBLOCKED
 * of a matched incident is right when the networks it marks {@code blocked} are exactly the networks
 * the truth disrupts when the event was emitted ({@code detectedAt}); for a truth entry without a
 * network list, every network the event lists must be marked.
 *
 * <p>Throttling is scored apart. The block figures above ignore THROTTLING_STARTED and THROTTLING_ENDED
 * events, and leave out throttle-only incidents (throttling events and nothing else but an
 * INCIDENT_CLOSED); an incident that tells both stories ("blocked, partially restored, then throttled")
 * is scored on its block events as any other, and when its throttle came first, its first block event is
 * its onset whatever its type (not an extra step). Throttling figures ({@link ThrottleScore}): a
 * THROTTLING_STARTED matches a throttling episode with the same country and target when its {@code at}
 * is in [start - 1 window, end] (the last lift), and for a network-level event (asn set) when the episode
 * throttles that network; one that matches none is false throttling. An episode is detected by a
 * country-level match, with delay from its start to the earliest match's {@code detectedAt} (as for
 * blocks). Its end is reported by a country-level THROTTLING_ENDED, after its first start, within 30
 * minutes of the last lift; an earlier THROTTLING_ENDED (the throttle is lifted on some networks only, or
 * not at all) and every start after the first are extra steps. Network attribution: a matched
 * country-level THROTTLING_STARTED is right when the networks it marks {@code throttled} are exactly those
 * the truth throttles at its {@code detectedAt} (not scored when the episode is over by then).
 */
public final class Scorer {
    static final Duration PHASE_TOLERANCE = Duration.ofMinutes(30);

    private Scorer() {
    }

    static final Set<String> THROTTLE_TYPES = Set.of("THROTTLING_STARTED", "THROTTLING_ENDED");

    /**
     * An incident as the block figures see it: its events without the throttling ones. {@code onsetAfterThrottle}
     * is its first block event when a throttle of the same incident came before it and it is not a
     * DISRUPTION_STARTED (it is then the block's onset, not a lifecycle step); null otherwise.
     */
    private record Incident(String id, String country, String asn, String target, String cause,
                            Instant start, Instant detectedAt, Instant end, List<ScoredEvent> events,
                            ScoredEvent onsetAfterThrottle) {
    }

    public static Score score(TruthEpisodes truth, List<ScoredEvent> events, int windowMinutes) {
        Duration window = Duration.ofMinutes(windowMinutes);
        List<Incident> incidents = incidents(events);
        long throttleOnly = events.stream().map(ScoredEvent::incidentId).distinct().count() - incidents.size();
        List<TruthEpisodes.Episode> episodes = truth.episodes();
        Map<TruthEpisodes.Episode, List<Incident>> matched = new LinkedHashMap<>();
        episodes.forEach(e -> matched.put(e, new ArrayList<>()));
        List<Incident> countryMatched = new ArrayList<>();
        Set<String> detailIds = new HashSet<>();
        int falseIncidents = 0;
        int detail = 0;
        for (boolean countryLevel : new boolean[] {true, false}) {
            for (Incident inc : incidents) {
                if ((inc.asn() == null) != countryLevel) {
                    continue;
                }
                if (!countryLevel && countryMatched.stream().anyMatch(c -> c.country().equals(inc.country())
                        && (c.target().equals(inc.target()) || c.target().equals("*")) && overlaps(c, inc))) {
                    detail++;
                    detailIds.add(inc.id());
                    continue;
                }
                boolean any = false;
                for (TruthEpisodes.Episode e : episodes) {
                    if (matches(inc, e, window)) {
                        matched.get(e).add(inc);
                        any = true;
                    }
                }
                if (any && countryLevel) {
                    countryMatched.add(inc);
                }
                if (!any) {
                    falseIncidents++;
                }
            }
        }

        int detected = 0;
        int matchedIncidentCount = 0;
        double incidentsPerEpisodeSum = 0;
        int causeRight = 0;
        int causeTotal = 0;
        List<Double> delays = new ArrayList<>();
        int phases = 0;
        int phasesDetected = 0;
        for (TruthEpisodes.Episode e : episodes) {
            List<Incident> incs = matched.get(e);
            for (TruthEpisodes.Phase p : e.phases()) {
                String wanted = switch (p.kind()) {
                    case "PARTIAL" -> "PARTIAL_RESTORATION";
                    case "REBLOCKED" -> "REBLOCKED";
                    default -> null;
                };
                if (wanted == null) {
                    continue;
                }
                phases++;
                boolean hit = incs.stream().flatMap(i -> i.events().stream()).anyMatch(ev -> ev.type().equals(wanted)
                        && Duration.between(p.at(), ev.at()).abs().compareTo(PHASE_TOLERANCE) <= 0);
                if (hit) {
                    phasesDetected++;
                }
            }
            if (incs.isEmpty()) {
                continue;
            }
            detected++;
            matchedIncidentCount += incs.size();
            // A global episode is seen once per country; several countries are not a split.
            long countries = e.country().equals("*") ? incs.stream().map(Incident::country).distinct().count() : 1;
            incidentsPerEpisodeSum += incs.size() / (double) countries;
            Instant first = incs.stream().map(Incident::detectedAt).min(Comparator.naturalOrder()).orElseThrow();
            delays.add(Duration.between(e.start(), first).toMillis() / 60_000.0);
            for (Incident i : incs) {
                causeTotal++;
                if (e.cause().equals(i.cause())) {
                    causeRight++;
                }
            }
        }
        int falseOutages = 0;
        int extraSteps = 0;
        int attributionEvents = 0;
        int attributed = 0;
        for (Incident inc : incidents) {
            if (detailIds.contains(inc.id())) {
                continue;
            }
            List<TruthEpisodes.Episode> eps = episodes.stream().filter(e -> matched.get(e).contains(inc)).toList();
            if ("NETWORK_OUTAGE".equals(inc.cause()) && eps.stream().noneMatch(e -> e.cause().equals("NETWORK_OUTAGE"))) {
                falseOutages++;
            }
            for (ScoredEvent ev : inc.events()) {
                if (ev != inc.onsetAfterThrottle() && isExtraStep(ev, eps)) {
                    extraSteps++;
                }
                Boolean right = attribution(ev, eps);
                if (right != null) {
                    attributionEvents++;
                    attributed += right ? 1 : 0;
                }
            }
        }
        double regionTargetWeeks = truth.regionTargets() * truth.weeks();
        double falseRate = falseIncidents == 0 ? 0 : regionTargetWeeks > 0 ? falseIncidents / regionTargetWeeks
                : Double.POSITIVE_INFINITY;
        delays.sort(Comparator.naturalOrder());
        return new Score(episodes.size(), detected, episodes.isEmpty() ? 1.0 : detected / (double) episodes.size(),
                incidents.size(), detail, falseIncidents, falseRate, median(delays), p95(delays),
                phases, phasesDetected, phases == 0 ? 1.0 : phasesDetected / (double) phases,
                detected == 0 ? 0.0 : incidentsPerEpisodeSum / detected,
                causeTotal == 0 ? 1.0 : causeRight / (double) causeTotal,
                falseOutages, extraSteps, attributionEvents, attributed,
                attributionEvents == 0 ? Double.NaN : attributed / (double) attributionEvents,
                throttling(truth.throttles(), events, window, (int) throttleOnly));
    }

    private static ThrottleScore throttling(List<TruthEpisodes.ThrottleEpisode> episodes, List<ScoredEvent> events,
                                            Duration window, int throttleOnly) {
        List<ScoredEvent> sorted = events.stream().sorted(Comparator.comparing(ScoredEvent::at)).toList();
        Map<TruthEpisodes.ThrottleEpisode, List<ScoredEvent>> matched = new LinkedHashMap<>();
        episodes.forEach(e -> matched.put(e, new ArrayList<>()));
        int falseThrottling = 0;
        for (ScoredEvent ev : sorted) {
            if (!ev.type().equals("THROTTLING_STARTED")) {
                continue;
            }
            TruthEpisodes.ThrottleEpisode episode = episodes.stream().filter(e -> matchesThrottle(ev, e, window))
                    .findFirst().orElse(null);
            if (episode == null) {
                falseThrottling++;
            } else if (ev.asn() == null) {
                matched.get(episode).add(ev);
            }
        }
        int detected = 0;
        int ends = 0;
        int extraSteps = 0;
        int attributionEvents = 0;
        int attributed = 0;
        List<Double> delays = new ArrayList<>();
        for (TruthEpisodes.ThrottleEpisode e : episodes) {
            List<ScoredEvent> starts = matched.get(e);
            if (starts.isEmpty()) {
                continue;
            }
            detected++;
            Instant first = starts.stream().map(ScoredEvent::detectedAt).min(Comparator.naturalOrder()).orElseThrow();
            delays.add(Duration.between(e.start(), first).toMillis() / 60_000.0);
            extraSteps += starts.size() - 1;
            Instant firstAt = starts.get(0).at();
            Instant earliestEnd = e.end().minus(PHASE_TOLERANCE);
            List<ScoredEvent> endEvents = sorted.stream().filter(x -> x.type().equals("THROTTLING_ENDED") && x.asn() == null
                    && x.country().equals(e.country()) && x.target().equals(e.target()) && !x.at().isBefore(firstAt)
                    && !x.at().isAfter(e.end().plus(PHASE_TOLERANCE))).toList();
            extraSteps += (int) endEvents.stream().filter(x -> x.at().isBefore(earliestEnd)).count();
            if (endEvents.stream().anyMatch(x -> !x.at().isBefore(earliestEnd))) {
                ends++;
            }
            for (ScoredEvent s : starts) {
                Set<String> truthNetworks = e.networksAt(s.detectedAt());
                if (!truthNetworks.isEmpty()) {
                    attributionEvents++;
                    attributed += truthNetworks.equals(s.throttledNetworks()) ? 1 : 0;
                }
            }
        }
        delays.sort(Comparator.naturalOrder());
        int n = episodes.size();
        return new ThrottleScore(n, detected, n == 0 ? 1.0 : detected / (double) n, median(delays), p95(delays), ends,
                n == 0 ? 1.0 : ends / (double) n, falseThrottling, extraSteps, attributionEvents, attributed,
                attributionEvents == 0 ? Double.NaN : attributed / (double) attributionEvents, throttleOnly);
    }

    private static boolean matchesThrottle(ScoredEvent ev, TruthEpisodes.ThrottleEpisode e, Duration window) {
        return e.country().equals(ev.country()) && e.target().equals(ev.target())
                && !ev.at().isBefore(e.start().minus(window)) && !ev.at().isAfter(e.end())
                && (ev.asn() == null || e.networks().contains(ev.asn()));
    }

    private static boolean isExtraStep(ScoredEvent ev, List<TruthEpisodes.Episode> eps) {
        String phase = switch (ev.type()) {
            case "PARTIAL_RESTORATION" -> "PARTIAL";
            case "REBLOCKED" -> "REBLOCKED";
            case "RESTORED" -> "RESTORED";
            default -> null;
        };
        if (phase == null) {
            return false;
        }
        if (eps.isEmpty()) {
            return true;
        }
        if (phase.equals("RESTORED")) {
            return eps.stream().anyMatch(e -> e.disruptedThroughout(ev.at(), ev.at().plus(PHASE_TOLERANCE)));
        }
        return eps.stream().flatMap(e -> e.phases().stream()).noneMatch(p -> p.kind().equals(phase)
                && Duration.between(p.at(), ev.at()).abs().compareTo(PHASE_TOLERANCE) <= 0);
    }

    /** Whether the event names exactly the disrupted networks; null when it is not scored for attribution. */
    private static Boolean attribution(ScoredEvent ev, List<TruthEpisodes.Episode> eps) {
        if (eps.isEmpty() || !Set.of("DISRUPTION_STARTED", "PARTIAL_RESTORATION", "REBLOCKED").contains(ev.type())) {
            return null;
        }
        Set<String> truthNetworks = null;
        for (TruthEpisodes.Episode e : eps) {
            Set<String> at = e.networksAt(ev.detectedAt());
            if (at == TruthEpisodes.ALL) {
                return !ev.networks().isEmpty() && ev.networks().stream().allMatch(ScoredEvent.Network::blocked);
            }
            if (at != null) {
                truthNetworks = truthNetworks == null ? new java.util.TreeSet<>() : truthNetworks;
                truthNetworks.addAll(at);
            }
        }
        return truthNetworks == null ? null : truthNetworks.equals(ev.blockedNetworks());
    }

    /** Block incidents: events grouped by incidentId, throttling events left out, throttle-only incidents dropped. */
    private static List<Incident> incidents(List<ScoredEvent> events) {
        Map<String, List<ScoredEvent>> byId = new LinkedHashMap<>();
        for (ScoredEvent e : events) {
            byId.computeIfAbsent(e.incidentId(), k -> new ArrayList<>()).add(e);
        }
        List<Incident> out = new ArrayList<>();
        Set<String> closing = new HashSet<>(List.of("RESTORED", "INCIDENT_CLOSED"));
        byId.forEach((id, all) -> {
            all.sort(Comparator.comparing(ScoredEvent::at));
            List<ScoredEvent> evs = new ArrayList<>(all.stream().filter(e -> !THROTTLE_TYPES.contains(e.type())).toList());
            boolean throttled = evs.size() < all.size();
            if (throttled && evs.stream().allMatch(e -> e.type().equals("INCIDENT_CLOSED"))) {
                return; // throttle-only: scored by the throttling figures
            }
            ScoredEvent start = evs.stream().filter(e -> e.type().equals("DISRUPTION_STARTED")).findFirst()
                    .orElse(evs.stream().filter(e -> !e.type().equals("INCIDENT_CLOSED")).findFirst().orElse(evs.get(0)));
            ScoredEvent onsetAfterThrottle = throttled && !start.type().equals("DISRUPTION_STARTED")
                    && all.stream().anyMatch(e -> THROTTLE_TYPES.contains(e.type()) && !e.at().isAfter(start.at())) ? start : null;
            boolean closed = evs.stream().anyMatch(e -> closing.contains(e.type()));
            Instant end = closed ? evs.get(evs.size() - 1).at() : Instant.MAX;
            String cause = evs.stream().map(ScoredEvent::cause).filter(c -> c != null).reduce((a, b) -> b)
                    .orElse(null); // the last cause stated is the detector's final word
            out.add(new Incident(id, start.country(), start.asn(), start.target(), cause, start.at(),
                    start.detectedAt(), end, List.copyOf(evs), onsetAfterThrottle));
        });
        return out;
    }

    private static boolean matches(Incident i, TruthEpisodes.Episode e, Duration window) {
        boolean country = e.country().equals("*") || e.country().equals(i.country());
        boolean target = e.target().equals(i.target())
                || (i.target().equals("*") && e.cause().equals("NETWORK_OUTAGE"));
        return country && target && !i.start().isBefore(e.start().minus(window)) && !i.start().isAfter(e.end());
    }

    private static boolean overlaps(Incident a, Incident b) {
        return !a.start().isAfter(b.end()) && !b.start().isAfter(a.end());
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double p95(List<Double> sorted) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(0.95 * sorted.size());
        return sorted.get(Math.max(rank, 1) - 1);
    }
}
