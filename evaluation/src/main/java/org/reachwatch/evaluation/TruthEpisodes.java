package org.reachwatch.evaluation;

import java.io.IOException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The truth of a scenario as the scorer needs it, read from the JSON the simulator's
 * {@code Truth.write} produces:
 * {@code {"episodes":[{"country","target","cause","start","end","phases":[{"kind","at"}],
 * "entries":[{"from","to","networks"}]}],"regionTargets":N,"weeks":W}} (ISO-8601 UTC times; phase kinds
 * BLOCKED, PARTIAL, REBLOCKED, RESTORED; country "*" = every country; entry networks null = all), and
 * the throttling episodes apart:
 * {@code "throttles":[{"country","target","start","end","networks":[..],"entries":[{"from","to","networks":[..],"factor"}]}]}
 * (absent in truth files written before throttling existed: none). A throttling episode runs from the
 * first throttle to the last lift; its entries say which networks throttle when.
 * Kept separate from the simulator so scoring needs no simulator code.
 */
public record TruthEpisodes(List<Episode> episodes, List<ThrottleEpisode> throttles, int regionTargets, double weeks) {

    public record Episode(String country, String target, String cause, Instant start, Instant end, List<Phase> phases,
                          List<Entry> entries) {
        public Episode {
            phases = phases == null ? List.of() : List.copyOf(phases);
            entries = entries == null || entries.isEmpty() ? List.of(new Entry(start, end, null)) : List.copyOf(entries);
        }

        public Episode(String country, String target, String cause, Instant start, Instant end, List<Phase> phases) {
            this(country, target, cause, start, end, phases, null);
        }

        /** Whether some entry is in force over the whole of [from, to). */
        public boolean disruptedThroughout(Instant from, Instant to) {
            return entries.stream().anyMatch(e -> !e.from().isAfter(from) && !e.to().isBefore(to));
        }

        /**
         * The networks disrupted at {@code t}: null when none is, {@link #ALL} when an entry covers every
         * network.
         */
        public Set<String> networksAt(Instant t) {
            Set<String> out = null;
            for (Entry e : entries) {
                if (!t.isBefore(e.from()) && t.isBefore(e.to())) {
                    if (e.networks() == null) {
                        return ALL;
                    }
                    if (out == null) {
                        out = new TreeSet<>();
                    }
                    out.addAll(e.networks());
                }
            }
            return out;
        }
    }

    /** Marker set: every network (a truth entry without a network list). */
    public static final Set<String> ALL = Set.of("*");

    public record Phase(String kind, Instant at) {
    }

    /** One disruption entry of an episode: when and which networks (null = all). */
    public record Entry(Instant from, Instant to, List<String> networks) {
    }

    /** A target slowed down in a country, from its first throttle to its last lift. */
    public record ThrottleEpisode(String country, String target, Instant start, Instant end, List<Entry> entries) {
        public ThrottleEpisode {
            entries = List.copyOf(entries);
        }

        /** Every network the episode throttles at some point. */
        public Set<String> networks() {
            Set<String> out = new TreeSet<>();
            entries.forEach(e -> out.addAll(e.networks()));
            return out;
        }

        /** The networks throttling at {@code t}; empty when none is (before the start, after the last lift). */
        public Set<String> networksAt(Instant t) {
            Set<String> out = new TreeSet<>();
            entries.stream().filter(e -> !t.isBefore(e.from()) && t.isBefore(e.to())).forEach(e -> out.addAll(e.networks()));
            return out;
        }
    }

    public TruthEpisodes {
        episodes = List.copyOf(episodes);
        throttles = throttles == null ? List.of() : List.copyOf(throttles);
    }

    /** Disruption episodes only, no throttling. */
    public TruthEpisodes(List<Episode> episodes, int regionTargets, double weeks) {
        this(episodes, List.of(), regionTargets, weeks);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return out;
    }

    /** Reads a truth file; fails with an {@link IllegalArgumentException} naming the file when the shape is wrong. */
    public static TruthEpisodes read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        try {
            List<Episode> episodes = new ArrayList<>();
            for (JsonNode n : root.required("episodes")) {
                List<Phase> phases = new ArrayList<>();
                for (JsonNode p : n.path("phases")) {
                    phases.add(new Phase(p.required("kind").asText(), Instant.parse(p.required("at").asText())));
                }
                List<Entry> entries = new ArrayList<>();
                for (JsonNode x : n.path("entries")) {
                    List<String> nets = x.path("networks").isArray() ? strings(x.get("networks")) : null;
                    entries.add(new Entry(Instant.parse(x.required("from").asText()), Instant.parse(x.required("to").asText()), nets));
                }
                episodes.add(new Episode(n.required("country").asText(), n.required("target").asText(),
                        n.required("cause").asText(), Instant.parse(n.required("start").asText()),
                        Instant.parse(n.required("end").asText()), phases, entries));
            }
            List<ThrottleEpisode> throttles = new ArrayList<>();
            for (JsonNode n : root.path("throttles")) {
                List<Entry> entries = new ArrayList<>();
                for (JsonNode x : n.required("entries")) {
                    entries.add(new Entry(Instant.parse(x.required("from").asText()), Instant.parse(x.required("to").asText()),
                            strings(x.required("networks"))));
                }
                throttles.add(new ThrottleEpisode(n.required("country").asText(), n.required("target").asText(),
                        Instant.parse(n.required("start").asText()), Instant.parse(n.required("end").asText()), entries));
            }
            return new TruthEpisodes(episodes, throttles, root.required("regionTargets").asInt(),
                    root.required("weeks").asDouble());
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new IllegalArgumentException("truth file " + file + ": " + e.getMessage(), e);
        }
    }
}
