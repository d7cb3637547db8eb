package org.reachwatch.feeds;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.zip.ZipException;

/**
 * The lines of a measurement file, read with two guarantees that {@link java.io.BufferedReader}
 * lacks:
 * <ul>
 *   <li><b>Bounded memory.</b> A line longer than {@code maxLineChars} is never held: its first
 *       {@code maxLineChars} characters are kept, the rest is skipped up to its end, and
 *       {@link #readLine()} throws {@link RejectedRecordException} ("line too long") for it. The
 *       next call reads the following line. A gzip bomb of one endless line costs a bounded
 *       buffer, not the heap.</li>
 *   <li><b>Truncation is end of input, reported.</b> A compressed stream that ends early (a
 *       download cut short) ends the lines there; {@link #truncation()} says why, and every
 *       complete line before it has been returned. A partial last line is dropped, not returned.</li>
 * </ul>
 * Line ends are {@code \n}, {@code \r\n} or a lone {@code \r}, as {@code BufferedReader} has them.
 * Not thread-safe.
 */
public final class LineSource implements Closeable {
    /** Default cap: far above any real measurement (OONI's largest raw ones are a few MB), far below the heap. */
    public static final int DEFAULT_MAX_LINE_CHARS = 16 << 20;
    public static final String LINE_TOO_LONG = "line too long";

    private final Reader in;
    private final int maxLineChars;
    private final char[] buffer = new char[1 << 16];
    private int pos;
    private int end;
    private boolean eof;
    private boolean skipLf;
    private String truncation;
    private StringBuilder line = new StringBuilder(256);

    public LineSource(Reader in, int maxLineChars) {
        if (maxLineChars < 1) {
            throw new IllegalArgumentException("the line length cap must be at least 1 character, got " + maxLineChars);
        }
        this.in = in;
        this.maxLineChars = maxLineChars;
    }

    /** Lines of {@code text} with the default cap (tests). */
    public static LineSource of(String text) {
        return new LineSource(new StringReader(text), DEFAULT_MAX_LINE_CHARS);
    }

    /**
     * The next line without its terminator, or null at the end of input (or at a truncation).
     *
     * @throws RejectedRecordException the line was longer than the cap; it has been skipped
     * @throws IOException             reading failed for another reason than truncation
     */
    public String readLine() throws IOException {
        line.setLength(0);
        long length = 0;
        while (true) {
            if (pos >= end && !fill()) {
                if (length == 0) {
                    return null;
                }
                if (truncation != null) {
                    return null; // a partial last line of a cut-off file is not a line
                }
                return finish(length);
            }
            if (skipLf) {
                skipLf = false;
                if (buffer[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            int start = pos;
            while (pos < end && buffer[pos] != '\n' && buffer[pos] != '\r') {
                pos++;
            }
            int n = pos - start;
            if (length < maxLineChars) {
                line.append(buffer, start, (int) Math.min(n, maxLineChars - length));
            }
            length += n;
            if (pos < end) {
                skipLf = buffer[pos] == '\r';
                pos++;
                return finish(length);
            }
        }
    }

    private String finish(long length) {
        if (length > maxLineChars) {
            String head = line.substring(0, Math.min(60, line.length()));
            if (line.capacity() > 1 << 16) {
                line = new StringBuilder(256); // give a huge buffer back
            }
            throw new RejectedRecordException(LINE_TOO_LONG, "line too long: " + length + " characters, over the cap of "
                    + maxLineChars + " (starts '" + head + "')");
        }
        String text = line.toString();
        if (line.capacity() > 1 << 16) {
            line = new StringBuilder(256);
        }
        return text;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        try {
            int n = in.read(buffer, 0, buffer.length);
            if (n < 0) {
                eof = true;
                return false;
            }
            pos = 0;
            end = n;
            return true;
        } catch (EOFException | ZipException e) {
            truncation = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            eof = true;
            return false;
        }
    }

    /** Why the input ended early (a truncated or corrupt compressed stream), or null. */
    public String truncation() {
        return truncation;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
