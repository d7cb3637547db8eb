package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.StoredStates;

/**
 * Throttling through the whole judge, on windows of counts and download speeds built here: each probe
 * measures every target and the control once per window; speeds are log-normal around a network's own
 * speed (fixed lines faster than mobile), the target's factor and, where a test asks, an evening
 * congestion that slows everything and a throttle that slows one target on some networks. Seeded.
 */
class ThrottleJudgeTest {
    static final Instant T0 = Instant.parse("2021-03-08T00:00:00Z");
    static final long WINDOW = Duration.ofMinutes(5).toMillis();
    static final long HOUR = Duration.ofHours(1).toMillis();
    static final String TARGET = "twitter.com";
    static final String OTHER = "vk.com";
    static final String CONTROL = "example.com";

    private final WindowJudge judge = new WindowJudge(DetectorSettings.defaultSettings());
    private final Map<TrackerKey, TrackerState> states = new TreeMap<>();
    private final List<WindowJudge.Emission> emitted = new ArrayList<>();
    private final Random random = new Random(2021);
    private long window;
    private long restartEvery;
    private int restarts;

    /** One network: its speed in bytes per second. */
    record Network(String asn, int probes, double speed, boolean mobile) {
    }

    static final List<Network> RUSSIA = List.of(new Network("AS12389", 6, 2_000_000, false),
            new Network("AS8359", 6, 900_000, true), new Network("AS31133", 6, 700_000, true),
            new Network("AS25513", 5, 1_500_000, false));

    /** What happens to one measurement: its network, target and window start; returns a speed factor, 0 = fails. */
    interface World {
        double factor(Network net, String target, long t);
    }

    static final World NORMAL = (net, target, t) -> 1;

    static World congestedEvenings() {
        return (net, target, t) -> hourOfDay(t) >= 18 && hourOfDay(t) < 22 ? 0.25 : 1;
    }

    static final Set<String> THROTTLING = Set.of("AS12389", "AS8359", "AS31133");
    static final long ONSET = T0.toEpochMilli() + 24 * HOUR;
    static final long FIXED_LIFT = ONSET + 30 * HOUR;
    static final long MOBILE_LIFT = FIXED_LIFT + 12 * HOUR;

    /** Russia, March 2021: one service slowed on most networks, lifted on fixed lines first. */
    private void russia() {
        run(RUSSIA, 24 * HOUR, NORMAL);
        run(RUSSIA, 72 * HOUR, (net, target, t) -> target.equals(TARGET) && THROTTLING.contains(net.asn())
                && (net.mobile() ? t < MOBILE_LIFT : t < FIXED_LIFT) ? 0.05 : 1);
    }

    @Test
    void aThrottleOnMostNetworksIsOneEpisodeNamingThemAndEndsWhenTheLastLiftsIt() {
        Set<String> throttling = THROTTLING;
        long onset = ONSET;
        long mobileLift = MOBILE_LIFT;
        russia();

        assertThat(types()).containsExactly(EventType.THROTTLING_STARTED, EventType.THROTTLING_ENDED);
        WindowJudge.Emission started = emitted.get(0);
        assertThat(started.state().target).isEqualTo(TARGET);
        assertThat(started.state().asn).isNull();
        assertThat(started.event().at()).isBetween(onset, onset + WINDOW);
        assertThat(started.event().methods()).containsExactly("THROTTLING");
        assertThat(started.event().throughput()).isLessThan(0.2 * started.event().expectedThroughput());
        assertThat(throttled(started)).containsExactlyElementsOf(new TreeSet<>(throttling));
        WindowJudge.Emission ended = emitted.get(1);
        assertThat(ended.event().incidentId()).isEqualTo(started.event().incidentId());
        assertThat(ended.event().at()).isBetween(mobileLift, mobileLift + 2 * WINDOW);
        // the fixed line lifted first: by the end, its own tracker no longer names it
        assertThat(states.get(TrackerKey.target("RU", "AS12389", TARGET)).throttled).isFalse();
        assertThat(states.get(TrackerKey.target("RU", null, OTHER)).throttleOpen).isFalse();
    }

    @Test
    void whatATrackerKnowsOfSpeedSurvivesARestart() {
        ThrottleJudgeTest uninterrupted = new ThrottleJudgeTest();
        uninterrupted.russia();
        ThrottleJudgeTest restarted = new ThrottleJudgeTest();
        restarted.restartEvery = 7 * HOUR + WINDOW; // lands in warm-up, onset streaks, pools and the throttle
        restarted.russia();

        assertThat(restarted.restarts).isGreaterThan(10);
        assertThat(describe(restarted.emitted)).isNotEmpty().isEqualTo(describe(uninterrupted.emitted));
    }

    private static List<String> describe(List<WindowJudge.Emission> emissions) {
        return emissions.stream().map(e -> e.event() + " " + e.networks()).toList();
    }

    @Test
    void eveningCongestionThatSlowsTheControlsAsMuchIsNotThrottling() {
        run(RUSSIA, 5 * 24 * HOUR, congestedEvenings());

        assertThat(emitted).isEmpty();
        assertThat(states.values()).noneMatch(st -> st.throttled);
    }

    @Test
    void withoutControlsTheTargetsOwnHourOfDayBaselineAbsorbsADailyRhythm() {
        World slowEvenings = congestedEvenings();
        run(RUSSIA, 6 * 24 * HOUR, (net, target, t) -> target.equals(CONTROL) ? 0 : slowEvenings.factor(net, target, t));

        // The first evening is not yet learned: a daily slowdown seen for the first time is reported once
        // at most; from the second day on the hour slots know it and nothing more is raised.
        long secondDay = T0.toEpochMilli() + 24 * HOUR;
        assertThat(emitted).noneMatch(e -> e.event().type() == EventType.THROTTLING_STARTED && e.event().at() >= secondDay);
    }

    @Test
    void aThrottleAfterABlockIsTheSameIncidentAndItClosesOnlyAfterTheThrottleEnds() {
        long block = T0.toEpochMilli() + 24 * HOUR;
        long unblock = block + 3 * HOUR;
        long lift = unblock + 10 * HOUR;
        run(RUSSIA, 24 * HOUR, NORMAL);
        run(RUSSIA, 13 * HOUR + 72 * HOUR + 2 * HOUR, (net, target, t) -> !target.equals(TARGET) ? 1
                : t < unblock ? 0 : t < lift ? 0.05 : 1);

        // Both changes date from the unblocking; the slowdown is confirmed in two windows, the restoration in three.
        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.THROTTLING_STARTED, EventType.RESTORED,
                EventType.THROTTLING_ENDED, EventType.INCIDENT_CLOSED);
        assertThat(emitted).extracting(e -> e.event().incidentId()).containsOnly(emitted.get(0).event().incidentId());
        assertThat(emitted.get(1).event().at()).isBetween(unblock, unblock + WINDOW);
        assertThat(emitted.get(2).event().at()).isBetween(unblock, unblock + WINDOW);
        assertThat(emitted.get(3).event().at()).isBetween(lift, lift + 2 * WINDOW);
        assertThat(emitted.get(4).event().at()).isEqualTo(emitted.get(3).event().at() + Duration.ofHours(72).toMillis());
    }

    @Test
    void aBlockAfterAThrottleJoinsTheThrottlesIncident() {
        long throttle = T0.toEpochMilli() + 24 * HOUR;
        long block = throttle + 6 * HOUR;
        run(RUSSIA, 24 * HOUR, NORMAL);
        run(RUSSIA, 12 * HOUR, (net, target, t) -> !target.equals(TARGET) ? 1 : t < block ? 0.05 : 0);

        assertThat(types()).startsWith(EventType.THROTTLING_STARTED, EventType.DISRUPTION_STARTED);
        assertThat(emitted.get(1).event().incidentId()).isEqualTo(emitted.get(0).event().incidentId());
        assertThat(emitted.get(0).event().incidentId()).startsWith("RU-twitter.com-20210309T0000Z");
    }

    @Test
    void aNoisySlowNetworkIsNotThrottling() {
        List<Network> fleet = List.of(new Network("AS1", 6, 300_000, true), new Network("AS2", 6, 2_000_000, false));
        Random wobble = new Random(7);
        // every hour the slow network's speed jumps by up to a factor of two, targets and controls alike
        double[] level = {1};
        run(fleet, 4 * 24 * HOUR, (net, target, t) -> {
            if (t % HOUR == 0 && net.asn().equals("AS1") && target.equals(TARGET)) {
                level[0] = 0.5 + wobble.nextDouble() * 1.5;
            }
            return net.asn().equals("AS1") ? level[0] : 1;
        });

        assertThat(emitted).isEmpty();
    }

    private void run(List<Network> fleet, long span, World world) {
        long end = T0.toEpochMilli() + window * WINDOW + span;
        for (long t = T0.toEpochMilli() + window * WINDOW; t < end; t += WINDOW, window++) {
            if (restartEvery > 0 && t % restartEvery == 0) {
                StoredStates.roundTrip(states);
                restarts++;
            }
            WindowJudge.Judgement j = judge.judge(t, counts(fleet, t, world), states, true);
            emitted.addAll(j.emissions());
        }
    }

    /** One window: per probe, each target and the control once, at country and network level. */
    private List<WindowJudge.Counts> counts(List<Network> fleet, long t, World world) {
        Map<TrackerKey, int[]> byKey = new LinkedHashMap<>(); // reachable, unreachable, probes
        Map<TrackerKey, List<Double>> speeds = new LinkedHashMap<>();
        for (Network net : fleet) {
            for (int p = 0; p < net.probes(); p++) {
                for (String target : List.of(TARGET, OTHER, CONTROL)) {
                    double factor = world.factor(net, target, t);
                    double speed = net.speed() * factor * Math.exp(0.4 * random.nextGaussian());
                    for (TrackerKey key : List.of(TrackerKey.target("RU", null, target), TrackerKey.target("RU", net.asn(), target))) {
                        int[] c = byKey.computeIfAbsent(key, k -> new int[3]);
                        c[factor == 0 ? 1 : 0]++;
                        c[2]++;
                        if (factor > 0) {
                            speeds.computeIfAbsent(key, k -> new ArrayList<>()).add(speed);
                        }
                    }
                }
            }
        }
        List<WindowJudge.Counts> out = new ArrayList<>();
        byKey.forEach((key, c) -> out.add(new WindowJudge.Counts(key, key.target().equals(CONTROL), c[0] + c[1],
                new WindowObservation(t, t + WINDOW, c[0], c[1], 0, 0, c[1] == 0 ? Map.of() : Map.of("TLS", c[1]), c[2]),
                speeds.getOrDefault(key, List.of()))));
        return out;
    }

    private static int hourOfDay(long t) {
        return (int) ((t / HOUR) % 24);
    }

    private List<EventType> types() {
        return emitted.stream().map(e -> e.event().type()).toList();
    }

    private static Set<String> throttled(WindowJudge.Emission e) {
        Set<String> out = new TreeSet<>();
        e.networks().stream().filter(WindowJudge.NetworkDetail::throttled).forEach(n -> out.add(n.asn()));
        return out;
    }
}
