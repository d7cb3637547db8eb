package org.reachwatch.probe;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A named pattern that identifies a censor's blockpage in an HTTP response (headers and body as
 * text). Configured as {@code name=regex}; a plain substring is a regex without special characters.
 */
public record BlockpageFingerprint(String name, Pattern pattern) {
    /** Parses {@code "name=regex"}. */
    public static BlockpageFingerprint parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("blockpage fingerprint must be name=regex, got '" + spec + "'");
        }
        return new BlockpageFingerprint(spec.substring(0, eq).trim(), Pattern.compile(spec.substring(eq + 1)));
    }

    /**
     * A few public blockpage markers as examples (from OONI's published fingerprints); operators add
     * their own with {@code --blockpage name=regex}.
     */
    public static List<BlockpageFingerprint> defaults() {
        return List.of(
                parse("ir_peyvandha=peyvandha\\.ir|10\\.10\\.34\\.3[4-6]"),
                parse("ru_rkn=eais\\.rkn\\.gov\\.ru"),
                parse("tr_btk=www\\.btk\\.gov\\.tr|Bu web sitesi hakk"),
                parse("pk_pta=This website is not accessible|blocked by PTA"));
    }

    /** The first fingerprint found in {@code response}, or null. */
    public static String match(List<BlockpageFingerprint> fingerprints, byte[] response, int length) {
        String text = new String(response, 0, length, StandardCharsets.ISO_8859_1);
        for (BlockpageFingerprint f : fingerprints) {
            if (f.pattern().matcher(text).find()) {
                return f.name();
            }
        }
        return null;
    }
}
