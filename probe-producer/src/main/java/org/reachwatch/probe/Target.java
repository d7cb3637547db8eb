package org.reachwatch.probe;

import java.net.URI;
import java.util.Locale;

/**
 * One thing the probe measures: a URL (a bare host name means {@code https://host/}), the target
 * name it is reported under (the host, lower case), whether it is a control (a service nobody
 * blocks, measured to tell censorship from a network outage), and optionally an asset: a URL whose
 * first bytes are downloaded and timed for the speed fields instead of the page's (a large image or
 * script of the service, often on its CDN host, where a throttle shows most clearly).
 *
 * @param asset null to time the page's own body
 */
public record Target(String name, URI url, boolean control, URI asset) {
    private static final String ASSET = ";asset=";

    public Target(String name, URI url, boolean control) {
        this(name, url, control, null);
    }

    /**
     * Parses "x.com", "https://x.com/path" or "http://host:8080/"; a "control:" prefix marks a control;
     * a ";asset=URL" suffix names the asset to time ("x.com;asset=https://abs.twimg.com/favicon.ico").
     */
    public static Target parse(String spec) {
        String s = spec.trim();
        boolean control = false;
        if (s.regionMatches(true, 0, "control:", 0, 8)) {
            control = true;
            s = s.substring(8);
        }
        URI asset = null;
        int a = s.toLowerCase(Locale.ROOT).indexOf(ASSET);
        if (a >= 0) {
            asset = httpUri(s.substring(a + ASSET.length()).trim(), spec, "asset ");
            s = s.substring(0, a).trim();
        }
        URI uri = httpUri(s.contains("://") ? s : "https://" + s + "/", spec, "");
        return new Target(uri.getHost().toLowerCase(Locale.ROOT), uri, control, asset);
    }

    private static URI httpUri(String s, String spec, String what) {
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what.isEmpty() ? "not a host name or URL: '" + spec + "'"
                    : "target '" + spec + "': asset is not a URL: '" + s + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("target '" + spec + "' " + what + "must be http or https");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("target '" + spec + "' " + what + "has no host");
        }
        return uri;
    }

    public boolean https() {
        return https(url);
    }

    public int port() {
        return port(url);
    }

    public String pathAndQuery() {
        return pathAndQuery(url);
    }

    static boolean https(URI u) {
        return "https".equalsIgnoreCase(u.getScheme());
    }

    static int port(URI u) {
        return u.getPort() > 0 ? u.getPort() : https(u) ? 443 : 80;
    }

    static String pathAndQuery(URI u) {
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        return u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
    }
}
