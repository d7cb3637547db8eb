package org.reachwatch.evaluation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One disruption event of a detector, as far as scoring needs it. Read from the event JSON lines
 * (AvroJson view of DisruptionEvent): eventId, incidentId, type, country, asn (null = country-level),
 * target, at (event time), detectedAt (when the detector said so), cause, and networks (each
 * {@code asn} with its {@code blocked} and {@code throttled} flags; absent = none, a flag absent = false).
 * Unknown fields are ignored.
 */
public record ScoredEvent(String eventId, String incidentId, String type, String country, String asn,
                          String target, Instant at, Instant detectedAt, String cause, List<Network> networks) {

    /** One network of an event's detail. */
    public record Network(String asn, boolean blocked, boolean throttled) {
        public Network(String asn, boolean blocked) {
            this(asn, blocked, false);
        }
    }

    public ScoredEvent {
        networks = networks == null ? List.of() : List.copyOf(networks);
    }

    public ScoredEvent(String eventId, String incidentId, String type, String country, String asn, String target,
                       Instant at, Instant detectedAt, String cause) {
        this(eventId, incidentId, type, country, asn, target, at, detectedAt, cause, List.of());
    }

    /** Networks the event names as blocking. */
    public Set<String> blockedNetworks() {
        Set<String> out = new TreeSet<>();
        networks.stream().filter(Network::blocked).forEach(n -> out.add(n.asn()));
        return out;
    }

    /** Networks the event names as throttling. */
    public Set<String> throttledNetworks() {
        Set<String> out = new TreeSet<>();
        networks.stream().filter(Network::throttled).forEach(n -> out.add(n.asn()));
        return out;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses one JSON line; fails with an {@link IllegalArgumentException} naming the missing or bad field. */
    public static ScoredEvent parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            List<Network> networks = new ArrayList<>();
            for (JsonNode net : n.path("networks")) {
                networks.add(new Network(net.required("asn").asText(), net.path("blocked").asBoolean(false),
                        net.path("throttled").asBoolean(false)));
            }
            return new ScoredEvent(text(n, "eventId"), n.required("incidentId").asText(), n.required("type").asText(),
                    n.required("country").asText(), text(n, "asn"), n.required("target").asText(),
                    Instant.parse(n.required("at").asText()), Instant.parse(n.required("detectedAt").asText()),
                    text(n, "cause"), networks);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("bad time in event: " + e.getMessage(), e);
        }
    }

    /** Reads a JSON-lines file of events (gzip when the name ends with .gz); blank lines are skipped. */
    public static List<ScoredEvent> readJsonl(Path file) throws IOException {
        List<ScoredEvent> out = new ArrayList<>();
        InputStream raw = Files.newInputStream(file);
        if (file.toString().endsWith(".gz")) {
            raw = new GZIPInputStream(raw);
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8))) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + no + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
