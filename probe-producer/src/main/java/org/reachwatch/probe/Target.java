package org.reachwatch.probe;

import java.net.URI;
import java.util.Locale;

/**
 * One thing the probe measures: a URL (a bare host name means {@code https://host/}), the target
 * name it is reported under (the host, lower case), and whether it is a control (a service nobody
 * blocks, measured to tell censorship from a network outage).
 */
public record Target(String name, URI url, boolean control) {
    /** Parses "x.com", "https://x.com/path" or "http://host:8080/"; a "control:" prefix marks a control. */
    public static Target parse(String spec) {
        String s = spec.trim();
        boolean control = false;
        if (s.regionMatches(true, 0, "control:", 0, 8)) {
            control = true;
            s = s.substring(8);
        }
        URI uri;
        try {
            uri = URI.create(s.contains("://") ? s : "https://" + s + "/");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a host name or URL: '" + spec + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("target '" + spec + "' must be http or https");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("target '" + spec + "' has no host");
        }
        return new Target(uri.getHost().toLowerCase(Locale.ROOT), uri, control);
    }

    public boolean https() {
        return "https".equalsIgnoreCase(url.getScheme());
    }

    public int port() {
        return url.getPort() > 0 ? url.getPort() : https() ? 443 : 80;
    }

    public String pathAndQuery() {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }
}
