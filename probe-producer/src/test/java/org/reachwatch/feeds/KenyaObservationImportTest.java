package org.reachwatch.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.MeasurementOutcome;
import org.reachwatch.avro.ProbeMeasurement;

/**
 * The Kenya 2023 Telegram block (OONI obs_web exports) imports with the counts of an independent
 * hand check. The expected numbers come from this Python, run from ../shared/data/ooni/kenya-telegram-2023
 * ({@code python3 check.py FILE}); it applies the documented rule directly to the CSV rows:
 * <pre>
 * import csv,gzip,collections,re,sys
 * m=collections.OrderedDict()
 * for r in csv.DictReader(gzip.open(sys.argv[1],'rt')):
 *     d=m.setdefault(r['measurement_uid'],{'asn':r['probe_asn'],'day':r['measurement_start_time'][:10],'dc':[],'web':[],'pa':set()})
 *     h=r['hostname']
 *     (d['dc'] if h=='' or re.fullmatch(r'[0-9.]+',h) else d['web']).append(r['failure_class']!='ok')
 *     d['pa'].add(r['probe_analysis'])
 * print('measurements',len(m))
 * def blocked(d):
 *     if d['pa']-{''}: return d['pa']!={'false'}
 *     return (d['dc'] and all(d['dc'])) or any(d['web'])
 * st=collections.Counter()
 * for d in m.values():
 *     per='before' if d['day']<'2023-11-08' else ('block' if d['day']<='2023-11-24' else 'after')
 *     st[(d['asn'],per,'n')]+=1; st[(d['asn'],per,'bad')]+=blocked(d)
 * for a in sorted({k[0] for k in st}): print(a,[(p,st[(a,p,'n')],st[(a,p,'bad')]) for p in ['before','block','after']])
 * </pre>
 * Row and uid counts: {@code zcat FILE | tail -n +2 | wc -l} (125,441 and 6,055 rows) and
 * {@code zcat FILE | python3 -c "import csv,sys; print(len({r['measurement_uid'] for r in csv.DictReader(sys.stdin)}))"}
 * (2,344 and 1,228). These agree with OONI's report: Jambonet (AS12455) fails 3 % before 8 Nov and
 * 97 % from 8 to 24 Nov; Safaricom (AS33771, AS37061) and Airtel (AS36926) a third; Liquid (AS30844)
 * and Vilcom (AS329014) stay near zero.
 */
class KenyaObservationImportTest {
    private static final Instant BLOCK_START = Instant.parse("2023-11-08T00:00:00Z");
    private static final Instant BLOCK_END = Instant.parse("2023-11-25T00:00:00Z");

    /** asn -> {before n, before unreachable, block n, block unreachable}. */
    private static Map<String, int[]> shares(Iterable<ProbeMeasurement> ms) {
        Map<String, int[]> out = new HashMap<>();
        for (ProbeMeasurement m : ms) {
            int[] s = out.computeIfAbsent(m.getAsn(), k -> new int[4]);
            if (m.getStartTime().isBefore(BLOCK_START)) {
                s[0]++;
                s[1] += m.getOutcome() == MeasurementOutcome.UNREACHABLE ? 1 : 0;
            } else if (m.getStartTime().isBefore(BLOCK_END)) {
                s[2]++;
                s[3] += m.getOutcome() == MeasurementOutcome.UNREACHABLE ? 1 : 0;
            }
        }
        return out;
    }

    @Test
    void telegramObservationsImportWithTheHandCheckedCounts() throws IOException {
        Path file = SharedData.require("ooni/kenya-telegram-2023/2023-KE-telegram.csv.gz");
        java.util.List<ProbeMeasurement> all = new java.util.ArrayList<>();
        ImportReport report = FeedImporter.importFile(file, InputFormat.OONI_OBS, all::add);

        assertThat(report.linesRead()).isEqualTo(125_442);
        assertThat(report.badLines()).as(report.toString()).isZero();
        assertThat(report.measurements()).isEqualTo(2_344);
        Set<String> ids = new HashSet<>();
        all.forEach(m -> ids.add(m.getMeasurementId()));
        assertThat(ids).hasSize(2_344);
        assertThat(all).allSatisfy(m -> {
            assertThat(m.getTarget()).isEqualTo("telegram");
            assertThat(m.getCountry()).isEqualTo("KE");
        });

        Map<String, int[]> s = shares(all);
        assertThat(s.get("AS12455")).containsExactly(101, 3, 90, 87);    // Jambonet: blocked throughout
        assertThat(s.get("AS33771")).containsExactly(289, 4, 373, 114);  // Safaricom: partial
        assertThat(s.get("AS37061")).containsExactly(43, 2, 162, 55);    // Safaricom: partial
        assertThat(s.get("AS36926")).containsExactly(34, 1, 39, 12);     // Airtel: partial
        assertThat(s.get("AS30844")).containsExactly(221, 4, 83, 0);     // Liquid: control
        assertThat(s.get("AS329014")).containsExactly(210, 0, 77, 1);    // Vilcom: control
        long jambonetTcp = all.stream().filter(m -> "AS12455".equals(m.getAsn())
                && m.getOutcome() == MeasurementOutcome.UNREACHABLE && !m.getStartTime().isBefore(BLOCK_START)
                && m.getBlockingMethod() == BlockingMethod.TCP_IP).count();
        assertThat(jambonetTcp).as("Jambonet's app endpoints are IP-blocked").isGreaterThanOrEqualTo(80);
    }

    @Test
    void webConnectivityObservationsImportWithTheHandCheckedCountsAndJambonetBogon() throws IOException {
        Path file = SharedData.require("ooni/kenya-telegram-2023/2023-KE-web_connectivity-telegram.org.csv.gz");
        java.util.List<ProbeMeasurement> all = new java.util.ArrayList<>();
        ImportReport report = FeedImporter.importFile(file, InputFormat.OONI_OBS, all::add);

        assertThat(report.linesRead()).isEqualTo(6_056);
        assertThat(report.badLines()).isZero();
        assertThat(report.measurements()).isEqualTo(1_228);
        assertThat(all).extracting(ProbeMeasurement::getTarget).containsOnly("telegram.org", "t.me", "telegram.me");
        Map<String, int[]> s = shares(all);
        assertThat(s.get("AS12455")).containsExactly(24, 0, 58, 58);
        assertThat(s.get("AS33771")).containsExactly(52, 0, 210, 69);
        assertThat(s.get("AS37061")).containsExactly(22, 0, 71, 28);
        assertThat(s.get("AS30844")).containsExactly(58, 1, 56, 0);
        // per-uid probe_analysis: 57 "dns", 96 "http-failure" with a tls_failure; 58 uids answered 192.168.7.222
        assertThat(all.stream().filter(m -> m.getBlockingMethod() == BlockingMethod.DNS).count()).isEqualTo(57);
        assertThat(all.stream().filter(m -> m.getBlockingMethod() == BlockingMethod.TLS).count()).isEqualTo(96);
        assertThat(all.stream().filter(ProbeMeasurement::getDnsBogon).count()).isEqualTo(58);
        assertThat(all.stream().filter(m -> m.getDnsAnswers().contains("192.168.7.222")).map(ProbeMeasurement::getAsn))
                .containsOnly("AS12455");
    }
}
