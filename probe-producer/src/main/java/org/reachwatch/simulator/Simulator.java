package org.reachwatch.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.UUID;

import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;

/**
 * A deterministic fleet: the same scenario (same seed) always yields the same records in the same
 * order. Every probe measures every target and control once per interval at a random offset inside
 * it. Records come out in arrival order: most arrive seconds after their start, {@code lateShare}
 * arrive between two intervals and {@code lateMaxMinutes} late, {@code duplicateShare} are sent a
 * second time (same measurementId) 1-5 minutes after the first copy.
 *
 * <p>The fleet's rhythm and churn ({@link Scenario.Rhythm}, {@link Scenario.Churn}) decide per probe and
 * interval whether it measures at all, from a random stream of their own: turning them off leaves
 * every measurement of the probes that do measure exactly as before.
 *
 * <p><b>Speed.</b> Every reachable measurement downloads a {@value #BODY_BYTES}-byte body and reports
 * {@code bytesReceived}, {@code downloadMs}, {@code throughputBytesPerSecond} (exactly bytesReceived over
 * downloadMs) and {@code tlsHandshakeMs} (the TCP connect latency plus up to a quarter of it again and
 * 5-25 ms of work, throttles and congestion aside: a throttle slows the flow, not the handshake);
 * {@code runtimeMs} covers both. The throughput is the product of the network's median speed
 * ({@link Scenario.Network#speedMbps}, by default from its kind), a factor of the probe's own line
 * (log-normal, sigma {@value #PROBE_SIGMA}, drawn once), a factor of the target's servers (log-normal,
 * sigma {@value #TARGET_SIGMA}, from the seed and the target's name), a mild daily dip (down to
 * {@code 1 - }{@value #DAILY_DIP} at the rhythm's peak hour, when the network is busiest), the congestion
 * and throttle factors in force, and log-normal noise per measurement (sigma {@value #NOISE_SIGMA}). Failed
 * measurements carry none of these fields.
 *
 * <p>Speed draws from a third random stream per probe, never from the one that decides ids, times,
 * outcomes and arrival: a scenario yields the same records as before speed existed, plus the speed
 * fields (and the download time inside {@code runtimeMs}); {@code SimulatorGoldenTest} holds it to that.
 *
 * <p>Memory is bounded by one interval of records plus the pending late and duplicate copies: the
 * fleet is generated interval by interval and a priority queue keyed by arrival releases every record
 * whose arrival is before the end of the interval just generated (nothing generated later can arrive
 * earlier).
 */
public final class Simulator {
    private static final long NORMAL_UPLOAD_MAX_MS = 20_000;
    /** Bytes of the timed download: the first 256 KiB of the target's page, as a probe would fetch. */
    static final long BODY_BYTES = 262_144;
    static final double NOISE_SIGMA = 0.3;
    static final double PROBE_SIGMA = 0.25;
    static final double TARGET_SIGMA = 0.3;
    static final double DAILY_DIP = 0.15;

    private Simulator() {
    }

    /** The scenario's measurements in arrival order; lazily generated. */
    public static Iterator<TimedMeasurement> run(Scenario scenario) {
        return new Run(scenario);
    }

    private static final class Probe {
        final String id;
        final String country;
        final String asn;
        final String networkName;
        final SplittableRandom random;
        final SplittableRandom activity;
        /** Speed only: drawing from it leaves every other choice of the probe as it was. */
        final SplittableRandom speed;
        /** Median throughput of this probe's line, bytes per second. */
        final double lineSpeed;
        boolean online;
        long spellEndMs;

        Probe(String id, String country, Scenario.Network network, long seed) {
            this.id = id;
            this.country = country;
            this.asn = network.asn();
            this.networkName = network.name();
            this.random = new SplittableRandom(seed);
            this.activity = new SplittableRandom(seed ^ 0x5DEECE66DL);
            this.speed = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL);
            this.lineSpeed = network.speedBytesPerSecond() * Math.exp(PROBE_SIGMA * speed.nextGaussian());
        }

        /** Whether the probe is online at {@code t}: alternating exponential spells, drawn as time passes. */
        boolean online(long t, Scenario.Churn churn) {
            if (churn.meanOfflineHours() == 0) {
                return true;
            }
            if (spellEndMs == 0) {
                double on = churn.meanOnlineHours();
                online = activity.nextDouble() < on / (on + churn.meanOfflineHours());
                spellEndMs = t + spell(online ? on : churn.meanOfflineHours());
            }
            while (t >= spellEndMs) {
                online = !online;
                spellEndMs += spell(online ? churn.meanOnlineHours() : churn.meanOfflineHours());
            }
            return online;
        }

        private long spell(double meanHours) {
            return 1 + (long) (-Math.log(1 - activity.nextDouble()) * meanHours * 3_600_000);
        }
    }

    private record Pending(long arrivalMs, long seq, ProbeMeasurement measurement) {
    }

    private static final class Run implements Iterator<TimedMeasurement> {
        private final Scenario scenario;
        private final List<Probe> probes = new ArrayList<>();
        private final List<String> measured = new ArrayList<>();
        private final PriorityQueue<Pending> queue = new PriorityQueue<>(
                Comparator.comparingLong(Pending::arrivalMs).thenComparingLong(Pending::seq));
        private final ArrayDeque<TimedMeasurement> ready = new ArrayDeque<>();
        private final Map<String, Double> targetSpeed = new HashMap<>();
        private final long intervalMs;
        private final long endMs;
        private final long lateMinMs;
        private final long lateMaxMs;
        private long intervalStartMs;
        private long seq;

        Run(Scenario scenario) {
            this.scenario = scenario;
            this.intervalMs = scenario.interval().toMillis();
            this.intervalStartMs = scenario.start().toEpochMilli();
            this.endMs = scenario.end().toEpochMilli();
            this.lateMaxMs = Duration.ofMinutes(scenario.noise().lateMaxMinutes()).toMillis();
            // A late record must come after records started in later intervals, else it is not late.
            this.lateMinMs = Math.min(2 * intervalMs, lateMaxMs);
            measured.addAll(scenario.targets());
            measured.addAll(scenario.controls());
            int index = 0;
            for (Scenario.Country c : scenario.countries()) {
                for (Scenario.Network n : c.networks()) {
                    for (int i = 1; i <= n.probes(); i++) {
                        long probeSeed = scenario.seed() * 1_000_003L + index++;
                        probes.add(new Probe(c.code() + "-" + n.asn() + "-" + i, c.code(), n, probeSeed));
                    }
                }
            }
            for (String target : measured) {
                SplittableRandom r = new SplittableRandom(scenario.seed() * 0x9E3779B97F4A7C15L ^ target.hashCode());
                targetSpeed.put(target, Math.exp(TARGET_SIGMA * r.nextGaussian()));
            }
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && (intervalStartMs < endMs || !queue.isEmpty())) {
                step();
            }
            return !ready.isEmpty();
        }

        @Override
        public TimedMeasurement next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void step() {
            long releaseBefore;
            if (intervalStartMs < endMs) {
                long intervalEnd = Math.min(intervalStartMs + intervalMs, endMs);
                double participation = scenario.rhythm().participation(Instant.ofEpochMilli(intervalStartMs));
                for (Probe p : probes) {
                    boolean online = p.online(intervalStartMs, scenario.churn());
                    // Drawn every interval, online or not, so the rhythm does not depend on the churn.
                    boolean active = p.activity.nextDouble() < participation;
                    if (!online || !active) {
                        continue;
                    }
                    for (String target : measured) {
                        measure(p, target, intervalStartMs, intervalEnd);
                    }
                }
                intervalStartMs = intervalEnd;
                releaseBefore = intervalEnd;
            } else {
                releaseBefore = Long.MAX_VALUE;
            }
            while (!queue.isEmpty() && queue.peek().arrivalMs() < releaseBefore) {
                Pending p = queue.poll();
                ready.add(new TimedMeasurement(Instant.ofEpochMilli(p.arrivalMs()), p.measurement()));
            }
        }

        private void measure(Probe p, String target, long from, long to) {
            SplittableRandom r = p.random;
            long startMs = from + r.nextLong(to - from);
            boolean control = scenario.controls().contains(target);
            Instant start = Instant.ofEpochMilli(startMs);
            ProbeMeasurement.Builder b = ProbeMeasurement.newBuilder()
                    .setMeasurementId(new UUID(r.nextLong(), r.nextLong()).toString())
                    .setProbeId(p.id)
                    .setCountry(p.country)
                    .setAsn(p.asn)
                    .setNetworkName(p.networkName)
                    .setTarget(target)
                    .setInput("https://" + target + "/")
                    .setControl(control)
                    .setTestKind(TestKind.REACHABILITY)
                    .setStartTime(start)
                    .setResolver("system")
                    .setSource(MeasurementSource.SIMULATOR)
                    .setSoftwareName("reachwatch-simulator");

            Scenario.Disruption hit = null;
            for (Scenario.Disruption d : scenario.disruptions()) {
                if (applies(d, p, target, control, start) && r.nextDouble() < d.share()) {
                    hit = d;
                    break;
                }
            }
            if (hit != null && hit.cause() == Scenario.Cause.NETWORK_OUTAGE && r.nextDouble() < 0.9) {
                return; // a network that is down uploads almost nothing
            }
            if (hit != null) {
                Scenario.Method method = hit.method() != null ? hit.method() : Scenario.Method.TCP_IP;
                fail(b, method, hit.cause() == Scenario.Cause.SERVICE_OUTAGE
                        ? MeasurementOutcome.SITE_DOWN : MeasurementOutcome.UNREACHABLE);
                b.setRuntimeMs(1_000L + r.nextLong(9_000));
            } else if (r.nextDouble() < scenario.noise().failureRate()) {
                // Background flakiness: a probe's own connection times out now and then.
                fail(b, Scenario.Method.TCP_IP, MeasurementOutcome.UNREACHABLE);
                b.setRuntimeMs(10_000L);
            } else {
                double latency = 20 + r.nextDouble() * 180;
                long runtime = 200L + r.nextLong(800);
                SplittableRandom s = p.speed;
                double bytesPerSecond = p.lineSpeed * targetSpeed.get(target) * dailySpeed(start)
                        * congestion(p, start) * throttle(p, target, control, start) * Math.exp(NOISE_SIGMA * s.nextGaussian());
                double downloadMs = Math.max(0.1, Math.round(BODY_BYTES * 10_000.0 / bytesPerSecond) / 10.0);
                double tlsMs = Math.round((latency * (1 + 0.25 * s.nextDouble()) + 5 + 20 * s.nextDouble()) * 10) / 10.0;
                b.setOutcome(MeasurementOutcome.REACHABLE)
                        .setBlockingMethod(BlockingMethod.NONE)
                        .setDnsAnswers(List.of("192.0.2." + (1 + Math.floorMod(target.hashCode(), 250))))
                        .setHttpStatus(200)
                        .setLatencyMs(Math.round(latency * 10) / 10.0)
                        .setRuntimeMs(runtime + Math.round(tlsMs + downloadMs))
                        .setTlsHandshakeMs(tlsMs)
                        .setBytesReceived(BODY_BYTES)
                        .setDownloadMs(downloadMs)
                        .setThroughputBytesPerSecond(BODY_BYTES * 1000.0 / downloadMs);
            }
            ProbeMeasurement m = b.build();
            long arrival;
            if (r.nextDouble() < scenario.noise().lateShare() && lateMaxMs > 0) {
                arrival = startMs + lateMinMs + (lateMaxMs > lateMinMs ? r.nextLong(lateMaxMs - lateMinMs + 1) : 0);
            } else {
                arrival = startMs + 1_000 + r.nextLong(NORMAL_UPLOAD_MAX_MS);
            }
            queue.add(new Pending(arrival, seq++, m));
            if (r.nextDouble() < scenario.noise().duplicateShare()) {
                queue.add(new Pending(arrival + 60_000 + r.nextLong(240_000), seq++, m));
            }
        }

        /** The daily dip of speed: lowest at the rhythm's peak hour, when the network is busiest. */
        private double dailySpeed(Instant t) {
            double hour = (t.getEpochSecond() % 86_400) / 3600.0;
            return 1 - DAILY_DIP * (1 + Math.cos(2 * Math.PI * (hour - scenario.rhythm().peakHourUtc()) / 24)) / 2;
        }

        private double congestion(Probe p, Instant t) {
            double factor = 1;
            for (Scenario.Congestion g : scenario.congestion()) {
                if ((g.country().equals("*") || g.country().equals(p.country))
                        && (g.networks() == null || g.networks().contains(p.asn)) && g.covers(t)) {
                    factor *= g.factor();
                }
            }
            return factor;
        }

        private double throttle(Probe p, String target, boolean control, Instant t) {
            if (control) {
                return 1;
            }
            for (Scenario.Throttle th : scenario.throttles()) {
                if (th.country().equals(p.country) && !t.isBefore(th.from()) && t.isBefore(th.to())
                        && (th.networks() == null || th.networks().contains(p.asn)) && scenario.targetsOf(th).contains(target)) {
                    return th.factor();
                }
            }
            return 1;
        }

        private boolean applies(Scenario.Disruption d, Probe p, String target, boolean control, Instant t) {
            if (t.isBefore(d.from()) || !t.isBefore(d.to())) {
                return false;
            }
            if (!d.country().equals("*") && !d.country().equals(p.country)) {
                return false;
            }
            if (d.networks() != null && !d.networks().contains(p.asn)) {
                return false;
            }
            if (control) {
                return d.cause() == Scenario.Cause.NETWORK_OUTAGE;
            }
            return scenario.targetsOf(d).contains(target);
        }

        private static void fail(ProbeMeasurement.Builder b, Scenario.Method method, MeasurementOutcome outcome) {
            b.setOutcome(outcome);
            switch (method) {
                case DNS -> b.setBlockingMethod(BlockingMethod.DNS).setDnsFailure("dns_nxdomain_error");
                case TCP_IP -> b.setBlockingMethod(BlockingMethod.TCP_IP).setTcpFailure("generic_timeout_error");
                case TLS -> b.setBlockingMethod(BlockingMethod.TLS).setTlsFailure("connection_reset");
                case HTTP_BLOCKPAGE -> b.setBlockingMethod(BlockingMethod.HTTP_BLOCKPAGE)
                        .setHttpStatus(200).setBlockpageMatch("simulated");
                default -> throw new IllegalStateException();
            }
        }
    }
}
