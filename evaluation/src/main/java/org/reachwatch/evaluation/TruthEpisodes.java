package org.reachwatch.evaluation;

import java.io.IOException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The truth of a scenario as the scorer needs it, read from the JSON the simulator's
 * {@code Truth.write} produces:
 * {@code {"episodes":[{"country","target","cause","start","end","phases":[{"kind","at"}]}],
 * "regionTargets":N,"weeks":W}} (ISO-8601 UTC times; phase kinds BLOCKED, PARTIAL, REBLOCKED;
 * country "*" = every country). Kept separate from the simulator so scoring needs no simulator code.
 */
public record TruthEpisodes(List<Episode> episodes, int regionTargets, double weeks) {

    public record Episode(String country, String target, String cause, Instant start, Instant end, List<Phase> phases) {
        public Episode {
            phases = phases == null ? List.of() : List.copyOf(phases);
        }
    }

    public record Phase(String kind, Instant at) {
    }

    public TruthEpisodes {
        episodes = List.copyOf(episodes);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

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
                episodes.add(new Episode(n.required("country").asText(), n.required("target").asText(),
                        n.required("cause").asText(), Instant.parse(n.required("start").asText()),
                        Instant.parse(n.required("end").asText()), phases));
            }
            return new TruthEpisodes(episodes, root.required("regionTargets").asInt(), root.required("weeks").asDouble());
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new IllegalArgumentException("truth file " + file + ": " + e.getMessage(), e);
        }
    }
}
