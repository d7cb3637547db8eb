package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.ProbeMeasurement;

/** The heap's open windows against real (in-memory) Kafka Streams stores: what a restart reads back. */
class OpenWindowsTest {
    private static final long WINDOW = 300_000;
    private static final long W0 = Instant.parse("2024-02-17T20:00:00Z").toEpochMilli();

    private KeyValueStore<String, byte[]> accumulators;
    private KeyValueStore<String, byte[]> ids;

    @BeforeEach
    void stores() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        accumulators = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("acc"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        ids = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("ids"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        accumulators.init(context.getStateStoreContext(), accumulators);
        ids.init(context.getStateStoreContext(), ids);
    }

    private static ProbeMeasurement m(String id, String probe, BlockingMethod blocked, int minute) {
        ProbeMeasurement m = Measurements.measurement(id, "PK", "AS17557", "x.com", false, probe,
                Instant.ofEpochMilli(W0 + minute * 60_000L), blocked);
        m.setLatencyMs(10.0 + minute);
        return m;
    }

    private static void count(OpenWindows windows, ProbeMeasurement m) {
        long start = Math.floorDiv(m.getStartTime().toEpochMilli(), WINDOW) * WINDOW;
        if (windows.firstSighting(start, m.getMeasurementId())) {
            windows.add(start, "PK", null, "x.com", m);
            windows.add(start, "PK", "AS17557", "x.com", m);
        }
    }

    @Test
    void whatWasPersistedIsReadBackWithItsIdsSoADuplicateAfterARestartIsStillADuplicate() {
        OpenWindows before = new OpenWindows(accumulators, ids, WINDOW);
        count(before, m("a", "p1", null, 0));
        count(before, m("b", "p2", BlockingMethod.DNS, 1));
        before.persist();
        count(before, m("c", "p3", BlockingMethod.DNS, 6)); // second window, second chunk of ids
        before.persist();

        OpenWindows after = new OpenWindows(accumulators, ids, WINDOW);
        after.load();
        assertThat(after.size()).isEqualTo(4);
        assertThat(after.firstSighting(W0, "a")).isFalse();
        assertThat(after.firstSighting(W0 + WINDOW, "c")).isFalse();
        assertThat(after.firstSighting(W0, "c")).as("ids are scoped to their window").isTrue();

        List<WindowAccumulator> first = after.close(W0);
        assertThat(first).hasSize(2);
        WindowAccumulator country = first.stream().filter(a -> a.asn == null).findFirst().orElseThrow();
        assertThat(country.total).isEqualTo(2);
        assertThat(country.reachable).isEqualTo(1);
        assertThat(country.unreachable).isEqualTo(1);
        assertThat(country.failuresByMethod).containsEntry("DNS", 1);
        assertThat(country.probes).containsExactlyInAnyOrder("p1", "p2");
        assertThat(country.latencies).containsExactly(10.0, 11.0);
    }

    @Test
    void whatWasNotPersistedIsForgottenByClearAndClosingAWindowDeletesItsStoredState() {
        OpenWindows windows = new OpenWindows(accumulators, ids, WINDOW);
        count(windows, m("a", "p1", null, 0));
        windows.persist();
        count(windows, m("b", "p2", null, 1));
        windows.clear();
        windows.load();
        assertThat(windows.firstSighting(W0, "b")).as("b was never committed").isTrue();
        windows.clear();
        windows.load();
        List<WindowAccumulator> closed = windows.close(W0);
        assertThat(closed).extracting(a -> a.total).containsOnly(1);

        assertThat(accumulators.approximateNumEntries()).isZero();
        assertThat(ids.approximateNumEntries()).isZero();
        OpenWindows reloaded = new OpenWindows(accumulators, ids, WINDOW);
        reloaded.load();
        assertThat(reloaded.size()).isZero();
    }

    @Test
    void aWindowOpenedAndClosedBetweenTwoCommitsNeverTouchesTheStores() {
        List<String> calls = new ArrayList<>();
        OpenWindows windows = new OpenWindows(recording(accumulators, calls), recording(ids, calls), WINDOW);
        count(windows, m("a", "p1", null, 0));
        windows.persist();
        calls.clear();
        count(windows, m("b", "p2", null, 1));
        count(windows, m("c", "p2", null, 6)); // the second window opens...
        windows.close(W0 + WINDOW); // ...and closes before any commit
        windows.close(W0);
        windows.persist();

        assertThat(calls).as("only the first window was stored, so only it is deleted")
                .containsExactlyInAnyOrder("delete 1708200000000|PK||x.com", "delete 1708200000000|PK|AS17557|x.com",
                        "delete 1708200000000#000000");
    }

    /** {@code store}, with every put and delete it is asked for written to {@code calls}. */
    @SuppressWarnings("unchecked")
    private static KeyValueStore<String, byte[]> recording(KeyValueStore<String, byte[]> store, List<String> calls) {
        return (KeyValueStore<String, byte[]>) Proxy.newProxyInstance(OpenWindowsTest.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("put") || method.getName().equals("delete")) {
                        calls.add(method.getName() + " " + args[0]);
                    }
                    return method.invoke(store, args);
                });
    }

    @Test
    void aBusyWindowsStateRoundTripsThroughItsBinaryForm() {
        WindowAccumulator acc = new WindowAccumulator("PK", null, "x.com", false, W0, W0 + WINDOW);
        for (int i = 0; i < 40_000; i++) {
            acc.add(m("id" + i, "p" + (i % 50), i % 3 == 0 ? BlockingMethod.TCP_IP : null, 1));
        }
        WindowAccumulator back = WindowAccumulator.decode(acc.encode());
        assertThat(back.toAvro()).isEqualTo(acc.toAvro());
        assertThat(back.latencies).hasSize(WindowAccumulator.SAMPLE_CAP);
        assertThat(back.probes).hasSize(50);
    }

    @Test
    void aRemovedSettingIsAClearErrorNotSilentlyIgnored() {
        Properties p = new Properties();
        p.setProperty("detector.dedupe.horizon", "PT24H");
        assertThatThrownBy(() -> DetectorSettings.from(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("detector.dedupe.horizon is no longer a setting");
    }

    @Test
    void storeKeysAreWhatTheFormatterWroteSoStoresFromEarlierVersionsStillMatch() {
        long[] values = {0, 7, 999_999, 1_000_000, W0, 9_999_999_999_999L, 10_000_000_000_000L, Long.MAX_VALUE, -1, -W0};
        for (long v : values) {
            assertThat(OpenWindows.padded(v, 13)).as("%d", v).isEqualTo(String.format(java.util.Locale.ROOT, "%013d", v));
            assertThat(OpenWindows.padded(v, 6)).as("%d", v).isEqualTo(String.format(java.util.Locale.ROOT, "%06d", v));
        }
        assertThat(new OpenWindows.Key(W0, "PK", null, "x.com").storeKey()).isEqualTo("1708200000000|PK||x.com");
        assertThat(new OpenWindows.Key(W0, "PK", "AS17557", "x.com").storeKey()).isEqualTo("1708200000000|PK|AS17557|x.com");
    }
}
