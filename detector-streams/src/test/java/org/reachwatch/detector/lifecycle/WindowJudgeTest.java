package org.reachwatch.detector.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorSettings;

/**
 * The decisions that need more than one tracker, on windows of counts built here directly: networks
 * that go dark, a country's story naming them, blocks confined to one network, services down in
 * several countries. Deterministic: each probe measures every target once per window, with a seeded
 * daily rhythm where a test asks for one.
 */
class WindowJudgeTest {
    static final Instant T0 = Instant.parse("2022-09-20T00:00:00Z");
    static final long WINDOW = Duration.ofMinutes(5).toMillis();
    static final String CONTROL = "example.com";

    private final WindowJudge judge = new WindowJudge(DetectorSettings.defaultSettings());
    private final Map<TrackerKey, TrackerState> states = new TreeMap<>();
    private final List<WindowJudge.Emission> emitted = new ArrayList<>();
    private long window;

    /** What a network does in one window. */
    enum Net { UP, DARK, BLOCKS }

    /** One network of the synthetic fleet. */
    record Network(String country, String asn, int probes) {
    }

    @Test
    void aCurfewOnTwoMobileNetworksIsOneIncidentReblockedEachEveningNamingThem() {
        List<Network> iran = List.of(new Network("IR", "AS197207", 8), new Network("IR", "AS44244", 8),
                new Network("IR", "AS58224", 8), new Network("IR", "AS31549", 8));
        Set<String> mobile = Set.of("AS197207", "AS44244");
        run(iran, List.of("instagram.com"), hours(24), (net, t) -> Net.UP);
        for (int evening = 0; evening < 3; evening++) {
            run(iran, List.of("instagram.com"), hours(8), (net, t) -> mobile.contains(net.asn()) ? Net.DARK : Net.UP);
            run(iran, List.of("instagram.com"), hours(16), (net, t) -> Net.UP);
        }

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.RESTORED, EventType.REBLOCKED,
                EventType.RESTORED, EventType.REBLOCKED, EventType.RESTORED);
        assertThat(emitted).allSatisfy(e -> {
            assertThat(e.state().target).isEqualTo(TrackerKey.REGION);
            assertThat(e.state().asn).isNull();
            assertThat(e.event().cause()).isEqualTo(DisruptionCause.NETWORK_OUTAGE);
            assertThat(e.event().incidentId()).isEqualTo(emitted.get(0).event().incidentId());
        });
        for (int evening = 0; evening < 3; evening++) {
            WindowJudge.Emission dark = emitted.get(2 * evening);
            assertThat(dark.event().at()).isEqualTo(T0.plus(Duration.ofHours(24 + 24L * evening)).toEpochMilli());
            assertThat(blocked(dark)).isEqualTo(mobile);
            assertThat(emitted.get(2 * evening + 1).event().at())
                    .isEqualTo(T0.plus(Duration.ofHours(32 + 24L * evening)).toEpochMilli());
        }
    }

    @Test
    void aBlockOnOneNetworkTooSmallToMoveTheCountryShareOpensTheCountryIncidentNamingIt() {
        List<Network> kenya = List.of(new Network("KE", "AS33771", 10), new Network("KE", "AS36926", 10),
                new Network("KE", "AS30844", 10), new Network("KE", "AS12455", 3));
        run(kenya, List.of("telegram.org"), hours(6), (net, t) -> Net.UP);
        run(kenya, List.of("telegram.org"), hours(3), (net, t) -> net.asn().equals("AS12455") ? Net.BLOCKS : Net.UP);
        run(kenya, List.of("telegram.org"), hours(3), (net, t) -> Net.UP);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.RESTORED);
        WindowJudge.Emission started = emitted.get(0);
        assertThat(started.state().asn).as("one disruption, one country incident").isNull();
        assertThat(started.state().target).isEqualTo("telegram.org");
        assertThat(started.event().cause()).isEqualTo(DisruptionCause.CENSORSHIP);
        assertThat(started.event().at()).as("dated to the network's first blocked window")
                .isEqualTo(T0.plus(Duration.ofHours(6)).toEpochMilli());
        assertThat(blocked(started)).containsExactly("AS12455");
        assertThat(emitted.get(1).event().at()).isBetween(T0.plus(Duration.ofHours(9)).toEpochMilli(),
                T0.plus(Duration.ofMinutes(9 * 60 + 30)).toEpochMilli());
    }

    @Test
    void aNationalBlockNamesEveryNetworkAndAPartialRestorationOnlyThoseStillBlocking() {
        List<Network> pk = List.of(new Network("PK", "AS17557", 6), new Network("PK", "AS24499", 6),
                new Network("PK", "AS59257", 6));
        run(pk, List.of("x.com"), hours(4), (net, t) -> Net.UP);
        run(pk, List.of("x.com"), hours(2), (net, t) -> Net.BLOCKS);
        run(pk, List.of("x.com"), hours(2), (net, t) -> net.asn().equals("AS59257") ? Net.UP : Net.BLOCKS);

        assertThat(types()).containsExactly(EventType.DISRUPTION_STARTED, EventType.PARTIAL_RESTORATION);
        assertThat(blocked(emitted.get(0))).containsExactly("AS17557", "AS24499", "AS59257");
        assertThat(blocked(emitted.get(1))).containsExactly("AS17557", "AS24499");
        assertThat(emitted.get(1).event().at()).isBetween(T0.plus(Duration.ofHours(6)).toEpochMilli(),
                T0.plus(Duration.ofMinutes(6 * 60 + 10)).toEpochMilli());
    }

    @Test
    void theSameTargetFailingInThreeCountriesAtOnceIsAServiceOutage() {
        List<Network> fleet = List.of(new Network("DE", "AS3320", 6), new Network("BR", "AS28573", 6),
                new Network("IN", "AS55836", 6));
        run(fleet, List.of("facebook.com"), hours(2), (net, t) -> Net.UP);
        run(fleet, List.of("facebook.com"), Duration.ofMinutes(30), (net, t) -> Net.BLOCKS);

        assertThat(emitted).extracting(e -> e.state().country).containsExactlyInAnyOrder("BR", "DE", "IN");
        assertThat(emitted).allSatisfy(e -> {
            assertThat(e.event().type()).isEqualTo(EventType.DISRUPTION_STARTED);
            assertThat(e.event().cause()).isEqualTo(DisruptionCause.SERVICE_OUTAGE);
        });
    }

    @Test
    void aQuietNightIsNotAnOutage() {
        List<Network> fleet = List.of(new Network("DE", "AS3320", 10), new Network("DE", "AS3209", 6));
        Random random = new Random(7);
        // Volume swings by half between the afternoon peak and the night, plus a weekend dip; probes
        // that do not take part in a window send nothing in it.
        for (int day = 0; day < 7; day++) {
            run(fleet, List.of("x.com"), hours(24), (net, t) -> Net.UP, (net, t) -> {
                double hour = (t / 3_600_000.0) % 24;
                double share = (1 + 0.5 * Math.cos(2 * Math.PI * (hour - 15) / 24)) / 1.5;
                return random.nextDouble() < share * (Instant.ofEpochMilli(t).atZone(java.time.ZoneOffset.UTC)
                        .getDayOfWeek().getValue() >= 6 ? 0.7 : 1.0);
            });
        }

        assertThat(emitted).isEmpty();
        TrackerState region = states.get(TrackerKey.region("DE", null));
        long night = T0.plus(Duration.ofDays(7)).plus(Duration.ofHours(3)).toEpochMilli();
        long afternoon = T0.plus(Duration.ofDays(7)).plus(Duration.ofHours(15)).toEpochMilli();
        assertThat(region.volume.expected(night) / region.volume.expected(afternoon))
                .as("the learned rhythm").isBetween(0.25, 0.5);
    }

    @Test
    void aWindowThatMayBePartlyFilledNeitherStartsNorEndsAnythingByVolume() {
        List<Network> fleet = List.of(new Network("SN", "AS8346", 10), new Network("SN", "AS37196", 10));
        run(fleet, List.of("facebook.com"), hours(3), (net, t) -> Net.UP);

        List<WindowJudge.Counts> almostEmpty = counts(fleet, List.of("facebook.com"), time(), (net, t) -> Net.UP,
                (net, t) -> net.asn().equals("AS8346") && t == time());
        judge.judge(time(), almostEmpty, states, false);

        assertThat(emitted).isEmpty();
        assertThat(states.get(TrackerKey.region("SN", null)).stage).isEqualTo(TrackerState.Stage.NORMAL);
    }

    private static Duration hours(int h) {
        return Duration.ofHours(h);
    }

    private long time() {
        return T0.toEpochMilli() + window * WINDOW;
    }

    private void run(List<Network> fleet, List<String> targets, Duration duration, BiFunction<Network, Long, Net> status) {
        run(fleet, targets, duration, status, (net, t) -> true);
    }

    /** Judges {@code duration} of windows; {@code active} says whether a probe's network takes part (per probe). */
    private void run(List<Network> fleet, List<String> targets, Duration duration, BiFunction<Network, Long, Net> status,
                     BiFunction<Network, Long, Boolean> active) {
        long windows = duration.toMillis() / WINDOW;
        for (long i = 0; i < windows; i++) {
            long t = time();
            WindowJudge.Judgement j = judge.judge(t, counts(fleet, targets, t, status, active), states, true);
            emitted.addAll(j.emissions());
            window++;
        }
    }

    /**
     * One window's counts at country and network level. A probe measures every target and the control
     * once; a blocking network fails the targets; one probe in eight of a dark network still gets its
     * (failing) measurements out, the others send nothing.
     */
    private static List<WindowJudge.Counts> counts(List<Network> fleet, List<String> targets, long t,
                                                   BiFunction<Network, Long, Net> status,
                                                   BiFunction<Network, Long, Boolean> active) {
        Map<TrackerKey, int[]> byKey = new LinkedHashMap<>(); // reachable, unreachable, probes
        Map<TrackerKey, Boolean> control = new HashMap<>();
        for (Network net : fleet) {
            Net s = status.apply(net, t);
            for (int p = 0; p < net.probes(); p++) {
                if (s == Net.DARK && p % 8 != 0 || !active.apply(net, t)) {
                    continue;
                }
                List<String> measured = new ArrayList<>(targets);
                measured.add(CONTROL);
                for (String target : measured) {
                    boolean isControl = target.equals(CONTROL);
                    boolean fails = s == Net.DARK || s == Net.BLOCKS && !isControl;
                    for (TrackerKey key : List.of(TrackerKey.target(net.country(), null, target),
                            TrackerKey.target(net.country(), net.asn(), target))) {
                        int[] c = byKey.computeIfAbsent(key, k -> new int[3]);
                        c[fails ? 1 : 0]++;
                        c[2]++;
                        control.put(key, isControl);
                    }
                }
            }
        }
        List<WindowJudge.Counts> out = new ArrayList<>();
        byKey.forEach((key, c) -> out.add(new WindowJudge.Counts(key, control.get(key), c[0] + c[1],
                new WindowObservation(t, t + WINDOW, c[0], c[1], 0, 0, c[1] == 0 ? Map.of() : Map.of("DNS", c[1]),
                        c[2]))));
        return out;
    }

    private List<EventType> types() {
        return emitted.stream().map(e -> e.event().type()).toList();
    }

    private static Set<String> blocked(WindowJudge.Emission e) {
        Set<String> out = new java.util.TreeSet<>();
        e.networks().stream().filter(WindowJudge.NetworkDetail::blocked).forEach(n -> out.add(n.asn()));
        return out;
    }
}
