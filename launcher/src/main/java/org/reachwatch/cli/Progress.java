package org.reachwatch.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long loop on stderr, at most one line every {@code interval} ms, so a run over
 * millions of records shows it is alive without a line per record. Not thread-safe.
 */
final class Progress {
    private final PrintWriter err;
    private final String label;
    private final long intervalNanos;
    private final long started = System.nanoTime();
    private long lastPrinted = started;
    private long count;

    Progress(PrintWriter err, String label, long intervalMillis) {
        this.err = err;
        this.label = label;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /** Counts one item and prints a line if the interval has passed. */
    void tick() {
        count++;
        if ((count & 1023) == 0) {
            long now = System.nanoTime();
            if (now - lastPrinted >= intervalNanos) {
                lastPrinted = now;
                err.printf(Locale.ROOT, "%s: %,d so far (%,.0f/s)%n", label, count, rate(now));
                err.flush();
            }
        }
    }

    long count() {
        return count;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    double rate() {
        return rate(System.nanoTime());
    }

    private double rate(long now) {
        double seconds = (now - started) / 1e9;
        return seconds <= 0 ? 0 : count / seconds;
    }
}
