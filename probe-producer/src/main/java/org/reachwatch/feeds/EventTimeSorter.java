package org.reachwatch.feeds;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.reachwatch.avro.ProbeMeasurement;

/**
 * Orders measurements by event time ({@code startTime}) in bounded memory: an external merge sort.
 * Measurements are collected in runs of at most {@code runSize}; each full run is sorted and
 * written to a temporary file as Avro binary; {@link #drainTo} merges the runs (k-way, a heap of
 * one head per run). The sort is stable: measurements with equal start times keep their arrival
 * order, so the result is exactly what sorting everything in memory would give.
 *
 * <p>Memory: one run of measurements plus one buffered reader per run (64 KiB each); runs beyond
 * {@link #MAX_FAN_IN} are first merged into larger ones, so open files stay bounded too. Disk: about
 * the size of the measurements in Avro binary (a fraction of their JSON), in a temporary folder
 * removed by {@link #close}. Chosen over a bounded reorder buffer because it orders any input
 * exactly, however late a record is in the file; the price is a second pass over the data.
 * Not thread-safe.
 */
public final class EventTimeSorter implements Consumer<ProbeMeasurement>, Closeable {
    /** Default run size: some 25 MB of measurements on the heap; 64 runs (1.6 million) merge in one pass. */
    public static final int DEFAULT_RUN_SIZE = 25_000;
    static final int MAX_FAN_IN = 64;
    private static final int BUFFER = 1 << 16;
    private static final Comparator<ProbeMeasurement> BY_TIME = Comparator.comparing(ProbeMeasurement::getStartTime);

    private final int runSize;
    private final Path tempParent;
    private final List<ProbeMeasurement> buffer = new ArrayList<>();
    private final List<Run> runs = new ArrayList<>();
    private final SpecificDatumWriter<ProbeMeasurement> writer = new SpecificDatumWriter<>(ProbeMeasurement.class);
    private Path dir;
    private long count;
    private boolean drained;

    public EventTimeSorter() {
        this(DEFAULT_RUN_SIZE, null);
    }

    /** @param tempParent where the run files go (null: the system's temporary folder) */
    public EventTimeSorter(int runSize, Path tempParent) {
        if (runSize < 1) {
            throw new IllegalArgumentException("runSize must be positive");
        }
        this.runSize = runSize;
        this.tempParent = tempParent;
    }

    @Override
    public void accept(ProbeMeasurement m) {
        if (drained) {
            throw new IllegalStateException("sorter already drained");
        }
        buffer.add(m);
        count++;
        if (buffer.size() >= runSize) {
            spill();
        }
    }

    /** Measurements accepted so far. */
    public long count() {
        return count;
    }

    /** Runs written to disk so far (0: everything fits in one run and never touches the disk). */
    public int spilledRuns() {
        return runs.size();
    }

    /** Hands every measurement to {@code sink} in event-time order (stable); once. */
    public void drainTo(Consumer<ProbeMeasurement> sink) {
        if (drained) {
            throw new IllegalStateException("sorter already drained");
        }
        drained = true;
        if (runs.isEmpty()) {
            buffer.sort(BY_TIME);
            buffer.forEach(sink);
            buffer.clear();
            return;
        }
        if (!buffer.isEmpty()) {
            spill();
        }
        List<Run> pending = new ArrayList<>(runs);
        while (pending.size() > MAX_FAN_IN) {
            // Merge the oldest runs into one: later runs must stay later for the merge to be stable.
            List<Run> first = new ArrayList<>(pending.subList(0, MAX_FAN_IN));
            Run merged = newRun();
            try (RunWriter out = new RunWriter(merged)) {
                merge(first, out::write);
            }
            first.forEach(Run::delete);
            pending.subList(0, MAX_FAN_IN).clear();
            pending.add(0, merged);
        }
        merge(pending, sink);
        pending.forEach(Run::delete);
    }

    private void spill() {
        buffer.sort(BY_TIME);
        Run run = newRun();
        try (RunWriter out = new RunWriter(run)) {
            buffer.forEach(out::write);
        }
        runs.add(run);
        buffer.clear();
    }

    private Run newRun() {
        try {
            if (dir == null) {
                dir = tempParent == null ? Files.createTempDirectory("reachwatch-sort-")
                        : Files.createTempDirectory(tempParent, "reachwatch-sort-");
            }
            return new Run(Files.createTempFile(dir, "run-", ".avro"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a sort run file: " + e.getMessage(), e);
        }
    }

    /** k-way merge; ties go to the earlier run, which holds the earlier arrivals. */
    private static void merge(List<Run> runs, Consumer<ProbeMeasurement> sink) {
        // One datum reader for all runs: building one costs more than a small run's worth of decoding.
        SpecificDatumReader<ProbeMeasurement> datumReader = new SpecificDatumReader<>(ProbeMeasurement.class);
        List<RunReader> readers = new ArrayList<>();
        try {
            PriorityQueue<RunReader> heads = new PriorityQueue<>(Comparator
                    .comparing((RunReader r) -> r.head.getStartTime()).thenComparingInt(r -> r.index));
            for (int i = 0; i < runs.size(); i++) {
                RunReader reader = new RunReader(runs.get(i), i, datumReader);
                readers.add(reader);
                if (reader.advance()) {
                    heads.add(reader);
                }
            }
            while (!heads.isEmpty()) {
                RunReader next = heads.poll();
                sink.accept(next.head);
                if (next.advance()) {
                    heads.add(next);
                }
            }
        } finally {
            readers.forEach(RunReader::close);
        }
    }

    /** Deletes the temporary files. */
    @Override
    public void close() {
        buffer.clear();
        runs.forEach(Run::delete);
        if (dir != null) {
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort: a temporary folder left behind is harmless
            }
            dir.toFile().delete();
        }
    }

    private static final class Run {
        final Path file;
        long records;

        Run(Path file) {
            this.file = file;
        }

        void delete() {
            file.toFile().delete();
        }
    }

    private final class RunWriter implements AutoCloseable {
        private final Run run;
        private final OutputStream out;
        private final BinaryEncoder encoder;

        RunWriter(Run run) {
            this.run = run;
            try {
                out = new BufferedOutputStream(Files.newOutputStream(run.file), BUFFER);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write sort run " + run.file + ": " + e.getMessage(), e);
            }
            encoder = EncoderFactory.get().binaryEncoder(out, null);
        }

        void write(ProbeMeasurement m) {
            try {
                writer.write(m, encoder);
                run.records++;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write sort run " + run.file + " (disk full?): " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                encoder.flush();
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write sort run " + run.file + ": " + e.getMessage(), e);
            }
        }
    }

    private static final class RunReader {
        private final Run run;
        private final int index;
        private final InputStream in;
        private final BinaryDecoder decoder;
        private final SpecificDatumReader<ProbeMeasurement> reader;
        private long left;
        ProbeMeasurement head;

        RunReader(Run run, int index, SpecificDatumReader<ProbeMeasurement> reader) {
            this.run = run;
            this.index = index;
            this.reader = reader;
            this.left = run.records;
            try {
                in = new BufferedInputStream(Files.newInputStream(run.file), BUFFER);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read sort run " + run.file + ": " + e.getMessage(), e);
            }
            decoder = DecoderFactory.get().directBinaryDecoder(in, null);
        }

        boolean advance() {
            if (left == 0) {
                head = null;
                return false;
            }
            try {
                head = reader.read(null, decoder);
                left--;
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read sort run " + run.file + ": " + e.getMessage(), e);
            }
        }

        void close() {
            try {
                in.close();
            } catch (IOException ignored) {
                // read-only temporary file
            }
        }
    }
}
