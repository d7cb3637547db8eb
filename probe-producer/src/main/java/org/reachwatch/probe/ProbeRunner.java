package org.reachwatch.probe;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the probe on its schedule: every round measures all targets (in parallel, results handed on
 * in target order) and then sends a heartbeat, so that a probe whose measurements all fail, or that
 * measures nothing, is still seen alive; silence of heartbeats is the shutdown signal. Rounds are
 * {@code interval} plus a random {@code 0..jitter} apart so that a fleet does not measure in lockstep.
 * A measurement the consumer refuses (it throws, e.g. a full spool) is counted in {@link #notAccepted()}
 * and logged at ERROR once per round; the probe keeps measuring and sending heartbeats.
 */
public final class ProbeRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProbeRunner.class);

    private final ProbeSettings settings;
    private final ReachabilityProbe probe;
    private final Consumer<ProbeMeasurement> measurements;
    private final Consumer<ProbeHeartbeat> heartbeats;
    private final Clock clock;
    private final ExecutorService pool;
    private final java.util.concurrent.atomic.AtomicLong notAccepted = new java.util.concurrent.atomic.AtomicLong();

    public ProbeRunner(ProbeSettings settings, Clock clock, Consumer<ProbeMeasurement> measurements,
                       Consumer<ProbeHeartbeat> heartbeats) {
        this.settings = settings;
        this.probe = new ReachabilityProbe(settings, clock);
        this.measurements = measurements;
        this.heartbeats = heartbeats;
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, settings.targets().size())), r -> {
            Thread t = new Thread(r, "probe-measure");
            t.setDaemon(true);
            return t;
        });
    }

    /** Measures every target once, hands the measurements on, then sends a heartbeat; returns the measurements. */
    public List<ProbeMeasurement> runRound() throws InterruptedException {
        List<Future<ProbeMeasurement>> futures = new ArrayList<>();
        for (Target t : settings.targets()) {
            futures.add(pool.submit(() -> probe.measure(t)));
        }
        List<ProbeMeasurement> out = new ArrayList<>();
        RuntimeException refusal = null;
        for (Future<ProbeMeasurement> f : futures) {
            try {
                ProbeMeasurement m = f.get();
                out.add(m);
                try {
                    measurements.accept(m);
                } catch (RuntimeException e) {
                    // e.g. a full spool: the sink already warned; keep measuring and keep sending heartbeats
                    notAccepted.incrementAndGet();
                    refusal = e;
                }
            } catch (ExecutionException e) {
                // measure() classifies network failures itself; this is a bug, keep the other targets
                log.error("measurement failed unexpectedly", e.getCause());
            }
        }
        if (refusal != null) {
            log.error("measurements of this round were not accepted for publishing ({} so far): {}", notAccepted.get(),
                    refusal.getMessage());
        }
        heartbeats.accept(ProbeHeartbeat.newBuilder()
                .setProbeId(settings.probeId())
                .setCountry(settings.country())
                .setAsn(settings.asn())
                .setNetworkName(settings.networkName())
                .setSentAt(clock.instant())
                .setMeasurementsSinceLast(out.size())
                .setSource(MeasurementSource.PROBE)
                .setSoftwareName(ReachabilityProbe.SOFTWARE_NAME)
                .setSoftwareVersion(ReachabilityProbe.SOFTWARE_VERSION)
                .build());
        return out;
    }

    /** Rounds until interrupted. */
    public void runForever() throws InterruptedException {
        while (!Thread.currentThread().isInterrupted()) {
            List<ProbeMeasurement> round = runRound();
            log.info("round done: {} measurements", round.size());
            Thread.sleep(nextPause().toMillis());
        }
    }

    /** Measurements the consumer refused (for instance a full spool), since start; each refusal is logged per round. */
    public long notAccepted() {
        return notAccepted.get();
    }

    /** interval + uniform random 0..jitter. */
    public Duration nextPause() {
        long jitter = settings.jitter().toMillis();
        return settings.interval().plusMillis(jitter <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitter + 1));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
