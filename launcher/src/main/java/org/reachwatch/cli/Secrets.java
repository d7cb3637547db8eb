package org.reachwatch.cli;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secret values this process was configured with (passwords, JAAS lines, registry user info), so
 * that any message printed by the CLI can be scrubbed of them, whatever library produced it.
 */
final class Secrets {
    static final String MASK = "[hidden]";
    private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

    private Secrets() {
    }

    /** Remembers {@code value} (and, for a JAAS line or user:password, the password in it) as secret. */
    static void remember(String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        VALUES.add(value);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("password\\s*=\\s*\"([^\"]+)\"").matcher(value);
        while (m.find()) {
            VALUES.add(m.group(1));
        }
        int colon = value.indexOf(':');
        if (colon > 0 && colon < value.length() - 1 && !value.contains(" ")) {
            VALUES.add(value.substring(colon + 1));
        }
    }

    /** {@code text} with every remembered secret, and any URL user info, replaced. */
    static String scrub(String text) {
        if (text == null) {
            return null;
        }
        String out = text.replaceAll("(?<=://)[^/@\\s,]*@", "***@");
        for (String secret : VALUES) {
            if (secret.length() >= 3) {
                out = out.replace(secret, MASK);
            }
        }
        return out;
    }
}
