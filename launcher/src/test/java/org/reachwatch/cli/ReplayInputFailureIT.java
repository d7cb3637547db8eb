package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;

/**
 * An input that fails after the replay's broker and detector are up (here a CSV that is not an OONI
 * export, after a good file) ends the replay with that input's error, and nothing of the run keeps
 * running: neither the input reader nor the detector.
 */
class ReplayInputFailureIT {
    @TempDir
    Path dir;

    @Test
    void aFailingInputEndsTheReplayWithItsErrorAndStopsTheDetector() throws Exception {
        Path good = Fleet.writeJsonLines(Fleet.measurements(), dir.resolve("good.jsonl"));
        Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b,c\n1,2,3\n");

        assertThatThrownBy(() -> Replay.run(new Replay.Request(List.of(good, csv), null, dir.resolve("events.jsonl"), null,
                DetectorSettings.defaultSettings(), Cluster.plain(null, null), DetectorTopicConfigs.defaults(), false),
                new PrintWriter(new StringWriter())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an OONI obs_web CSV");

        long deadline = System.nanoTime() + 30_000_000_000L;
        while (replayThreads() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(replayThreads()).as("threads of the replay's detector or reader still alive").isZero();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".replay-state-"));
        }
    }

    private static long replayThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(n -> n.startsWith("reachwatch-replay-") || n.startsWith("replay-")).count();
    }
}
