package org.reachwatch.detector.lifecycle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.reachwatch.avro.EventType;
import org.reachwatch.detector.DetectorSettings;

/**
 * Judges one closed window of every region and target together: the decisions that need more than
 * one tracker. Plain Java over typed keys, no Kafka; the processor feeds it the window's counts and
 * the trackers, and publishes what it returns. In order:
 * <ol>
 *   <li><b>Networks' connectivity.</b> Each (country, ASN) region tracker judges its volume against its
 *   own rhythm ({@link VolumeBaseline}, {@link VolumeTest}) and its controls. A network whose tracker is
 *   blocked or partially restored is <i>dark</i>.</li>
 *   <li><b>Countries' connectivity.</b> The country's region tracker is down when its own volume
 *   collapses or its controls fail, or when any of its networks is dark: one {@code NETWORK_OUTAGE}
 *   incident per country (target {@code *}), naming the dark networks, whether the whole country or a
 *   curfew on two mobile networks.</li>
 *   <li><b>Services down everywhere.</b> A target blocked in {@code service.outage.countries} countries in
 *   the same window is {@code SERVICE_OUTAGE}.</li>
 *   <li><b>Networks per target.</b> Every (country, ASN, target) runs its own lifecycle (never published:
 *   it is detail) and its attribution ({@link NetworkAttribution}): whether it blocks the target now.
 *   Dark networks are left out: the outage explains their failures.</li>
 *   <li><b>Countries per target.</b> The country tracker judges the country's measurements of the
 *   networks that are not dark; its events name the networks that block. A block confined to some
 *   networks, too small to move the country's share, opens the country incident when a network's own
 *   tracker confirms it. One disruption, one incident, networks inside it.</li>
 * </ol>
 * Not thread-safe; one instance serves every window of a task.
 */
public final class WindowJudge {
    /** How many windows of a small region's volume may be pooled before a drop is judged (an hour). */
    static final int VOLUME_POOL_WINDOWS = 12;
    /** How close in time the onsets of one target in several countries must be to make a service outage. */
    static final int SERVICE_OUTAGE_SPAN_WINDOWS = 6;

    private final DetectorSettings settings;
    private final DisruptionTracker tracker;
    private final ThrottleTracker throttles;

    public WindowJudge(DetectorSettings settings) {
        this.settings = settings;
        this.tracker = new DisruptionTracker(settings);
        this.throttles = new ThrottleTracker(settings);
    }

    /**
     * The counts of one closed window for one tracker key (country or network, target or control).
     *
     * @param volume every measurement counted, inconclusive ones included
     */
    public record Counts(TrackerKey key, boolean control, int volume, WindowObservation observation, List<Double> speeds) {
        /** Counts without download speeds. */
        public Counts(TrackerKey key, boolean control, int volume, WindowObservation observation) {
            this(key, control, volume, observation, List.of());
        }
    }

    /** Network-level detail of an event. */
    public record NetworkDetail(String asn, Double availability, Double baseline, int measurements, boolean blocked,
                                List<String> methods, boolean throttled, Double throughput) {
        public NetworkDetail(String asn, Double availability, Double baseline, int measurements, boolean blocked,
                             List<String> methods) {
            this(asn, availability, baseline, measurements, blocked, methods, false, null);
        }
    }

    /** A lifecycle event to publish, with the tracker it belongs to and its network detail. */
    public record Emission(TrackerState state, LifecycleEvent event, List<NetworkDetail> networks) {
    }

    /**
     * What a window decided: events to publish (in order), the trackers whose state changed, and the
     * verdicts per country and target that the second stage ({@link ServiceOutageJudge}) needs: every
     * non-control target of a country not out nationally that shows an onset, is in its incident, or was
     * restored in this window, in key order.
     */
    public record Judgement(List<Emission> emissions, Set<TrackerKey> changed,
                            List<ServiceOutageJudge.CountryVerdict> verdicts) {
    }

    /**
     * Judges the window starting at {@code windowStart}.
     *
     * @param counts         every (key) with data in the window
     * @param states         every tracker, changed in place; new trackers are added
     * @param volumeEvidence false when the window may be partly filled (the end of a replay's input):
     *                       its volume then neither starts nor ends anything
     */
    public Judgement judge(long windowStart, List<Counts> counts, Map<TrackerKey, TrackerState> states, boolean volumeEvidence) {
        if (counts.isEmpty() && states.isEmpty()) {
            return new Judgement(List.of(), Set.of(), List.of()); // a partition that has heard of nothing yet: ticks close its windows
        }
        Window w = new Window(windowStart, windowStart + settings.windowMillis(), counts, states);
        List<Emission> out = new ArrayList<>();
        Set<TrackerKey> changed = new TreeSet<>();
        Map<String, Set<String>> dark = judgeNetworkRegions(w, volumeEvidence, changed);
        Set<String> nationalOutage = judgeCountryRegions(w, dark, volumeEvidence, out, changed);
        // Networks that are dark, or whose volume is collapsing and may be going dark: the few
        // measurements they still send are no evidence about any target.
        Map<String, Set<String>> unreliable = new HashMap<>();
        dark.forEach((country, asns) -> unreliable.computeIfAbsent(country, c -> new TreeSet<>()).addAll(asns));
        for (TrackerKey region : w.regionKeys(false)) {
            Set<String> collapsing = w.collapsedNetworks(region.country(), true);
            if (!collapsing.isEmpty()) {
                unreliable.computeIfAbsent(region.country(), c -> new TreeSet<>()).addAll(collapsing);
            }
        }
        Map<TrackerKey, Long> onsets = new TreeMap<>();
        Set<TrackerKey> wereDisrupted = new TreeSet<>();
        Map<String, Integer> failingCountries = serviceOutages(w, unreliable, onsets, wereDisrupted);
        Map<TrackerKey, Long> networkOnsets = new HashMap<>();
        Map<TrackerKey, Set<String>> blocking = new HashMap<>();
        Map<TrackerKey, Set<String>> normal = new HashMap<>();
        Set<TrackerKey> stillBlocking = new HashSet<>();
        judgeNetworkTargets(w, unreliable, nationalOutage, failingCountries, networkOnsets, blocking, normal, stillBlocking,
                changed);
        judgeCountryTargets(w, unreliable, nationalOutage, failingCountries, networkOnsets, blocking, normal, stillBlocking, out,
                changed);
        judgeSpeeds(w, unreliable, nationalOutage, out, changed);
        return new Judgement(out, changed, verdicts(w, nationalOutage, onsets, wereDisrupted, out));
    }

    /**
     * The second stage's input from this window: each country target (not a control, its country not out
     * nationally) that shows an onset (see {@link #serviceOutages}), is blocked or partially restored after
     * the window, or was restored in it.
     */
    private List<ServiceOutageJudge.CountryVerdict> verdicts(Window w, Set<String> nationalOutage, Map<TrackerKey, Long> onsets,
                                                              Set<TrackerKey> wereDisrupted, List<Emission> out) {
        Map<TrackerKey, Long> restoredAt = new HashMap<>();
        Set<TrackerKey> keys = new TreeSet<>(onsets.keySet());
        keys.addAll(wereDisrupted);
        for (Emission e : out) {
            TrackerKey key = TrackerKey.of(e.state());
            if (key.isRegion() || key.isNetwork()) {
                continue;
            }
            keys.add(key);
            if (e.event().type() == EventType.RESTORED) {
                restoredAt.merge(key, e.event().at(), Math::min);
            }
        }
        List<ServiceOutageJudge.CountryVerdict> verdicts = new ArrayList<>();
        for (TrackerKey key : keys) {
            if (w.isControl(key) || nationalOutage.contains(key.country())) {
                continue;
            }
            TrackerState st = w.states.get(key);
            boolean disrupted = st != null && st.disrupted();
            Long onset = onsets.get(key);
            Long restored = restoredAt.get(key);
            if (onset == null && !disrupted && restored == null) {
                continue;
            }
            String incident = st == null ? null : st.incidentId;
            long since = onset != null ? onset : st != null && disrupted ? st.incidentStart : w.start;
            verdicts.add(new ServiceOutageJudge.CountryVerdict(key.country(), key.target(), incident, since, onset != null,
                    disrupted, restored));
        }
        return verdicts;
    }

    /**
     * Step 1: each network's connectivity; returns the dark networks per country. A network goes dark
     * when its volume collapses significantly (dated to the first collapsed window) and is back as soon
     * as one window's volume is normal again and most of its measurements succeed (the few that get out
     * of a dark network fail), while its tracker confirms the restoration at its own pace; only a fresh
     * collapse makes it dark again. A quiet night after a curfew is not a new one.
     */
    private Map<String, Set<String>> judgeNetworkRegions(Window w, boolean volumeEvidence, Set<TrackerKey> changed) {
        Map<String, Set<String>> dark = new HashMap<>();
        for (TrackerKey key : w.regionKeys(true)) {
            TrackerState st = w.state(key, tracker);
            double expected = st.volume == null ? 0 : st.volume.expected(w.start);
            List<LifecycleEvent> events = new ArrayList<>();
            RegionEvidence evidence = judgeRegion(st, key, w, volumeEvidence, Set.of(), Set.of(), events);
            changed.add(key);
            if (!st.disrupted()) {
                st.darkSince = null;
            } else if (!events.isEmpty() && st.darkSince == null) {
                st.darkSince = events.get(0).at();
            } else if (evidence.down() && st.darkSince == null) {
                st.darkSince = evidence.from();
            } else if (!evidence.down() && expected > 0 && w.volume(key) >= settings.volumeNormalRatio() * expected
                    && w.mostlyWorking(key)) {
                st.darkSince = null;
            }
            if (st.darkSince != null) {
                dark.computeIfAbsent(key.country(), c -> new TreeSet<>()).add(key.asn());
            }
        }
        return dark;
    }

    /**
     * Step 2: each country's connectivity, one incident naming its dark networks; returns the countries
     * out nationally: those whose own evidence (their whole volume, their controls) went down and has
     * not come back. No target of such a country starts anything. A country with only some networks dark
     * (a curfew on mobile networks) is not out nationally: its targets are judged on the others.
     */
    private Set<String> judgeCountryRegions(Window w, Map<String, Set<String>> dark, boolean volumeEvidence,
                                            List<Emission> out, Set<TrackerKey> changed) {
        Set<String> national = new TreeSet<>();
        for (TrackerKey key : w.regionKeys(false)) {
            TrackerState st = w.state(key, tracker);
            Set<String> darkHere = dark.getOrDefault(key.country(), Set.of());
            Set<String> lit = new TreeSet<>(w.networksWithVolume(key.country()));
            lit.removeAll(darkHere);
            List<LifecycleEvent> events = new ArrayList<>();
            RegionEvidence evidence = judgeRegion(st, key, w, volumeEvidence, darkHere, lit, events);
            changed.add(key);
            double expected = st.volume.expected(w.start);
            if (!st.disrupted()) {
                st.darkSince = null;
            } else if (evidence.down()) {
                st.darkSince = st.darkSince == null ? evidence.from() : st.darkSince;
            } else if (expected > 0 && w.volume(key) >= settings.volumeNormalRatio() * expected && w.mostlyWorking(key)) {
                st.darkSince = null;
            }
            if (st.darkSince != null) {
                national.add(key.country());
            }
            if (!events.isEmpty()) {
                // When the country itself is out, networks whose volume collapsed in this window are dark
                // too, even before their own trackers (judging fewer probes) have confirmed it.
                Set<String> named = new TreeSet<>(darkHere);
                if (st.darkSince != null) {
                    named.addAll(w.collapsedNetworks(key.country(), false));
                }
                List<NetworkDetail> detail = regionDetail(w, key.country(), named);
                events.forEach(e -> out.add(new Emission(st, e, restores(e) ? noneBlocked(detail) : detail)));
            }
        }
        return national;
    }

    /**
     * Feeds a region tracker its window: volume (pooled while too few probes are expected to judge a
     * drop) and controls. {@code darkNetworks} make a country region down whatever its own volume says.
     * Returns the region's own evidence (volume or controls) in this window.
     */
    private RegionEvidence judgeRegion(TrackerState st, TrackerKey key, Window w, boolean volumeEvidence, Set<String> darkNetworks,
                                Set<String> litNetworks, List<LifecycleEvent> events) {
        if (st.volume == null) {
            st.volume = new VolumeBaseline();
        }
        VolumeBaseline baseline = st.volume;
        int volume = w.volume(key);
        int probes = w.probes(key);
        boolean warm = baseline.windows >= settings.warmupWindows();
        double expected = baseline.expected(w.start);
        Verdict volumeVerdict = Verdict.NO_EVIDENCE;
        long from = w.start;
        double pooledVolume = volume;
        double pooledExpected = expected;
        TrackerState.VolumePool pool = st.volumePool;
        st.volumePool = null;
        if (warm && volumeEvidence) {
            if (pool != null && w.end - pool.windowStart() <= VOLUME_POOL_WINDOWS * settings.windowMillis()) {
                from = pool.windowStart();
                pooledVolume += pool.volume();
                pooledExpected += pool.expected();
            }
            volumeVerdict = VolumeTest.verdict(pooledVolume, pooledExpected, baseline.perProbe, settings);
            if (volumeVerdict != Verdict.NORMAL && !judgeable(baseline, w.start)) {
                volumeVerdict = Verdict.NO_EVIDENCE; // too few probes for a drop to mean anything; nothing to pool
            } else if (volumeVerdict == Verdict.NO_EVIDENCE) {
                st.volumePool = new TrackerState.VolumePool(from, (int) pooledVolume, pooledExpected, probes);
            }
        }
        WindowObservation controls = w.controls(key);
        boolean controlsJudged = controls != null && controls.conclusive() >= settings.minSamples()
                && controls.probes() >= settings.minProbes();
        boolean controlsFail = controlsJudged
                && (double) controls.failures() / controls.conclusive() >= settings.controlFailureShare();
        boolean ownDown = volumeVerdict == Verdict.BLOCKED || controlsFail;
        Verdict verdict;
        if (ownDown || !darkNetworks.isEmpty()) {
            verdict = Verdict.BLOCKED;
        } else if (volumeVerdict == Verdict.NORMAL
                || volumeVerdict == Verdict.NO_EVIDENCE && st.volumePool == null && controlsJudged) {
            verdict = Verdict.NORMAL;
        } else {
            verdict = volumeVerdict == Verdict.INTERMEDIATE ? Verdict.INTERMEDIATE : Verdict.NO_EVIDENCE;
        }
        if (verdict != Verdict.NO_EVIDENCE) {
            if (!ownDown && !st.disrupted()) {
                // Down only because networks went dark: the change starts when the first of them did.
                for (String asn : darkNetworks) {
                    Long since = w.states.get(TrackerKey.region(key.country(), asn)).darkSince;
                    from = since == null ? from : Math.min(from, since);
                }
            }
            int missing = (int) Math.round(Math.max(0, pooledExpected - pooledVolume));
            WindowObservation obs = controlsFail && volumeVerdict != Verdict.BLOCKED ? controls.from(from)
                    : new WindowObservation(from, w.end, (int) Math.round(pooledVolume), missing, 0, 0, Map.of(), probes);
            WindowContext ctx = new WindowContext(true, false, darkNetworks, litNetworks, false);
            tracker.advance(st, obs, verdict, verdict == Verdict.BLOCKED ? 1.0 : 0.0, ctx, events);
        }
        tracker.closeAfterHorizon(st, w.end, events);
        // A small region's empty windows are its normal, not a collapse: they teach the baseline too. A
        // network learns nothing while its whole country is out.
        boolean collapsed = warm && judgeable(baseline, w.start) && volume < settings.volumeCollapseRatio() * expected;
        TrackerState country = key.isNetwork() ? w.states.get(TrackerKey.region(key.country(), null)) : null;
        boolean outWithCountry = country != null && country.disrupted() && volume < settings.volumeCollapseRatio() * expected;
        if (volumeEvidence && !collapsed && !controlsFail && !st.disrupted() && !outWithCountry) {
            baseline.learn(w.start, volume, probes, settings.baselineAlpha());
        }
        return new RegionEvidence(ownDown, from);
    }

    /** A region's own evidence in one window: down (volume collapsed or controls failing), since when. */
    private record RegionEvidence(boolean down, long from) {
    }

    /**
     * Whether a region's volume can tell an outage at all: at least {@code volume.min.probes} distinct
     * probes expected per window. Probes come and go for hours at a time, so pooling windows makes more
     * probe-windows but not more probes: when all three probes of a small network are offline, that is
     * no evidence that the network is down.
     */
    private boolean judgeable(VolumeBaseline baseline, long windowStart) {
        return baseline.expected(windowStart) / Math.max(1, baseline.perProbe) >= settings.volumeMinProbes();
    }

    /**
     * Step 3: per target, in how many countries it fails at once: its pooled evidence is blocked in this
     * window, or its incident began within {@link #SERVICE_OUTAGE_SPAN_WINDOWS} windows (countries with
     * thinner data confirm a window or two later). Dark networks are left out. A long-standing block
     * elsewhere does not count: three censors blocking the same site is not the site being down.
     */
    private Map<String, Integer> serviceOutages(Window w, Map<String, Set<String>> dark, Map<TrackerKey, Long> onsets,
                                                Set<TrackerKey> disrupted) {
        Map<String, Integer> failing = new HashMap<>();
        Set<TrackerKey> keys = new TreeSet<>(w.countryTargetsWithData());
        w.states.forEach((k, st) -> {
            if (!k.isRegion() && !k.isNetwork() && st.disrupted()) {
                keys.add(k);
                disrupted.add(k);
            }
        });
        long recent = w.start - SERVICE_OUTAGE_SPAN_WINDOWS * settings.windowMillis();
        for (TrackerKey key : keys) {
            TrackerState st = w.states.get(key);
            if (st != null && st.disrupted() && st.incidentStart >= recent) {
                failing.merge(key.target(), 1, Integer::sum);
                onsets.put(key, st.incidentStart);
                continue;
            }
            double baseline = st == null ? settings.baselinePrior() : st.baseline;
            boolean warm = st != null && st.baselineWindows >= settings.warmupWindows();
            WindowObservation obs = w.countryObservation(key, dark.getOrDefault(key.country(), Set.of()));
            if (st != null && st.pool != null) {
                obs = st.pool.plus(obs);
            }
            if (ShareTest.verdict(obs, baseline, warm, settings) == Verdict.BLOCKED) {
                failing.merge(key.target(), 1, Integer::sum);
                onsets.put(key, w.start);
            }
        }
        return failing;
    }

    /**
     * Step 4: each network's own lifecycle (detail, never published) and attribution; networks that
     * are dark or going dark are left out.
     */
    private void judgeNetworkTargets(Window w, Map<String, Set<String>> unreliable, Set<String> nationalOutage,
                                     Map<String, Integer> failingCountries, Map<TrackerKey, Long> networkOnsets,
                                     Map<TrackerKey, Set<String>> blocking, Map<TrackerKey, Set<String>> normal,
                                     Set<TrackerKey> stillBlocking, Set<TrackerKey> changed) {
        for (TrackerKey key : w.targetKeys(true)) {
            if (w.isControl(key)) {
                continue;
            }
            TrackerKey country = key.countryLevel();
            boolean isUnreliable = unreliable.getOrDefault(key.country(), Set.of()).contains(key.asn());
            TrackerState st = w.state(key, tracker);
            WindowObservation obs = w.observation(key);
            boolean suppress = isUnreliable || nationalOutage.contains(key.country());
            WindowContext ctx = new WindowContext(false, serviceOutage(key, failingCountries, obs), Set.of(), Set.of(), suppress);
            for (LifecycleEvent e : tracker.onWindow(st, obs, ctx)) {
                if ((e.type() == EventType.DISRUPTION_STARTED || e.type() == EventType.REBLOCKED) && strongOnset(st, e)) {
                    networkOnsets.merge(country, e.at(), Math::min);
                }
            }
            changed.add(key);
            if (suppress) {
                st.named = false;
                continue;
            }
            if ((obs.conclusive() > 0 || st.recent != null) && NetworkAttribution.update(st, obs, settings)) {
                normal.computeIfAbsent(country, k -> new TreeSet<>()).add(key.asn());
            }
            if (st.named) {
                blocking.computeIfAbsent(country, k -> new TreeSet<>()).add(key.asn());
                if (NetworkAttribution.failingNow(st, obs, settings)) {
                    stillBlocking.add(country);
                }
            }
        }
    }

    /**
     * Whether one network's onset is strong enough to open its country's incident on its own. There are
     * many more networks than countries, so the same test at the same threshold would raise many more
     * false incidents from noise; a network must show {@code network.onset.llr} (a block confined to a
     * network is nearly total there: ten failures in ten already give 30 at a 5 % baseline).
     */
    private boolean strongOnset(TrackerState st, LifecycleEvent e) {
        int n = e.measurements();
        int failures = (int) Math.round(n * (1 - (e.availability() == null ? 1 : e.availability())));
        return ShareTest.llr(failures, n, st.baseline) >= settings.networkOnsetLlr();
    }

    /** Step 5: the country-level story of each target, naming its blocking networks. */
    private void judgeCountryTargets(Window w, Map<String, Set<String>> unreliable, Set<String> nationalOutage,
                                     Map<String, Integer> failingCountries, Map<TrackerKey, Long> networkOnsets,
                                     Map<TrackerKey, Set<String>> blocking, Map<TrackerKey, Set<String>> normal,
                                     Set<TrackerKey> stillBlocking, List<Emission> out, Set<TrackerKey> changed) {
        Set<TrackerKey> keys = new TreeSet<>(w.targetKeys(false));
        keys.addAll(networkOnsets.keySet());
        for (TrackerKey key : keys) {
            if (w.isControl(key)) {
                continue;
            }
            Set<String> leftOut = unreliable.getOrDefault(key.country(), Set.of());
            TrackerState st = w.state(key, tracker);
            WindowObservation obs = w.countryObservation(key, leftOut);
            boolean regionDown = nationalOutage.contains(key.country());
            WindowContext ctx = new WindowContext(regionDown, serviceOutage(key, failingCountries, obs),
                    blocking.getOrDefault(key, Set.of()), normal.getOrDefault(key, Set.of()), stillBlocking.contains(key),
                    regionDown, networkOnsets.get(key));
            List<LifecycleEvent> events = tracker.onWindow(st, obs, ctx);
            changed.add(key);
            if (!events.isEmpty()) {
                List<NetworkDetail> detail = targetDetail(w, key, leftOut);
                for (LifecycleEvent e : events) {
                    out.add(new Emission(st, e, named(e, detail)));
                }
            }
        }
    }

    /**
     * Step 6: speed ({@link ThrottleTracker}). Each network judges its measurements' speeds against its own
     * controls and learned ratio, and records whether it throttles the target; the country judges the
     * share of slow measurements of all its networks that are not dark (or, without network detail, its
     * own speeds) and tells the story: throttling started and ended, in the target's incident.
     */
    private void judgeSpeeds(Window w, Map<String, Set<String>> unreliable, Set<String> nationalOutage, List<Emission> out,
                             Set<TrackerKey> changed) {
        Map<TrackerKey, ThrottleTracker.SpeedEvidence> byCountry = new TreeMap<>();
        for (TrackerKey key : w.speedKeys(true)) {
            if (w.isControl(key)) {
                continue;
            }
            TrackerState st = w.state(key, tracker);
            boolean suppress = nationalOutage.contains(key.country())
                    || unreliable.getOrDefault(key.country(), Set.of()).contains(key.asn());
            ThrottleTracker.SpeedEvidence ev = throttles.evidence(st, w.start, w.end, w.speeds(key),
                    w.controlSpeeds(key.regionKey()), w.observation(key).probes());
            throttles.onWindow(st, ev, w.observation(key).availability(), suppress, false);
            changed.add(key);
            w.networkSpeeds.put(key, ev);
            if (!suppress && ev.judged() > 0) {
                byCountry.merge(key.countryLevel(), ev, ThrottleTracker.SpeedEvidence::plus);
            }
        }
        Set<TrackerKey> keys = new TreeSet<>(w.speedKeys(false));
        keys.addAll(byCountry.keySet());
        for (TrackerKey key : keys) {
            if (w.isControl(key)) {
                continue;
            }
            TrackerState st = w.state(key, tracker);
            WindowObservation obs = w.observation(key);
            ThrottleTracker.SpeedEvidence ev = throttles.evidence(st, w.start, w.end, w.speeds(key),
                    w.controlSpeeds(key.regionKey()), obs.probes());
            ThrottleTracker.SpeedEvidence networks = byCountry.get(key);
            if (networks != null) {
                ev = ev.judgedAs(networks);
            }
            List<LifecycleEvent> events = new ArrayList<>(throttles.onWindow(st, ev, obs.availability(),
                    nationalOutage.contains(key.country()), true));
            tracker.closeAfterHorizon(st, w.end, events);
            changed.add(key);
            if (!events.isEmpty()) {
                List<NetworkDetail> detail = targetDetail(w, key, unreliable.getOrDefault(key.country(), Set.of()));
                for (LifecycleEvent e : events) {
                    out.add(new Emission(st, e, named(e, detail)));
                }
            }
        }
    }

    /** A target's network detail as an event states it: what a restoration or an end says is over, is. */
    private static List<NetworkDetail> named(LifecycleEvent e, List<NetworkDetail> detail) {
        return switch (e.type()) {
            case RESTORED -> noneBlocked(detail);
            case THROTTLING_ENDED -> noneThrottled(detail);
            case INCIDENT_CLOSED -> noneThrottled(noneBlocked(detail));
            default -> detail;
        };
    }

    /** Once throttling ended nothing throttles, by definition; a network's own tracker may lag a window or two. */
    private static List<NetworkDetail> noneThrottled(List<NetworkDetail> detail) {
        return detail.stream().map(n -> new NetworkDetail(n.asn(), n.availability(), n.baseline(), n.measurements(), n.blocked(),
                n.methods(), false, n.throughput())).toList();
    }

    /** After a restoration nothing blocks, by definition; a network's own evidence may lag a window or two. */
    private static boolean restores(LifecycleEvent e) {
        return e.type() == EventType.RESTORED || e.type() == EventType.INCIDENT_CLOSED;
    }

    private static List<NetworkDetail> noneBlocked(List<NetworkDetail> detail) {
        return detail.stream().map(n -> new NetworkDetail(n.asn(), n.availability(), n.baseline(), n.measurements(), false,
                n.methods(), n.throttled(), n.throughput())).toList();
    }

    private boolean serviceOutage(TrackerKey key, Map<String, Integer> failingCountries, WindowObservation obs) {
        return failingCountries.getOrDefault(key.target(), 0) >= settings.serviceOutageCountries()
                || obs.siteDown() > obs.unreachable();
    }

    private List<NetworkDetail> targetDetail(Window w, TrackerKey key, Set<String> dark) {
        List<NetworkDetail> detail = new ArrayList<>();
        for (TrackerKey net : w.networksOfTarget(key)) {
            TrackerState st = w.states.get(net);
            WindowObservation obs = w.observation(net);
            if (obs.conclusive() == 0 && (st == null || !st.named)) {
                continue;
            }
            boolean blocked = st != null && st.named && !dark.contains(net.asn());
            boolean throttled = st != null && !dark.contains(net.asn()) && (st.throttled || slowNow(st, w.networkSpeeds.get(net)));
            Double speed = ThrottleTracker.logMedian(w.speeds(net));
            detail.add(new NetworkDetail(net.asn(), obs.availability(), st == null ? null : 1 - st.baseline,
                    obs.conclusive(), blocked, obs.methodsByCount(), throttled, speed == null ? null : Math.exp(speed)));
        }
        return detail;
    }

    /**
     * Whether a network's own measurements in this window are decisively slow, before its tracker (judging
     * a few probes, pooled) has confirmed it: the country's event names it now, as blocks are named.
     */
    private boolean slowNow(TrackerState st, ThrottleTracker.SpeedEvidence ev) {
        if (st.throttleStreak > 0) {
            return true; // its own test already found it slow and waits for confirmation
        }
        WindowObservation pooled = st.speedPool; // this window's speeds with the thin ones before it
        return ev != null && decisivelySlow(st, ev.slow(), ev.judged())
                || pooled != null && decisivelySlow(st, pooled.failures(), pooled.conclusive());
    }

    private boolean decisivelySlow(TrackerState st, int slow, int judged) {
        return judged >= settings.attributionMinSamples() && (double) slow / judged - st.slowBaseline >= settings.onsetMinEffect()
                && ShareTest.llr(slow, judged, st.slowBaseline) >= settings.attributionLlr();
    }

    private List<NetworkDetail> regionDetail(Window w, String country, Set<String> dark) {
        List<NetworkDetail> detail = new ArrayList<>();
        for (String asn : w.networksOf(country)) {
            TrackerKey key = TrackerKey.region(country, asn);
            TrackerState st = w.states.get(key);
            int volume = w.volume(key);
            double expected = st == null || st.volume == null ? 0 : st.volume.expected(w.start);
            Double availability = expected > 0 ? Math.min(1.0, volume / expected) : null;
            detail.add(new NetworkDetail(asn, availability, null, volume, dark.contains(asn), List.of()));
        }
        return detail;
    }

    /** One window's counts indexed by key, and the trackers. */
    private final class Window {
        final long start;
        final long end;
        final Map<TrackerKey, TrackerState> states;
        final Map<TrackerKey, WindowObservation> targets = new TreeMap<>();
        final Map<TrackerKey, WindowObservation> controls = new HashMap<>();
        final Map<TrackerKey, Integer> volume = new HashMap<>();
        /** Everything a region measured in the window, targets and controls together. */
        final Map<TrackerKey, WindowObservation> overall = new HashMap<>();
        final Map<TrackerKey, Integer> probes = new HashMap<>();
        /** Download speeds of targets (by key) and of controls (by region), bytes per second. */
        final Map<TrackerKey, List<Double>> speeds = new HashMap<>();
        final Map<TrackerKey, List<Double>> controlSpeeds = new HashMap<>();
        /** Each network's speed evidence of this window, once judged (step 6). */
        final Map<TrackerKey, ThrottleTracker.SpeedEvidence> networkSpeeds = new HashMap<>();
        /** Target trackers that must move without data: in an incident or naming their network (as of the window's start). */
        final List<TrackerKey> moving = new ArrayList<>();
        /** Target trackers throttled, in a throttle's incident or pooling speeds (as of the window's start). */
        final List<TrackerKey> slowing = new ArrayList<>();
        final Set<TrackerKey> controlTargets = new TreeSet<>();
        final Set<TrackerKey> networkRegions = new TreeSet<>();
        final Set<TrackerKey> countryRegions = new TreeSet<>();
        final Map<String, Set<String>> networks = new HashMap<>();

        Window(long start, long end, List<Counts> counts, Map<TrackerKey, TrackerState> states) {
            this.start = start;
            this.end = end;
            this.states = states;
            for (Counts c : counts) {
                TrackerKey region = c.key().regionKey();
                volume.merge(region, c.volume(), Integer::sum);
                overall.merge(region, c.observation(), WindowObservation::plus);
                probes.merge(region, c.observation().probes(), Math::max);
                if (c.control()) {
                    controlTargets.add(c.key().countryLevel());
                    controls.merge(region, c.observation(), WindowObservation::plus);
                    if (!c.speeds().isEmpty()) {
                        controlSpeeds.computeIfAbsent(region, k -> new ArrayList<>()).addAll(c.speeds());
                    }
                } else {
                    targets.put(c.key(), c.observation());
                    if (!c.speeds().isEmpty()) {
                        speeds.put(c.key(), c.speeds());
                    }
                }
            }
            volume.keySet().forEach(this::addRegion);
            // One pass over every tracker per window: the regions, and the targets that must move without data.
            states.forEach((k, st) -> {
                if (k.isRegion()) {
                    addRegion(k);
                    return;
                }
                if (st.openIncident() || st.named) {
                    moving.add(k);
                }
                if (st.throttled || st.throttleOpen || st.speedPool != null) {
                    slowing.add(k);
                }
            });
        }

        private void addRegion(TrackerKey k) {
            if (k.isNetwork()) {
                networkRegions.add(k);
                networks.computeIfAbsent(k.country(), c -> new TreeSet<>()).add(k.asn());
            } else {
                countryRegions.add(k);
            }
        }

        TrackerState state(TrackerKey key, DisruptionTracker tracker) {
            return states.computeIfAbsent(key, k -> tracker.newState(k.country(), k.asn(), k.target()));
        }

        /** Region keys with data or a tracker, networks ({@code network}) or countries. */
        Set<TrackerKey> regionKeys(boolean network) {
            return network ? networkRegions : countryRegions;
        }

        /** Target keys with data this window, or whose tracker has an incident that must keep moving. */
        Set<TrackerKey> targetKeys(boolean network) {
            return keys(targets.keySet(), moving, network);
        }

        private static Set<TrackerKey> keys(Set<TrackerKey> withData, List<TrackerKey> withState, boolean network) {
            Set<TrackerKey> keys = new TreeSet<>();
            for (TrackerKey k : withData) {
                if (k.isNetwork() == network) {
                    keys.add(k);
                }
            }
            for (TrackerKey k : withState) {
                if (k.isNetwork() == network) {
                    keys.add(k);
                }
            }
            return keys;
        }

        Set<TrackerKey> countryTargetsWithData() {
            Set<TrackerKey> keys = new TreeSet<>();
            targets.keySet().stream().filter(k -> !k.isNetwork()).forEach(keys::add);
            return keys;
        }

        /**
         * Target keys with speeds this window, or whose tracker is throttled, in a throttle incident or
         * pooling speeds (as of the window's start: a key whose incident closed since is judged on nothing).
         */
        Set<TrackerKey> speedKeys(boolean network) {
            return keys(speeds.keySet(), slowing, network);
        }

        List<Double> speeds(TrackerKey key) {
            return speeds.getOrDefault(key, List.of());
        }

        List<Double> controlSpeeds(TrackerKey region) {
            return controlSpeeds.getOrDefault(region, List.of());
        }

        boolean isControl(TrackerKey key) {
            return controlTargets.contains(key.countryLevel());
        }

        WindowObservation observation(TrackerKey key) {
            WindowObservation obs = targets.get(key);
            return obs != null ? obs : WindowObservation.empty(start, end);
        }

        /** The country's observation of a target without the measurements of its dark networks. */
        WindowObservation countryObservation(TrackerKey key, Set<String> dark) {
            WindowObservation obs = observation(key);
            for (String asn : dark) {
                WindowObservation part = targets.get(TrackerKey.target(key.country(), asn, key.target()));
                if (part != null) {
                    obs = obs.minus(part);
                }
            }
            return obs;
        }

        WindowObservation controls(TrackerKey region) {
            return controls.get(region);
        }

        /** Whether fewer than control.failure.share of the region's conclusive measurements failed in the window. */
        boolean mostlyWorking(TrackerKey region) {
            WindowObservation all = overall.get(region);
            return all != null && all.conclusive() > 0
                    && (double) all.failures() / all.conclusive() < settings.controlFailureShare();
        }

        int volume(TrackerKey region) {
            return volume.getOrDefault(region, 0);
        }

        int probes(TrackerKey region) {
            return probes.getOrDefault(region, 0);
        }

        /** Networks of a country known to the detector (a region tracker or data). */
        Set<String> networksOf(String country) {
            return networks.getOrDefault(country, Set.of());
        }

        /** Networks of a country whose volume can be judged (their baseline is warm). */
        Set<String> judgedNetworks(String country) {
            Set<String> judged = new TreeSet<>();
            for (String asn : networksOf(country)) {
                TrackerState st = states.get(TrackerKey.region(country, asn));
                if (st != null && st.volume != null && st.volume.windows >= settings.warmupWindows()
                        && judgeable(st.volume, start)) {
                    judged.add(asn);
                }
            }
            return judged;
        }

        /**
         * Networks of a country whose volume in this window is below volume.collapse.ratio of their
         * expected volume; with {@code judgeableOnly}, only those with enough probes for that to mean
         * something on its own.
         */
        Set<String> collapsedNetworks(String country, boolean judgeableOnly) {
            Set<String> asns = new TreeSet<>();
            for (String asn : networksOf(country)) {
                TrackerKey key = TrackerKey.region(country, asn);
                TrackerState st = states.get(key);
                if (st == null || st.volume == null || st.volume.windows < settings.warmupWindows()) {
                    continue;
                }
                double expected = st.volume.expected(start);
                if ((judgeableOnly ? judgeable(st.volume, start) : expected >= 1)
                        && volume(key) < settings.volumeCollapseRatio() * expected) {
                    asns.add(asn);
                }
            }
            return asns;
        }

        Set<String> networksWithVolume(String country) {
            Set<String> asns = new TreeSet<>();
            volume.forEach((k, v) -> {
                if (k.isNetwork() && k.country().equals(country) && v > 0) {
                    asns.add(k.asn());
                }
            });
            return asns;
        }

        /** Network-level keys of a country-level target: with data now or a tracker. */
        Set<TrackerKey> networksOfTarget(TrackerKey key) {
            Set<TrackerKey> nets = new TreeSet<>();
            for (TrackerKey k : targets.keySet()) {
                if (k.isNetwork() && k.country().equals(key.country()) && k.target().equals(key.target())) {
                    nets.add(k);
                }
            }
            for (TrackerKey k : states.keySet()) {
                if (k.isNetwork() && !k.isRegion() && k.country().equals(key.country()) && k.target().equals(key.target())) {
                    nets.add(k);
                }
            }
            return nets;
        }
    }
}
