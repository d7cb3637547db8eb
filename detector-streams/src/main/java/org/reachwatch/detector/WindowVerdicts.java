package org.reachwatch.detector;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.reachwatch.detector.lifecycle.ServiceOutageJudge;

/**
 * What one partition of the first stage tells every partition of the second when it closes a window
 * ({@code detector.verdicts}, internal): its verdicts per country and target, possibly none. A record
 * is sent for every window closed, so that the second stage knows when all partitions are done with a
 * window. Binary ({@link #encode}, {@link #decode}): there are partitions² of them per window, most
 * empty, and JSON cost the stream threads more than the rest of the second stage. The windows a partition
 * closes in one step (its clock passed several at once: a gap in the data, or a tick that moves a silent
 * partition) travel in one record ({@link #batch}, {@link #decodeAll}): a day's gap is 288 windows.
 *
 * @param partition   the first-stage partition (task) that closed the window
 * @param partitions  how many first-stage partitions there are: how many to wait for
 * @param windowStart the window closed
 * @param clock       the event time the partition closed the window at: its own clock, or, for a window a
 *                    tick closed (a silent partition), the earliest tick time that closes it: silence.lag
 *                    after the window's end plus grace (the second stage waits for it)
 * @param endOfInput  the window was closed by a replay's end-of-input marker: the second stage commits
 *                    without waiting for the commit interval
 */
record WindowVerdicts(int partition, int partitions, long windowStart, long clock, boolean endOfInput,
                      List<ServiceOutageJudge.CountryVerdict> verdicts) {
    /** First byte of every encoded record: the format's version. */
    static final byte VERSION = 1;
    /** First byte of a record holding several windows of one partition, each in the format above. */
    static final byte BATCH = 2;

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + 64 * verdicts.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(partition);
            out.writeInt(partitions);
            out.writeLong(windowStart);
            out.writeLong(clock);
            out.writeBoolean(endOfInput);
            out.writeInt(verdicts.size());
            for (ServiceOutageJudge.CountryVerdict v : verdicts) {
                out.writeUTF(v.country());
                out.writeUTF(v.target());
                out.writeBoolean(v.incidentId() != null);
                if (v.incidentId() != null) {
                    out.writeUTF(v.incidentId());
                }
                out.writeLong(v.since());
                out.writeBoolean(v.onset());
                out.writeBoolean(v.disrupted());
                out.writeBoolean(v.restoredAt() != null);
                if (v.restoredAt() != null) {
                    out.writeLong(v.restoredAt());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** One record of the windows {@link #encode} wrote, in their order: one of them as it is, more as a batch. */
    static byte[] batch(List<byte[]> encodedWindows) {
        if (encodedWindows.isEmpty()) {
            throw new IllegalArgumentException("no windows");
        }
        if (encodedWindows.size() == 1) {
            return encodedWindows.get(0);
        }
        int size = 5;
        for (byte[] w : encodedWindows) {
            size += 4 + w.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(BATCH).putInt(encodedWindows.size());
        for (byte[] w : encodedWindows) {
            out.putInt(w.length).put(w);
        }
        return out.array();
    }

    /**
     * The windows of a record {@link #encode} or {@link #batch} wrote, in their order;
     * {@link IllegalArgumentException} saying why for anything else.
     */
    static List<WindowVerdicts> decodeAll(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes[0] != BATCH) {
            return List.of(decode(bytes));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        try {
            int n = in.getInt();
            if (n < 1 || n > bytes.length) {
                throw new IllegalArgumentException("impossible window count " + n + " in a batch");
            }
            List<WindowVerdicts> windows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int length = in.getInt();
                if (length < 1 || length > in.remaining()) {
                    throw new IllegalArgumentException("window " + (i + 1) + " of " + n + " is truncated");
                }
                windows.add(decode(bytes, in.position(), length));
                in.position(in.position() + length);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last window");
            }
            return windows;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated batch (" + bytes.length + " bytes)", e);
        }
    }

    /** The record {@link #encode} wrote; {@link IllegalArgumentException} saying why for anything else. */
    static WindowVerdicts decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("empty record");
        }
        return decode(bytes, 0, bytes.length);
    }

    /** The window {@link #encode} wrote into {@code bytes} from {@code offset}, {@code length} bytes long (at least 1). */
    private static WindowVerdicts decode(byte[] bytes, int offset, int length) {
        if (bytes[offset] != VERSION) {
            throw new IllegalArgumentException("unknown format version " + bytes[offset] + " (expected " + VERSION + ")");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset + 1, length - 1))) {
            int partition = in.readInt();
            int partitions = in.readInt();
            long windowStart = in.readLong();
            long clock = in.readLong();
            boolean endOfInput = in.readBoolean();
            int n = in.readInt();
            if (n < 0 || n > length) {
                throw new IllegalArgumentException("impossible verdict count " + n);
            }
            List<ServiceOutageJudge.CountryVerdict> verdicts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String country = in.readUTF();
                String target = in.readUTF();
                String incident = in.readBoolean() ? in.readUTF() : null;
                long since = in.readLong();
                boolean onset = in.readBoolean();
                boolean disrupted = in.readBoolean();
                Long restoredAt = in.readBoolean() ? in.readLong() : null;
                verdicts.add(new ServiceOutageJudge.CountryVerdict(country, target, incident, since, onset, disrupted, restoredAt));
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the last verdict");
            }
            return new WindowVerdicts(partition, partitions, windowStart, clock, endOfInput, verdicts);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated record (" + length + " bytes)", e);
        }
    }
}
