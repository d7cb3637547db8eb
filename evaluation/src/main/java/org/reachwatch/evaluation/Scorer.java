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
 */
public final class Scorer {
    static final Duration PHASE_TOLERANCE = Duration.ofMinutes(30);

    private Scorer() {
    }

    private record Incident(String id, String country, String asn, String target, String cause,
                            Instant start, Instant detectedAt, Instant end, List<ScoredEvent> events) {
    }

    public static Score score(TruthEpisodes truth, List<ScoredEvent> events, int windowMinutes) {
        Duration window = Duration.ofMinutes(windowMinutes);
        List<Incident> incidents = incidents(events);
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
                if (isExtraStep(ev, eps)) {
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
                attributionEvents == 0 ? Double.NaN : attributed / (double) attributionEvents);
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

    private static List<Incident> incidents(List<ScoredEvent> events) {
        Map<String, List<ScoredEvent>> byId = new LinkedHashMap<>();
        for (ScoredEvent e : events) {
            byId.computeIfAbsent(e.incidentId(), k -> new ArrayList<>()).add(e);
        }
        List<Incident> out = new ArrayList<>();
        Set<String> closing = new HashSet<>(List.of("RESTORED", "INCIDENT_CLOSED"));
        byId.forEach((id, evs) -> {
            evs.sort(Comparator.comparing(ScoredEvent::at));
            ScoredEvent start = evs.stream().filter(e -> e.type().equals("DISRUPTION_STARTED")).findFirst()
                    .orElse(evs.get(0));
            boolean closed = evs.stream().anyMatch(e -> closing.contains(e.type()));
            Instant end = closed ? evs.get(evs.size() - 1).at() : Instant.MAX;
            String cause = evs.stream().map(ScoredEvent::cause).filter(c -> c != null).reduce((a, b) -> b)
                    .orElse(null); // the last cause stated is the detector's final word
            out.add(new Incident(id, start.country(), start.asn(), start.target(), cause, start.at(),
                    start.detectedAt(), end, List.copyOf(evs)));
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
