package org.reachwatch.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A simulated fleet and what happens to it, read from YAML. The shape (every key is checked; an
 * unknown or misspelt key fails with a message naming it):
 *
 * <pre>
 * name: pakistan-2024
 * seed: 42
 * start: 2024-02-17T12:00:00Z
 * end: 2024-02-19T12:00:00Z
 * intervalMinutes: 5          # each probe measures every target once per interval (jittered inside it)
 * countries:
 *   - code: PK
 *     networks: [{asn: AS17557, name: PTCL, probes: 6}, {asn: AS24499, name: Jazz, probes: 5, kind: mobile}]
 * targets: [x.com, twitter.com]
 * controls: [example.com]
 * noise: {failureRate: 0.03, lateShare: 0.02, lateMaxMinutes: 240, duplicateShare: 0.01}
 * rhythm: {dailyAmplitude: 0.35, peakHourUtc: 15, weekendFactor: 0.8}   # the default when omitted
 * churn: {meanOnlineHours: 48, meanOfflineHours: 3}                       # the default when omitted
 * disruptions:
 *   - {country: PK, targets: [x.com], networks: [AS17557], share: 1.0, method: TLS,
 *      from: 2024-02-17T20:00:00Z, to: 2024-02-18T06:00:00Z, cause: CENSORSHIP}
 * throttles:
 *   - {country: PK, targets: [x.com], networks: [AS24499], factor: 0.05,
 *      from: 2024-02-18T06:00:00Z, to: 2024-02-19T06:00:00Z}
 * congestion:
 *   - {country: PK, networks: [AS24499], fromHourUtc: 14, toHourUtc: 18, factor: 0.4}
 * expect: {minRecall: 1.0, maxFalsePerRegionTargetWeek: 0.0, maxMedianDelayMinutes: 10,
 *          maxP95DelayMinutes: 15, maxIncidentsPerEpisode: 1.0, minPhaseRecall: 1.0,
 *          maxFalseOutages: 0, maxExtraSteps: 0, minAttribution: 1.0,
 *          minThrottleRecall: 1.0, maxFalseThrottling: 0, maxThrottleMedianDelayMinutes: 30,
 *          maxThrottleP95DelayMinutes: 45, minThrottleEndRecall: 1.0, maxThrottleExtraSteps: 0,
 *          minThrottleAttribution: 1.0}
 * </pre>
 *
 * Real fleets are not flat: measurement volume follows the day (people use phones in the evening and
 * laptops at work) and the week, and probes come and go. {@code rhythm} makes a probe take part in an
 * interval with probability {@code (1 + a cos(2 pi (h - peak) / 24)) / (1 + a)} at UTC hour {@code h}
 * (times {@code weekendFactor} on Saturdays and Sundays); {@code churn} takes a probe offline for
 * exponentially distributed spells. Both are on by default; {@code rhythm: {dailyAmplitude: 0,
 * weekendFactor: 1}} and {@code churn: {meanOfflineHours: 0}} turn them off.
 *
 * A disruption entry blocks {@code share} of the measurements of the listed networks (omitted =
 * all networks of the country) for the listed targets (omitted = all non-control targets) during
 * [from, to). {@code country: "*"} (only for SERVICE_OUTAGE) means every country. Phases (partial
 * restoration, re-block) are written as several entries in sequence.
 *
 * <p><b>Speed.</b> Every reachable measurement downloads a fixed body and reports its throughput (see
 * {@link Simulator} for the model). A network's {@code kind} ({@code fixed}, the default, or
 * {@code mobile}) sets its median download speed, 24 or 8 Mbit/s; {@code speedMbps} overrides it. Both
 * are optional.
 *
 * <p>A {@code throttles} entry multiplies the download speed of the listed targets (omitted = all
 * non-control targets; controls cannot be throttled) on the listed networks (omitted = all networks of
 * the country) by {@code factor} (0 &lt; factor &lt; 1, required) during [from, to); the measurements stay
 * reachable. A throttle lifted network by network (fixed lines first, then mobile) is written as
 * entries in sequence, each naming the networks still throttled, as disruptions write phases. Where
 * entries overlap on a network and target the first listed applies. A blocked measurement is not
 * slowed (it has no download).
 *
 * <p>A {@code congestion} entry slows everything, targets and controls alike, of a country ({@code "*"}
 * = every country; required) on the listed networks (omitted = all) every day between
 * {@code fromHourUtc} (0-23) and {@code toHourUtc} (1-24, exclusive; a window may wrap past midnight,
 * e.g. 20 to 2) by {@code factor} (0 &lt; factor &lt; 1, required). It is the evening peak of a
 * network, not an event: the truth has no episode for it. Overlapping congestion entries multiply.
 *
 * <p>The {@code expect:} keys are the scorer's thresholds; their meaning is in the evaluation module's
 * {@code Expectations} and {@code Score}. The throttling ones: {@code minThrottleRecall} (share of
 * throttling episodes with a country-level THROTTLING_STARTED), {@code maxFalseThrottling}
 * (THROTTLING_STARTED events matching no throttling episode), {@code maxThrottleMedianDelayMinutes} and
 * {@code maxThrottleP95DelayMinutes} (episode start to the first THROTTLING_STARTED's detectedAt),
 * {@code minThrottleEndRecall} (share of episodes whose end, the last lift, has a THROTTLING_ENDED),
 * {@code maxThrottleExtraSteps} (a second THROTTLING_STARTED, or a THROTTLING_ENDED while still
 * throttled, inside one episode) and {@code minThrottleAttribution} (THROTTLING_STARTED events whose
 * {@code networks[].throttled} are exactly the throttling networks).
 */
public record Scenario(String name, long seed, Instant start, Instant end, int intervalMinutes,
                       List<Country> countries, List<String> targets, List<String> controls,
                       Noise noise, Rhythm rhythm, Churn churn, List<Disruption> disruptions,
                       List<Throttle> throttles, List<Congestion> congestion, Expect expect) {

    public record Country(String code, List<Network> networks) {
    }

    /** A network of a country; {@code kind} and {@code speedMbps} are optional (see the class comment). */
    public record Network(String asn, String name, int probes, Kind kind, Double speedMbps) {
        public Network {
            kind = kind == null ? Kind.FIXED : kind;
        }

        /** Median download speed of the network, bytes per second. */
        double speedBytesPerSecond() {
            return (speedMbps != null ? speedMbps : kind.defaultMbps) * 125_000;
        }
    }

    /** What kind of access a network sells; it sets the default speed. */
    public enum Kind {
        @JsonProperty("fixed") FIXED(24),
        @JsonProperty("mobile") MOBILE(8);

        final double defaultMbps;

        Kind(double defaultMbps) {
            this.defaultMbps = defaultMbps;
        }
    }

    /** Background imperfection of a healthy fleet. Shares are 0..1 of all measurements. */
    public record Noise(double failureRate, double lateShare, int lateMaxMinutes, double duplicateShare) {
        static final Noise NONE = new Noise(0, 0, 0, 0);
    }

    /** Daily and weekly swing of measurement volume; see the class comment. Omitted values take the defaults. */
    public record Rhythm(Double dailyAmplitude, Integer peakHourUtc, Double weekendFactor) {
        static final Rhythm DEFAULT = new Rhythm(0.35, 15, 0.8);

        public Rhythm {
            dailyAmplitude = dailyAmplitude == null ? 0.35 : dailyAmplitude;
            peakHourUtc = peakHourUtc == null ? 15 : peakHourUtc;
            weekendFactor = weekendFactor == null ? 0.8 : weekendFactor;
        }

        /** Probability that a probe takes part in the interval starting at {@code t}. */
        double participation(Instant t) {
            double hour = (t.getEpochSecond() % 86_400) / 3600.0;
            double daily = (1 + dailyAmplitude * Math.cos(2 * Math.PI * (hour - peakHourUtc) / 24)) / (1 + dailyAmplitude);
            java.time.DayOfWeek day = t.atZone(java.time.ZoneOffset.UTC).getDayOfWeek();
            boolean weekend = day == java.time.DayOfWeek.SATURDAY || day == java.time.DayOfWeek.SUNDAY;
            return daily * (weekend ? weekendFactor : 1);
        }
    }

    /** Probes going offline for a while and coming back. Omitted values take the defaults. */
    public record Churn(Double meanOnlineHours, Double meanOfflineHours) {
        static final Churn DEFAULT = new Churn(48.0, 3.0);

        public Churn {
            meanOnlineHours = meanOnlineHours == null ? 48.0 : meanOnlineHours;
            meanOfflineHours = meanOfflineHours == null ? 3.0 : meanOfflineHours;
        }
    }

    public enum Method { DNS, TCP_IP, TLS, HTTP_BLOCKPAGE }

    public enum Cause { CENSORSHIP, NETWORK_OUTAGE, SERVICE_OUTAGE }

    public record Disruption(String country, List<String> targets, List<String> networks, double share,
                             Method method, Instant from, Instant to, Cause cause) {
    }

    /** A target slowed down on some networks: its download speed times {@code factor} during [from, to). */
    public record Throttle(String country, List<String> targets, List<String> networks, double factor,
                           Instant from, Instant to) {
    }

    /** Everything slowed down every day between two UTC hours: a network's evening peak. */
    public record Congestion(String country, List<String> networks, Integer fromHourUtc, Integer toHourUtc,
                             double factor) {
        /** Whether the daily window covers {@code t}. */
        boolean covers(Instant t) {
            int hour = (int) ((t.getEpochSecond() % 86_400) / 3600);
            return fromHourUtc < toHourUtc ? hour >= fromHourUtc && hour < toHourUtc
                    : hour >= fromHourUtc || hour < toHourUtc;
        }
    }

    /** Pass thresholds for the scorer; null = not checked. */
    public record Expect(Double minRecall, Double maxFalsePerRegionTargetWeek, Double maxMedianDelayMinutes,
                         Double maxP95DelayMinutes, Double maxIncidentsPerEpisode, Double minPhaseRecall,
                         Integer maxFalseOutages, Integer maxExtraSteps, Double minAttribution,
                         Double minThrottleRecall, Integer maxFalseThrottling, Double maxThrottleMedianDelayMinutes,
                         Double maxThrottleP95DelayMinutes, Double minThrottleEndRecall, Integer maxThrottleExtraSteps,
                         Double minThrottleAttribution) {
    }

    public Scenario {
        targets = targets == null ? List.of() : List.copyOf(targets);
        controls = controls == null ? List.of() : List.copyOf(controls);
        countries = countries == null ? List.of() : List.copyOf(countries);
        disruptions = disruptions == null ? List.of() : List.copyOf(disruptions);
        throttles = throttles == null ? List.of() : List.copyOf(throttles);
        congestion = congestion == null ? List.of() : List.copyOf(congestion);
        noise = noise == null ? Noise.NONE : noise;
        rhythm = rhythm == null ? Rhythm.DEFAULT : rhythm;
        churn = churn == null ? Churn.DEFAULT : churn;
    }

    public Duration interval() {
        return Duration.ofMinutes(intervalMinutes);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .registerModule(new SimpleModule().addDeserializer(Instant.class, new InstantDeserializer()));

    /** Reads and validates a scenario; fails with an {@link IllegalArgumentException} naming the file and problem. */
    public static Scenario read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read scenario " + file + ": " + e.getMessage(), e);
        }
    }

    public static Scenario parse(String yaml) {
        try {
            return parse(new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    "<string>");
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Scenario parse(InputStream in, String where) throws IOException {
        Scenario s;
        try {
            s = YAML.readValue(in, Scenario.class);
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new IllegalArgumentException("scenario " + where + ": at '" + path + "': " + e.getOriginalMessage(), e);
        }
        s.validate(where);
        return s;
    }

    private void validate(String where) {
        String p = "scenario " + where + ": ";
        require(name != null && !name.isBlank(), p + "'name' is required");
        require(start != null && end != null && start.isBefore(end), p + "'start' and 'end' are required, start < end");
        require(intervalMinutes > 0, p + "'intervalMinutes' must be > 0");
        require(!countries.isEmpty(), p + "'countries' must not be empty");
        require(!targets.isEmpty(), p + "'targets' must not be empty");
        require(noise.failureRate() >= 0 && noise.failureRate() <= 1 && noise.lateShare() >= 0 && noise.lateShare() <= 1
                && noise.duplicateShare() >= 0 && noise.duplicateShare() <= 1 && noise.lateMaxMinutes() >= 0,
                p + "'noise' shares must be in 0..1 and lateMaxMinutes >= 0");
        require(rhythm.dailyAmplitude() >= 0 && rhythm.dailyAmplitude() < 1 && rhythm.peakHourUtc() >= 0
                && rhythm.peakHourUtc() < 24 && rhythm.weekendFactor() > 0 && rhythm.weekendFactor() <= 1,
                p + "'rhythm' needs dailyAmplitude in [0, 1), peakHourUtc in [0, 24), weekendFactor in (0, 1]");
        require(churn.meanOnlineHours() > 0 && churn.meanOfflineHours() >= 0,
                p + "'churn' needs meanOnlineHours > 0 and meanOfflineHours >= 0");
        Set<String> targetSet = new HashSet<>(targets);
        for (Country c : countries) {
            require(c.code() != null && c.networks() != null && !c.networks().isEmpty(),
                    p + "every country needs 'code' and 'networks'");
            for (Network n : c.networks()) {
                require(n.asn() != null && n.probes() > 0, p + "network in " + c.code() + " needs 'asn' and 'probes' > 0");
                require(n.speedMbps() == null || n.speedMbps() > 0, p + "network " + n.asn() + ": 'speedMbps' must be > 0");
            }
        }
        for (int i = 0; i < disruptions.size(); i++) {
            Disruption d = disruptions.get(i);
            String dp = p + "disruptions[" + i + "]: ";
            require(d.country() != null && d.from() != null && d.to() != null && d.cause() != null,
                    dp + "'country', 'from', 'to' and 'cause' are required");
            require(d.from().isBefore(d.to()), dp + "'from' must be before 'to'");
            require(d.share() > 0 && d.share() <= 1, dp + "'share' must be in (0, 1]");
            require(d.method() != null || d.cause() != Cause.CENSORSHIP, dp + "'method' is required for CENSORSHIP");
            if (d.country().equals("*")) {
                require(d.cause() == Cause.SERVICE_OUTAGE, dp + "country '*' is only allowed for SERVICE_OUTAGE");
                require(d.networks() == null, dp + "'networks' cannot be given with country '*'");
            } else {
                Country c = country(d.country());
                require(c != null, dp + "unknown country '" + d.country() + "'");
                if (d.networks() != null) {
                    for (String asn : d.networks()) {
                        require(c.networks().stream().anyMatch(n -> n.asn().equals(asn)),
                                dp + "unknown network '" + asn + "' in " + d.country());
                    }
                }
            }
            if (d.targets() != null) {
                for (String t : d.targets()) {
                    require(targetSet.contains(t), dp + "unknown target '" + t + "' (controls cannot be disrupted by name)");
                }
            }
        }
        validateThrottles(p, targetSet);
    }

    private void validateThrottles(String p, Set<String> targetSet) {
        for (int i = 0; i < throttles.size(); i++) {
            Throttle t = throttles.get(i);
            String tp = p + "throttles[" + i + "]: ";
            require(t.country() != null && t.from() != null && t.to() != null,
                    tp + "'country', 'from', 'to' and 'factor' are required");
            require(t.from().isBefore(t.to()), tp + "'from' must be before 'to'");
            require(t.factor() > 0 && t.factor() < 1, tp + "'factor' must be in (0, 1): the speed is multiplied by it");
            Country c = country(t.country());
            require(c != null, tp + "unknown country '" + t.country() + "' (a throttle names one country)");
            requireNetworks(tp, c, t.networks());
            if (t.targets() != null) {
                require(!t.targets().isEmpty(), tp + "'targets' must not be empty (omit it for every target)");
                for (String target : t.targets()) {
                    require(targetSet.contains(target), tp + "unknown target '" + target + "' (controls cannot be throttled)");
                }
            }
        }
        for (int i = 0; i < congestion.size(); i++) {
            Congestion g = congestion.get(i);
            String gp = p + "congestion[" + i + "]: ";
            require(g.country() != null && g.fromHourUtc() != null && g.toHourUtc() != null,
                    gp + "'country', 'fromHourUtc', 'toHourUtc' and 'factor' are required");
            require(g.fromHourUtc() >= 0 && g.fromHourUtc() <= 23 && g.toHourUtc() >= 1 && g.toHourUtc() <= 24
                    && !g.fromHourUtc().equals(g.toHourUtc()),
                    gp + "'fromHourUtc' must be in 0..23, 'toHourUtc' in 1..24, and they must differ");
            require(g.factor() > 0 && g.factor() < 1, gp + "'factor' must be in (0, 1): the speed is multiplied by it");
            if (g.country().equals("*")) {
                require(g.networks() == null, gp + "'networks' cannot be given with country '*'");
            } else {
                Country c = country(g.country());
                require(c != null, gp + "unknown country '" + g.country() + "'");
                requireNetworks(gp, c, g.networks());
            }
        }
    }

    private static void requireNetworks(String prefix, Country c, List<String> networks) {
        if (networks == null) {
            return;
        }
        require(!networks.isEmpty(), prefix + "'networks' must not be empty (omit it for every network)");
        for (String asn : networks) {
            require(c.networks().stream().anyMatch(n -> n.asn().equals(asn)),
                    prefix + "unknown network '" + asn + "' in " + c.code());
        }
    }

    Country country(String code) {
        return countries.stream().filter(c -> c.code().equals(code)).findFirst().orElse(null);
    }

    /** Targets a disruption names, or all non-control targets when it names none. */
    List<String> targetsOf(Disruption d) {
        return d.targets() == null ? targets : d.targets();
    }

    /** Targets a throttle names, or all non-control targets when it names none. */
    List<String> targetsOf(Throttle t) {
        return t.targets() == null ? targets : t.targets();
    }

    /** Networks a throttle names, or every network of its country when it names none. */
    List<String> networksOf(Throttle t) {
        return t.networks() != null ? List.copyOf(t.networks())
                : country(t.country()).networks().stream().map(Network::asn).toList();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static final class InstantDeserializer extends StdScalarDeserializer<Instant> {
        InstantDeserializer() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException | NullPointerException e) {
                throw JsonMappingException.from(p, "not an ISO-8601 UTC instant like 2024-02-17T20:00:00Z: " + text);
            }
        }
    }
}
