package org.reachwatch.producer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.json.AvroJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only, bounded, on-disk FIFO of measurements: the write-ahead log of
 * {@link MeasurementPublisher}. Records are {@code native} JSON lines (readable with
 * {@code reachwatch replay --format native}) in segment files {@code spool-<n>.jsonl}; the position
 * of the first unacknowledged record is checkpointed in {@code ack.pos}, and fully acknowledged
 * segments are deleted.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Order: {@link #read} returns records in append order, from the acknowledged position.</li>
 *   <li>Bound: unacknowledged bytes never exceed {@code maxBytes}. A full spool refuses
 *       {@link #append} with {@link SpoolFullException} (the caller still holds the measurement),
 *       logs one warning per episode and counts refusals in {@link #refused()}. Dropping the oldest
 *       or newest silently would hide exactly the data that shows a block.</li>
 *   <li>Durability (fsync policy): an appended record is in the OS page cache at once (survives a
 *       crash of the JVM); it is forced to disk at most {@code fsyncInterval} later, on segment roll,
 *       and on {@link #close}. A power loss can lose the last {@code fsyncInterval} of appends;
 *       {@code Duration.ZERO} forces every append (safest, slowest). A torn last line after a power
 *       loss is skipped with a warning when the spool is reopened.</li>
 *   <li>At-least-once: after a restart, records after the last checkpoint are read again, so some
 *       may be sent twice; consumers deduplicate by measurementId.</li>
 * </ul>
 * Thread-safe: one appender and one reader thread may use it concurrently.
 */
public final class DiskSpool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);
    private static final String PREFIX = "spool-";
    private static final String SUFFIX = ".jsonl";

    /** Where a record sits: segment number and byte offset of the record's start. */
    public record Position(long segment, long offset) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            return segment != o.segment ? Long.compare(segment, o.segment) : Long.compare(offset, o.offset);
        }
    }

    /** A record read back, with the position just after it (what to acknowledge once it is delivered). */
    public record Entry(ProbeMeasurement measurement, Position next) {
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final long fsyncIntervalNanos;
    private final Deque<Long> segments = new ArrayDeque<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private FileChannel writer;
    private long writerSegment;
    private long writerSize;
    private long lastSync = System.nanoTime();
    private boolean dirty;
    private Position acked;
    private long unackedBytes;
    private boolean full;

    public DiskSpool(Path dir, long maxBytes, Duration fsyncInterval) {
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("spool bound must be at least 1 KiB, got " + maxBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(512, Math.min(maxBytes / 4, 16L << 20));
        this.fsyncIntervalNanos = fsyncInterval.toNanos();
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith(PREFIX) && n.endsWith(SUFFIX))
                        .map(n -> Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length())))
                        .sorted().forEach(segments::add);
            }
            acked = readCheckpoint();
            if (segments.isEmpty()) {
                segments.add(1L);
            }
            if (acked == null || acked.segment() < segments.peekFirst()) {
                acked = new Position(segments.peekFirst(), 0);
            }
            writerSegment = segments.peekLast();
            openWriter();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open spool in " + dir, e);
        }
    }

    /**
     * Appends {@code m} at the end of the spool.
     *
     * @throws SpoolFullException when it would exceed the bound; nothing was written
     * @throws UncheckedIOException when the disk write fails; nothing usable was written
     */
    public synchronized void append(ProbeMeasurement m) {
        byte[] line = (AvroJson.toJsonLine(m) + "\n").getBytes(StandardCharsets.UTF_8);
        if (unackedBytes + line.length > maxBytes) {
            refused.incrementAndGet();
            if (!full) {
                full = true;
                log.warn("measurement spool {} is FULL ({} of {} bytes unsent): refusing new measurements until the broker "
                        + "takes the backlog; refusals are counted (spool.refused)", dir, unackedBytes, maxBytes);
            }
            throw new SpoolFullException("measurement spool " + dir + " is full (" + unackedBytes + " of " + maxBytes
                    + " bytes waiting for the broker); measurement " + m.getMeasurementId() + " not accepted");
        }
        try {
            if (!writer.isOpen()) {
                openWriter();
            }
            if (writerSize > 0 && writerSize + line.length > segmentBytes) {
                roll();
            }
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                writer.write(buffer);
            }
            writerSize += line.length;
            unackedBytes += line.length;
            dirty = true;
            if (fsyncIntervalNanos == 0 || System.nanoTime() - lastSync >= fsyncIntervalNanos) {
                sync();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to spool " + dir, e);
        }
        notifyAll();
    }

    /**
     * (Re)opens the last segment for appending. A line left without its newline (a crash, or a
     * writer thread interrupted mid-write, which closes the channel) is terminated first so that it
     * stays one unreadable line and does not swallow the next record; pending bytes are recounted
     * from the files.
     */
    private void openWriter() throws IOException {
        Path file = segmentPath(writerSegment);
        writer = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        writerSize = writer.size();
        if (writerSize > 0) {
            ByteBuffer last = ByteBuffer.allocate(1);
            try (FileChannel r = FileChannel.open(file, StandardOpenOption.READ)) {
                r.read(last, writerSize - 1);
            }
            if (last.get(0) != '\n') {
                writer.write(ByteBuffer.wrap(new byte[] {'\n'}));
                writerSize++;
            }
        }
        long total = 0;
        for (long seg : segments) {
            Path p = segmentPath(seg);
            total += Files.exists(p) ? Files.size(p) : 0;
        }
        unackedBytes = Math.max(0, total - acked.offset());
    }

    private void roll() throws IOException {
        sync();
        writer.close();
        writerSegment++;
        segments.add(writerSegment);
        writer = FileChannel.open(segmentPath(writerSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        writerSize = 0;
    }

    private void sync() throws IOException {
        if (dirty) {
            writer.force(false);
            dirty = false;
        }
        lastSync = System.nanoTime();
    }

    /** Forces appended records to disk now, whatever the fsync interval. */
    public synchronized void force() {
        try {
            sync();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Up to {@code max} records from the acknowledged position on, in append order; waits up to
     * {@code wait} for one when the spool is empty. Reading does not consume: records stay until
     * {@link #acknowledge}.
     */
    public List<Entry> read(int max, Duration wait) throws InterruptedException {
        Position from;
        long lastSegment;
        synchronized (this) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (unackedBytes == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            from = acked;
            lastSegment = writerSegment;
            try {
                sync();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<Entry> out = new ArrayList<>(Math.min(max, 1024));
        long segment = from.segment();
        long offset = from.offset();
        try {
            while (out.size() < max && segment <= lastSegment) {
                Path file = segmentPath(segment);
                if (Files.exists(file) && readSegment(file, segment, offset, max, out)) {
                    break;
                }
                segment++;
                offset = 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spool " + dir, e);
        }
        return out;
    }

    /**
     * Appends the segment's complete lines from {@code offset} to {@code out}.
     *
     * @return true when reading must stop here (batch full, or an unreadable line after good ones)
     */
    private boolean readSegment(Path file, long segment, long offset, int max, List<Entry> out) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.position(offset);
            BufferedReader in = new BufferedReader(java.nio.channels.Channels.newReader(ch, StandardCharsets.UTF_8), 1 << 16);
            long pos = offset;
            String line;
            while (out.size() < max && (line = readCompleteLine(in)) != null) {
                long next = pos + line.getBytes(StandardCharsets.UTF_8).length + 1;
                ProbeMeasurement m;
                try {
                    m = AvroJson.fromJsonLine(line, ProbeMeasurement.class);
                } catch (IllegalArgumentException e) {
                    if (!out.isEmpty()) {
                        return true; // hand on the good ones first; the bad line is then at the front
                    }
                    // at the front: it can never be sent, so it is skipped for good (counted and logged)
                    corrupt.incrementAndGet();
                    log.warn("skipping unreadable spool line at {}:{} ({})", file, pos, e.getMessage());
                    acknowledge(new Position(segment, next));
                    pos = next;
                    continue;
                }
                out.add(new Entry(m, new Position(segment, next)));
                pos = next;
            }
            return out.size() >= max;
        }
    }

    /** A line only when its newline was written: a record being appended right now is not read half-way. */
    private static String readCompleteLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder(512);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return sb.toString();
            }
            sb.append((char) c);
        }
        return null;
    }

    /** Everything before {@code upTo} was delivered: frees its space and checkpoints the position. */
    public synchronized void acknowledge(Position upTo) {
        if (upTo.compareTo(acked) <= 0) {
            return;
        }
        try {
            long freed = 0;
            while (segments.size() > 1 && segments.peekFirst() < upTo.segment()) {
                long s = segments.pollFirst();
                Path p = segmentPath(s);
                freed += Files.size(p) - (s == acked.segment() ? acked.offset() : 0);
                Files.deleteIfExists(p);
            }
            freed += upTo.offset() - (upTo.segment() == acked.segment() ? acked.offset() : 0);
            acked = upTo;
            unackedBytes -= freed;
            if (unackedBytes < 0) {
                unackedBytes = 0;
            }
            writeCheckpoint();
            if (full && unackedBytes < maxBytes / 2) {
                full = false;
                log.info("measurement spool {} has room again ({} bytes waiting); {} measurements were refused while full",
                        dir, unackedBytes, refused.get());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot acknowledge in spool " + dir, e);
        }
    }

    private void writeCheckpoint() throws IOException {
        Path tmp = dir.resolve("ack.pos.tmp");
        Files.writeString(tmp, acked.segment() + " " + acked.offset() + "\n");
        Files.move(tmp, dir.resolve("ack.pos"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Position readCheckpoint() throws IOException {
        Path p = dir.resolve("ack.pos");
        if (!Files.exists(p)) {
            return null;
        }
        String[] parts = Files.readString(p).trim().split(" ");
        try {
            return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        } catch (RuntimeException e) {
            log.warn("ignoring unreadable spool checkpoint {}: re-sending from the oldest segment", p);
            return null;
        }
    }

    private Path segmentPath(long segment) {
        return dir.resolve(PREFIX + String.format("%012d", segment) + SUFFIX);
    }

    /** The spool's folder. */
    public Path directory() {
        return dir;
    }

    /** Bytes appended and not yet acknowledged. */
    public synchronized long pendingBytes() {
        return unackedBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Appends refused because the spool was full, since it was opened. */
    public long refused() {
        return refused.get();
    }

    /** Unreadable lines skipped (torn writes after a power loss). */
    public long corruptLines() {
        return corrupt.get();
    }

    public synchronized boolean isFull() {
        return full;
    }

    @Override
    public synchronized void close() {
        try {
            sync();
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close spool " + dir, e);
        }
    }
}
