package org.reachwatch.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.detector.lifecycle.ProbeClock;
import org.reachwatch.feeds.EventTimeSorter;
import org.reachwatch.feeds.FeedImporter;
import org.reachwatch.feeds.ImportReport;
import org.reachwatch.feeds.InputFormat;
import org.reachwatch.feeds.LineSource;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.io.Directories;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * Replays measurement files through the real detector on a real cluster: publishes every record
 * in file order (file order is arrival order; event time is the measurement's start time), tells
 * the detector the input has ended, waits until it has processed everything, then reads back
 * every disruption event (and, when asked, every availability window). Used by {@code replay},
 * {@code eval} and tests.
 */
final class Replay {
    /** What to replay and where to write; the cluster's null addresses are started embedded. */
    record Request(List<Path> inputs, InputFormat format, Path eventsOut, Path windowsOut, DetectorSettings settings,
                   Cluster cluster, DetectorTopicConfigs topicConfigs, boolean eventTimeOrder, int maxLineChars) {
        Request(List<Path> inputs, InputFormat format, Path eventsOut, Path windowsOut, DetectorSettings settings,
                Cluster cluster, DetectorTopicConfigs topicConfigs, boolean eventTimeOrder) {
            this(inputs, format, eventsOut, windowsOut, settings, cluster, topicConfigs, eventTimeOrder,
                    LineSource.DEFAULT_MAX_LINE_CHARS);
        }
    }

    /** What happened. */
    record Result(List<DisruptionEvent> events, long windows, long published, List<ImportReport> reports,
                  Map<String, Long> detectorStats, double seconds, long brokerStartupMillis,
                  List<ServiceOutageEvent> serviceOutages) {
        long badLines() {
            return reports.stream().mapToLong(ImportReport::badLines).sum();
        }

        long linesRead() {
            return reports.stream().mapToLong(ImportReport::linesRead).sum();
        }

        long goodLines() {
            return reports.stream().mapToLong(ImportReport::goodLines).sum();
        }

        /** Bad lines of every input by the kind of their reason, most frequent first. */
        Map<String, Long> rejectedByKind() {
            Map<String, Long> all = new java.util.TreeMap<>();
            reports.forEach(r -> r.rejectedByKind().forEach((k, n) -> all.merge(k, n, Long::sum)));
            Map<String, Long> sorted = new java.util.LinkedHashMap<>();
            all.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            return sorted;
        }

        long incidents() {
            return events.stream().map(DisruptionEvent::getIncidentId).distinct().count();
        }
    }

    private Replay() {
    }

    static Result run(Request request, PrintWriter err) throws IOException {
        for (Path input : request.inputs()) {
            if (!Files.isReadable(input) || Files.isDirectory(input)) {
                throw new IllegalArgumentException("cannot read input file " + input);
            }
        }
        long started = System.nanoTime();
        // The inputs are read and parsed from now on, while the broker, the registry and the detector start.
        try (InputReader reader = InputReader.start(request, err);
             EmbeddedStack stack = EmbeddedStack.connectOrStart(request.cluster(), 0)) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            // On a shared cluster every replay gets its own topics, so runs never mix.
            String prefix = stack.embedded() ? "" : "replay-" + run + ".";
            DetectorTopics topics = DetectorTopics.withPrefix(prefix, stack.registryUrl());
            // The run's own folder, next to its events: Kafka Streams distrusts state in an OS temp directory.
            createParent(request.eventsOut());
            Path state = Files.createTempDirectory(request.eventsOut().toAbsolutePath().getParent(), ".replay-state-");
            Map<String, Object> client = stack.cluster().kafka();
            // A replay is one instance of its own application: there is nowhere to keep a standby.
            Properties oneInstance = new Properties();
            oneInstance.put("num.standby.replicas", "0");
            try (DetectorApp app = DetectorApp.start(stack.bootstrapServers(), client, request.topicConfigs(), topics,
                    request.settings(), "reachwatch-replay-" + run, state, oneInstance, Duration.ofSeconds(90))) {
                Published published = publish(request, stack, topics, reader, err);
                app.awaitCaughtUp(Duration.ofMinutes(60));
                if (published.lastEventTime() != Long.MIN_VALUE) {
                    // Only once every measurement is processed: the marker travels on another topic, and
                    // processed ahead of measurements not yet fetched it would make them late.
                    app.sendEndOfInput(Instant.ofEpochMilli(published.lastEventTime()), request.settings());
                    app.awaitCaughtUp(Duration.ofMinutes(10));
                    // The last windows' verdicts were committed with the marker's processing: now the second stage's turn.
                    app.awaitCaughtUp(Duration.ofMinutes(10));
                }
                List<DisruptionEvent> events = TopicDrain.readAll(stack.bootstrapServers(), client, topics.events().name(),
                        topics.events().valueSerde().deserializer(), Duration.ofMinutes(5));
                writeLines(request.eventsOut(), events.stream().map(AvroJson::toJsonLine));
                long windows = request.windowsOut() == null ? 0 : writeWindows(request.windowsOut(), stack, topics);
                Map<String, Long> stats = app.stats();
                List<ServiceOutageEvent> outages = TopicDrain.readAll(stack.bootstrapServers(), client,
                        topics.serviceOutages().name(), topics.serviceOutages().valueSerde().deserializer(), Duration.ofMinutes(5));
                return new Result(events, windows, published.count, published.reports, stats,
                        (System.nanoTime() - started) / 1e9, stack.brokerStartupMillis(), outages);
            } finally {
                Directories.deleteRecursively(state);
            }
        }
    }

    private record Published(long count, List<ImportReport> reports, long lastEventTime) {
    }

    private static Published publish(Request request, EmbeddedStack stack, DetectorTopics topics, InputReader reader,
                                     PrintWriter err) throws IOException {
        Map<String, Object> config = new HashMap<>();
        // Replays are bulk loads: larger, compressed batches multiply throughput; 20 ms costs nothing here.
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.putAll(KafkaClients.only(ProducerConfig.configNames(), stack.cluster().kafka()));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Progress progress = new Progress(err, "replay: published", 2000);
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        InputEnd end = new InputEnd(request.settings(), System.currentTimeMillis());
        try (KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, stack.registryUrl(), false).serializer())) {
            for (List<ProbeMeasurement> batch = reader.next(); batch != null; batch = reader.next()) {
                for (ProbeMeasurement m : batch) {
                    if (sendFailure.get() != null) {
                        throw new IllegalStateException("publishing failed: " + sendFailure.get().getMessage(), sendFailure.get());
                    }
                    end.observe(m.getProbeId(), m.getStartTime().toEpochMilli());
                    // No record timestamp of ours: the topic takes the broker's append time, and event time
                    // is the payload's (detector-streams/DESIGN.md, "Time").
                    producer.send(new ProducerRecord<>(topics.measurements().name(), TopicNames.partitionKey(m.getCountry()), m),
                            (metadata, e) -> {
                                if (e != null) {
                                    sendFailure.compareAndSet(null, e);
                                }
                            });
                    progress.tick();
                }
            }
            producer.flush();
            if (sendFailure.get() != null) {
                throw new IllegalStateException("publishing failed: " + sendFailure.get().getMessage(), sendFailure.get());
            }
        }
        err.printf(Locale.ROOT, "replay: published %,d measurements in %.1f s (%,.0f/s); waiting for the detector%n",
                progress.count(), progress.elapsedSeconds(), progress.rate());
        err.flush();
        return new Published(progress.count(), reader.reports(), end.time());
    }

    /**
     * Reads and parses the inputs on a thread of its own, in file order, handing measurements to the
     * publisher in batches through a bounded queue: reading starts before the broker does (on two
     * cores, start-up and parsing overlap) and parsing then runs beside the sending. At most
     * {@link #QUEUED_BATCHES} batches wait, so memory is bounded whatever the input's size. The
     * reader's own failure (an unreadable file, a CSV without OONI's header) is thrown by {@link #next}.
     */
    static final class InputReader implements AutoCloseable {
        static final int BATCH = 512;
        static final int QUEUED_BATCHES = 64;
        private static final List<ProbeMeasurement> END = List.of();

        private final BlockingQueue<List<ProbeMeasurement>> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);
        private final List<ImportReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private boolean ended;

        private InputReader(Request request, PrintWriter err) {
            thread = new Thread(() -> run(request, err), "replay-input-reader");
            thread.setDaemon(true);
        }

        static InputReader start(Request request, PrintWriter err) {
            InputReader r = new InputReader(request, err);
            r.thread.start();
            return r;
        }

        private void run(Request request, PrintWriter err) {
            List<ProbeMeasurement> batch = new ArrayList<>(BATCH);
            java.util.function.Consumer<ProbeMeasurement> hand = m -> {
                batch.add(m);
                if (batch.size() == BATCH) {
                    put(List.copyOf(batch));
                    batch.clear();
                }
            };
            try (EventTimeSorter sorter = request.eventTimeOrder() ? new EventTimeSorter() : null) {
                for (Path input : request.inputs()) {
                    InputFormat format = request.format() != null ? request.format() : guessFormat(input, request.maxLineChars());
                    ImportReport report = FeedImporter.importFile(input, format, sorter != null ? sorter : hand, request.maxLineChars());
                    reports.add(report);
                    err.printf(Locale.ROOT, "replay: %s (%s): %,d lines, %,d measurements, %,d bad lines%s%s%n", input, format,
                            report.linesRead(), report.measurements(), report.badLines(),
                            report.rejectedByKind().isEmpty() ? "" : " " + report.rejectedByKind(),
                            report.badLineDetails().isEmpty() ? "" : "; first: " + report.badLineDetails().get(0));
                    err.flush();
                }
                if (sorter != null) {
                    // Exports that lost arrival order (OONI's are grouped by other keys) are replayed by event time.
                    if (sorter.spilledRuns() > 0) {
                        err.printf(Locale.ROOT, "replay: ordering %,d measurements by event time (merging %d sorted runs from disk)%n",
                                sorter.count(), sorter.spilledRuns() + 1);
                    }
                    sorter.drainTo(hand);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e instanceof Stopped ? null : e);
            } finally {
                if (!batch.isEmpty() && !Thread.currentThread().isInterrupted()) {
                    // what was read before the end, or before a failure, is published, as it was before the failure
                    try {
                        put(List.copyOf(batch));
                    } catch (Stopped e) {
                        // closed meanwhile: nobody takes it
                    }
                }
                try {
                    queue.put(END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // closed: nobody is waiting for the end any more
                }
            }
        }

        private void put(List<ProbeMeasurement> batch) {
            try {
                queue.put(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped();
            }
        }

        /** The next batch in file order, or null after the last one; rethrows what stopped the reader. */
        List<ProbeMeasurement> next() throws IOException {
            if (ended) {
                return null;
            }
            List<ProbeMeasurement> batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading the input");
            }
            if (batch == END) {
                ended = true;
                Throwable e = failure.get();
                if (e instanceof IOException io) {
                    throw io;
                }
                if (e instanceof RuntimeException re) {
                    throw re;
                }
                if (e instanceof Error er) {
                    throw er;
                }
                return null;
            }
            return batch;
        }

        /** One report per input read so far (every input once {@link #next} returned null). */
        List<ImportReport> reports() {
            return List.copyOf(reports);
        }

        /** Whether the reading thread still runs. */
        boolean reading() {
            return thread.isAlive();
        }

        @Override
        public void close() {
            thread.interrupt();
        }

        /** The reader was closed before it finished (start-up or publishing failed). */
        private static final class Stopped extends RuntimeException {
            Stopped() {
                super(null, null, false, false);
            }
        }
    }

    /**
     * Where the input ends, for the end-of-input marker: the latest time of a probe that is not far
     * ahead of the bulk of them (the detector's own ProbeClock over every probe, plus its horizon), so a
     * probe whose clock runs a day ahead does not make the marker close a day of empty windows. Records
     * the detector will refuse as dated in the future (after the publish time plus max.future.skew) are
     * left out.
     */
    static final class InputEnd {
        private final ProbeClock clock;
        private final long horizon;
        private final long futureLimit;
        private final Map<String, Long> latest = new HashMap<>();

        InputEnd(DetectorSettings settings, long now) {
            this.horizon = settings.clockHorizon().toMillis();
            this.clock = new ProbeClock(settings.clockQuantile(), settings.clockMinProbes(), horizon, Long.MIN_VALUE);
            this.futureLimit = now + settings.maxFutureSkew().toMillis();
        }

        void observe(String probe, long t) {
            if (t > futureLimit) {
                return;
            }
            clock.observe(probe, t);
            latest.merge(probe, t, Math::max);
        }

        /** Long.MIN_VALUE when nothing was observed. */
        long time() {
            long bulk = clock.time();
            return latest.values().stream().mapToLong(Long::longValue).filter(t -> t <= bulk + horizon).max().orElse(Long.MIN_VALUE);
        }
    }

    private static long writeWindows(Path out, EmbeddedStack stack, DetectorTopics topics) throws IOException {
        createParent(out);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            return TopicDrain.forEach(stack.bootstrapServers(), stack.cluster().kafka(), topics.windows().name(),
                    topics.windows().valueSerde().deserializer(),
                    Duration.ofMinutes(10), (AvailabilityWindow w) -> {
                        try {
                            writer.write(AvroJson.toJsonLine(w));
                            writer.newLine();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
    }

    /**
     * CSV files are OONI observation exports; JSON lines with OONI's {@code probe_cc} are raw OONI; the
     * rest is native. Reads at most the first line's first {@code maxLineChars} characters.
     */
    static InputFormat guessFormat(Path input, int maxLineChars) throws IOException {
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            return InputFormat.OONI_OBS;
        }
        try (BufferedReader reader = FeedImporter.open(input)) {
            StringBuilder first = new StringBuilder();
            int c;
            int cap = Math.min(maxLineChars, 1 << 20);
            while (first.length() < cap && (c = reader.read()) != -1 && c != '\n') {
                first.append((char) c);
            }
            return first.indexOf("\"probe_cc\"") >= 0 ? InputFormat.OONI : InputFormat.NATIVE;
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            return InputFormat.NATIVE; // a damaged file: the import reports it
        }
    }

    static void writeLines(Path out, Stream<String> lines) throws IOException {
        createParent(out);
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                writer.write(line);
                writer.newLine();
            }
        }
    }

    private static void createParent(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
