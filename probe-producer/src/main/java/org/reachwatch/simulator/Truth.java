package org.reachwatch.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What really happened in a scenario, for scoring a detector. Disruption entries with the same
 * (country, target, cause) separated by less than {@link #LINKING_HORIZON} (the detector's default
 * linking horizon: a re-block within it belongs to the same incident) form one episode. Phases: the
 * first entry is BLOCKED; an entry that follows a gap is REBLOCKED, and the gap's start is RESTORED;
 * an entry that covers more networks or a higher share than the one before is REBLOCKED, fewer or a
 * lower share PARTIAL; an entry with the same coverage (e.g. only the method changes) adds none. The
 * episode's end is RESTORED. Each episode keeps its entries (interval and disrupted networks), so a
 * scorer can tell which networks were disrupted at any moment.
 *
 * <p>Throttling episodes are kept apart from these (a slow service is not a blocked one): throttle entries
 * of the same (country, target) that overlap or touch form one episode, from the first entry's start to
 * the last lift; a gap starts a new episode (the detector reports each with its own THROTTLING_STARTED).
 * Each keeps its entries, so a scorer knows which networks throttle at any moment. Congestion is not an
 * episode: nothing happened to any service.
 *
 * <p>JSON shape (read by the evaluation module, keep in step):
 * {@code {"scenario":..., "episodes":[{"country","target","cause","start","end","phases":[{"kind","at"}],
 * "entries":[{"from","to","networks":[..]|null}]}], "throttles":[{"country","target","start","end",
 * "networks":[..],"entries":[{"from","to","networks":[..],"factor"}]}], "regionTargets":N, "weeks":W}},
 * times ISO-8601 UTC; {@code networks} null = every network of every country (country "*"); a throttle's
 * {@code networks} are every network it slows at some point.
 */
public record Truth(String scenario, List<Episode> episodes, List<ThrottleEpisode> throttles, int regionTargets,
                    double weeks) {
    public static final Duration LINKING_HORIZON = Duration.ofHours(72);

    public record Episode(String country, String target, String cause, Instant start, Instant end, List<Phase> phases,
                          List<Entry> entries) {
    }

    public record Phase(String kind, Instant at) {
    }

    /** One disruption entry of an episode: when, and which networks (null = all, for country "*"). */
    public record Entry(Instant from, Instant to, List<String> networks) {
    }

    /** A target slowed down in a country, from its first throttle to its last lift. */
    public record ThrottleEpisode(String country, String target, Instant start, Instant end, List<String> networks,
                                  List<ThrottleEntry> entries) {
    }

    /** One throttle entry of an episode: when, on which networks, and how much of the speed is left. */
    public record ThrottleEntry(Instant from, Instant to, List<String> networks, double factor) {
    }

    public static Truth of(Scenario s) {
        Map<String, List<Scenario.Disruption>> byKey = new LinkedHashMap<>();
        for (Scenario.Disruption d : s.disruptions()) {
            for (String target : s.targetsOf(d)) {
                byKey.computeIfAbsent(d.country() + "|" + target + "|" + d.cause(), k -> new ArrayList<>()).add(d);
            }
        }
        List<Episode> episodes = new ArrayList<>();
        byKey.forEach((key, entries) -> {
            String[] k = key.split("\\|");
            entries.sort(Comparator.comparing(Scenario.Disruption::from));
            Instant start = null;
            Instant end = null;
            List<Phase> phases = null;
            List<Entry> parts = null;
            Scenario.Disruption prev = null;
            for (Scenario.Disruption d : entries) {
                if (prev == null || !d.from().isBefore(end.plus(LINKING_HORIZON))) {
                    if (prev != null) {
                        phases.add(new Phase("RESTORED", end));
                        episodes.add(new Episode(k[0], k[1], k[2], start, end, List.copyOf(phases), List.copyOf(parts)));
                    }
                    start = d.from();
                    end = d.to();
                    phases = new ArrayList<>(List.of(new Phase("BLOCKED", d.from())));
                    parts = new ArrayList<>();
                } else {
                    int before = coverage(s, prev);
                    int now = coverage(s, d);
                    if (d.from().isAfter(end)) {
                        phases.add(new Phase("RESTORED", end));
                        phases.add(new Phase("REBLOCKED", d.from()));
                    } else if (now > before || (now == before && d.share() > prev.share())) {
                        phases.add(new Phase("REBLOCKED", d.from()));
                    } else if (now < before || d.share() < prev.share()) {
                        phases.add(new Phase("PARTIAL", d.from()));
                    }
                    if (d.to().isAfter(end)) {
                        end = d.to();
                    }
                }
                parts.add(new Entry(d.from(), d.to(), networks(s, d)));
                prev = d;
            }
            phases.add(new Phase("RESTORED", end));
            episodes.add(new Episode(k[0], k[1], k[2], start, end, List.copyOf(phases), List.copyOf(parts)));
        });
        episodes.sort(Comparator.comparing(Episode::start).thenComparing(Episode::country).thenComparing(Episode::target));
        double weeks = Duration.between(s.start(), s.end()).toMinutes() / (7.0 * 24 * 60);
        return new Truth(s.name(), List.copyOf(episodes), throttles(s), s.countries().size() * s.targets().size(), weeks);
    }

    private static List<ThrottleEpisode> throttles(Scenario s) {
        Map<String, List<Scenario.Throttle>> byKey = new LinkedHashMap<>();
        for (Scenario.Throttle t : s.throttles()) {
            for (String target : s.targetsOf(t)) {
                byKey.computeIfAbsent(t.country() + "|" + target, k -> new ArrayList<>()).add(t);
            }
        }
        List<ThrottleEpisode> out = new ArrayList<>();
        byKey.forEach((key, entries) -> {
            String[] k = key.split("\\|");
            entries.sort(Comparator.comparing(Scenario.Throttle::from));
            List<ThrottleEntry> parts = new ArrayList<>();
            Instant end = null;
            for (Scenario.Throttle t : entries) {
                if (end != null && t.from().isAfter(end)) {
                    out.add(throttleEpisode(k[0], k[1], parts));
                    parts = new ArrayList<>();
                    end = null;
                }
                parts.add(new ThrottleEntry(t.from(), t.to(), s.networksOf(t), t.factor()));
                end = end == null || t.to().isAfter(end) ? t.to() : end;
            }
            out.add(throttleEpisode(k[0], k[1], parts));
        });
        out.sort(Comparator.comparing(ThrottleEpisode::start).thenComparing(ThrottleEpisode::country)
                .thenComparing(ThrottleEpisode::target));
        return List.copyOf(out);
    }

    private static ThrottleEpisode throttleEpisode(String country, String target, List<ThrottleEntry> parts) {
        Instant start = parts.stream().map(ThrottleEntry::from).min(Comparator.naturalOrder()).orElseThrow();
        Instant end = parts.stream().map(ThrottleEntry::to).max(Comparator.naturalOrder()).orElseThrow();
        List<String> networks = parts.stream().flatMap(p -> p.networks().stream()).distinct().sorted().toList();
        return new ThrottleEpisode(country, target, start, end, networks, List.copyOf(parts));
    }

    private static List<String> networks(Scenario s, Scenario.Disruption d) {
        if (d.networks() != null) {
            return List.copyOf(d.networks());
        }
        return d.country().equals("*") ? null : s.country(d.country()).networks().stream().map(Scenario.Network::asn).toList();
    }

    private static int coverage(Scenario s, Scenario.Disruption d) {
        if (d.networks() != null) {
            return d.networks().size();
        }
        return d.country().equals("*") ? Integer.MAX_VALUE : s.country(d.country()).networks().size();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return List.copyOf(out);
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("scenario", scenario);
        ArrayNode eps = root.putArray("episodes");
        for (Episode e : episodes) {
            ObjectNode n = eps.addObject();
            n.put("country", e.country()).put("target", e.target()).put("cause", e.cause())
                    .put("start", e.start().toString()).put("end", e.end().toString());
            ArrayNode ph = n.putArray("phases");
            for (Phase p : e.phases()) {
                ph.addObject().put("kind", p.kind()).put("at", p.at().toString());
            }
            ArrayNode en = n.putArray("entries");
            for (Entry x : e.entries()) {
                ObjectNode o = en.addObject().put("from", x.from().toString()).put("to", x.to().toString());
                if (x.networks() == null) {
                    o.putNull("networks");
                } else {
                    x.networks().forEach(o.putArray("networks")::add);
                }
            }
        }
        ArrayNode ths = root.putArray("throttles");
        for (ThrottleEpisode e : throttles) {
            ObjectNode n = ths.addObject();
            n.put("country", e.country()).put("target", e.target())
                    .put("start", e.start().toString()).put("end", e.end().toString());
            e.networks().forEach(n.putArray("networks")::add);
            ArrayNode en = n.putArray("entries");
            for (ThrottleEntry x : e.entries()) {
                ObjectNode o = en.addObject().put("from", x.from().toString()).put("to", x.to().toString());
                x.networks().forEach(o.putArray("networks")::add);
                o.put("factor", x.factor());
            }
        }
        root.put("regionTargets", regionTargets);
        root.put("weeks", weeks);
        Files.writeString(file, JSON.writeValueAsString(root));
    }

    /** Reads what {@link #write} wrote; fails with an {@link IllegalArgumentException} on another shape. */
    public static Truth read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        try {
            List<Episode> episodes = new ArrayList<>();
            for (JsonNode n : root.required("episodes")) {
                List<Phase> phases = new ArrayList<>();
                for (JsonNode p : n.required("phases")) {
                    phases.add(new Phase(p.required("kind").asText(), Instant.parse(p.required("at").asText())));
                }
                List<Entry> entries = new ArrayList<>();
                for (JsonNode x : n.path("entries")) {
                    List<String> nets = null;
                    if (x.path("networks").isArray()) {
                        nets = new ArrayList<>();
                        for (JsonNode a : x.get("networks")) {
                            nets.add(a.asText());
                        }
                    }
                    entries.add(new Entry(Instant.parse(x.required("from").asText()), Instant.parse(x.required("to").asText()),
                            nets == null ? null : List.copyOf(nets)));
                }
                episodes.add(new Episode(n.required("country").asText(), n.required("target").asText(),
                        n.required("cause").asText(), Instant.parse(n.required("start").asText()),
                        Instant.parse(n.required("end").asText()), List.copyOf(phases), List.copyOf(entries)));
            }
            List<ThrottleEpisode> throttles = new ArrayList<>();
            for (JsonNode n : root.path("throttles")) {
                List<ThrottleEntry> entries = new ArrayList<>();
                for (JsonNode x : n.required("entries")) {
                    entries.add(new ThrottleEntry(Instant.parse(x.required("from").asText()),
                            Instant.parse(x.required("to").asText()), strings(x.required("networks")),
                            x.required("factor").asDouble()));
                }
                throttles.add(new ThrottleEpisode(n.required("country").asText(), n.required("target").asText(),
                        Instant.parse(n.required("start").asText()), Instant.parse(n.required("end").asText()),
                        strings(n.required("networks")), List.copyOf(entries)));
            }
            return new Truth(root.path("scenario").asText(null), List.copyOf(episodes), List.copyOf(throttles),
                    root.required("regionTargets").asInt(), root.required("weeks").asDouble());
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("truth file " + file + ": " + e.getMessage(), e);
        }
    }
}
