package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.MeasurementSource;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.TestKind;
import org.reachwatch.simulator.Scenario;
import org.reachwatch.simulator.Simulator;
import org.reachwatch.simulator.TimedMeasurement;

/** A simulated fleet written as raw OONI and read back by {@link OoniRawParser} keeps what the detector reads. */
class OoniRawWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Every blocking method the simulator has, a service outage and background failures, over a day. */
    private static final String FLEET = """
            name: every-method
            seed: 7
            start: 2024-02-17T00:00:00Z
            end: 2024-02-17T06:00:00Z
            intervalMinutes: 5
            countries:
              - code: PK
                networks: [{asn: AS17557, name: PTCL, probes: 3}, {asn: AS24499, name: Jazz, probes: 2}]
            targets: [x.com, twitter.com, wikipedia.org, youtube.com]
            controls: [example.com]
            noise: {failureRate: 0.05, lateShare: 0.02, lateMaxMinutes: 60, duplicateShare: 0.02}
            disruptions:
              - {country: PK, targets: [x.com], share: 1.0, method: TLS, from: 2024-02-17T01:00:00Z, to: 2024-02-17T02:00:00Z, cause: CENSORSHIP}
              - {country: PK, targets: [twitter.com], share: 0.5, method: DNS, from: 2024-02-17T01:00:00Z, to: 2024-02-17T03:00:00Z, cause: CENSORSHIP}
              - {country: PK, targets: [wikipedia.org], share: 1.0, method: HTTP_BLOCKPAGE, from: 2024-02-17T02:00:00Z, to: 2024-02-17T03:00:00Z, cause: CENSORSHIP}
              - {country: PK, targets: [x.com], share: 1.0, method: TCP_IP, from: 2024-02-17T03:00:00Z, to: 2024-02-17T04:00:00Z, cause: CENSORSHIP}
              - {country: '*', targets: [youtube.com], share: 1.0, method: TCP_IP, from: 2024-02-17T04:00:00Z, to: 2024-02-17T05:00:00Z, cause: SERVICE_OUTAGE}
            """;

    @Test
    void simulatedFleetSurvivesTheRoundTripInWhatTheDetectorReads() throws IOException {
        List<ProbeMeasurement> written = new ArrayList<>();
        StringBuilder file = new StringBuilder();
        for (Iterator<TimedMeasurement> it = Simulator.run(Scenario.parse(FLEET)); it.hasNext(); ) {
            ProbeMeasurement m = it.next().measurement();
            written.add(m);
            file.append(OoniRawWriter.toJsonLine(m)).append('\n');
        }
        List<ProbeMeasurement> read = new ArrayList<>();
        ImportReport report = FeedImporter.reader(InputFormat.OONI).read(LineSource.of(file.toString()), "sim", read::add);

        assertThat(report.badLines()).isZero();
        assertThat(read).hasSameSizeAs(written);
        Set<BlockingMethod> methods = EnumSet.noneOf(BlockingMethod.class);
        Map<String, String> probeIds = new HashMap<>();
        for (int i = 0; i < written.size(); i++) {
            ProbeMeasurement w = written.get(i);
            ProbeMeasurement r = read.get(i);
            sameForTheDetector(w, r);
            methods.add(w.getBlockingMethod());
            assertThat(probeIds.merge(r.getProbeId(), w.getProbeId(), (a, b) -> a.equals(b) ? a : "two probes"))
                    .as("one report id per probe").isEqualTo(w.getProbeId());
        }
        assertThat(methods).containsExactlyInAnyOrder(BlockingMethod.NONE, BlockingMethod.DNS, BlockingMethod.TCP_IP,
                BlockingMethod.TLS, BlockingMethod.HTTP_BLOCKPAGE);
        assertThat(written).extracting(ProbeMeasurement::getOutcome).contains(MeasurementOutcome.SITE_DOWN);
    }

    @Test
    void probeMeasurementKeepsHandshakeTimeAndIpv6AndInconclusiveStaysInconclusive() throws IOException {
        ProbeMeasurement probe = ProbeMeasurement.newBuilder().setMeasurementId("m-1").setProbeId("probe-a").setCountry("RU")
                .setAsn("AS12389").setNetworkName("Rostelecom").setTarget("x.com").setInput("https://x.com/")
                .setTestKind(TestKind.REACHABILITY).setStartTime(Instant.parse("2021-03-10T12:00:00.750Z"))
                .setSource(MeasurementSource.PROBE).setOutcome(MeasurementOutcome.REACHABLE)
                .setBlockingMethod(BlockingMethod.THROTTLING).setDnsAnswers(List.of("2606:4700::6810:84e5"))
                .setLatencyMs(40.0).setTlsHandshakeMs(85.5).setHttpStatus(200).setRuntimeMs(16_250L)
                .setBytesReceived(262_144L).setDownloadMs(16_000.0).setThroughputBytesPerSecond(16_384.0).build();
        ProbeMeasurement back = OoniRawParser.parse(MAPPER.readTree(OoniRawWriter.toJsonLine(probe)));
        sameForTheDetector(probe, back);
        assertThat(back.getTlsHandshakeMs()).isCloseTo(85.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(back.getDownloadMs()).as("OONI carries a download's size only as its body").isNull();

        ProbeMeasurement unsure = ProbeMeasurement.newBuilder(probe).setMeasurementId("m-2").setOutcome(MeasurementOutcome.INCONCLUSIVE)
                .setBlockingMethod(BlockingMethod.UNKNOWN).build();
        sameForTheDetector(unsure, OoniRawParser.parse(MAPPER.readTree(OoniRawWriter.toJsonLine(unsure))));
    }

    private static void sameForTheDetector(ProbeMeasurement w, ProbeMeasurement r) {
        String what = w.getMeasurementId();
        assertThat(r.getMeasurementId()).as(what).isEqualTo(w.getMeasurementId());
        assertThat(r.getCountry()).as(what).isEqualTo(w.getCountry());
        assertThat(r.getAsn()).as(what).isEqualTo(w.getAsn());
        assertThat(r.getNetworkName()).as(what).isEqualTo(w.getNetworkName());
        assertThat(r.getTarget()).as(what).isEqualTo(w.getTarget());
        assertThat(r.getStartTime()).as(what).isEqualTo(w.getStartTime().truncatedTo(ChronoUnit.SECONDS));
        assertThat(r.getOutcome()).as(what).isEqualTo(w.getOutcome());
        BlockingMethod expected = w.getOutcome() == MeasurementOutcome.SITE_DOWN || w.getBlockingMethod() == BlockingMethod.THROTTLING
                ? BlockingMethod.NONE : w.getBlockingMethod();
        assertThat(r.getBlockingMethod()).as(what).isEqualTo(expected);
        assertThat(r.getDnsFailure()).as(what).isEqualTo(w.getDnsFailure());
        assertThat(r.getTcpFailure()).as(what).isEqualTo(w.getTcpFailure());
        assertThat(r.getTlsFailure()).as(what).isEqualTo(w.getTlsFailure());
        assertThat(r.getDnsAnswers()).as(what).isEqualTo(w.getDnsAnswers());
        assertThat(r.getRuntimeMs()).as(what).isEqualTo(w.getRuntimeMs());
        assertThat(r.getTestKind()).as(what).isEqualTo(TestKind.WEB_CONNECTIVITY);
        if (w.getOutcome() == MeasurementOutcome.REACHABLE) {
            assertThat(r.getHttpStatus()).as(what).isEqualTo(w.getHttpStatus());
        }
    }
}
