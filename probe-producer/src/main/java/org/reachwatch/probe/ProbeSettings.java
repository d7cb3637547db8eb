package org.reachwatch.probe;

import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;

/**
 * Everything a probe needs to know; immutable. Build with {@link #builder()} (or change some
 * settings of an existing one with {@link #toBuilder()}).
 *
 * @param probeId           stable id of this probe
 * @param country           ISO country code of the probe's network (from configuration)
 * @param asn               "AS17557", or null when unknown
 * @param networkName       operator name, or null
 * @param targets           what to measure
 * @param resolver          null for the system resolver only, or "host[:port]" of a DNS server queried with dnsjava
 * @param dnsTimeout        per lookup
 * @param connectTimeout    per TCP connect
 * @param tlsTimeout        TLS handshake
 * @param httpTimeout       whole HTTP exchange (request to last byte read)
 * @param maxBodyBytes      the download bound: the body (of the page, or of the target's asset) is read up to
 *                          exactly this many bytes, and this bounded download is what is timed for the speed fields
 * @param maxAddresses      TCP-connect at most this many resolved addresses
 * @param fingerprints      blockpage fingerprints
 * @param bogonMeansBlocked whether a DNS answer made only of bogons is DNS blocking (off only to test on loopback)
 * @param throttleBelowBytesPerSecond   throughput under which a response is THROTTLING (0 disables)
 * @param throttleMinBytes  body bytes needed before throughput is judged
 * @param sslContext        TLS trust and keys (the JDK default in production)
 * @param interval          pause between rounds
 * @param jitter            random extra delay, 0..jitter, added to each pause so probes do not synchronise
 */
public record ProbeSettings(String probeId, String country, String asn, String networkName, List<Target> targets,
                            String resolver, Duration dnsTimeout, Duration connectTimeout, Duration tlsTimeout,
                            Duration httpTimeout, int maxBodyBytes, int maxAddresses,
                            List<BlockpageFingerprint> fingerprints, boolean bogonMeansBlocked,
                            double throttleBelowBytesPerSecond, int throttleMinBytes, SSLContext sslContext,
                            Duration interval, Duration jitter) {

    /** Default download bound: enough to time a throttled body (16 s at 16 KiB/s, within the HTTP timeout). */
    public static final int DEFAULT_DOWNLOAD_BYTES = 256 * 1024;

    public static final List<String> DEFAULT_TARGETS = List.of("x.com", "twitter.com", "control:example.com",
            "control:wikipedia.org");

    public ProbeSettings {
        targets = List.copyOf(targets);
        fingerprints = List.copyOf(fingerprints);
        if (country == null || country.length() != 2) {
            throw new IllegalArgumentException("country must be an ISO 3166-1 alpha-2 code, got '" + country + "'");
        }
        country = country.toUpperCase(java.util.Locale.ROOT);
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("download bytes must be positive, got " + maxBodyBytes);
        }
    }

    /** Every default (see {@link Builder}). */
    public static ProbeSettings defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /**
     * Builds {@link ProbeSettings}; starts from the defaults: probe id {@code probe-<hostname>}, country
     * {@code ZZ}, {@link #DEFAULT_TARGETS}, the system resolver, timeouts DNS 5 s, connect 10 s, TLS 10 s,
     * HTTP 20 s, bodies read and timed up to 256 KiB, 4 addresses per target, the default blockpage fingerprints,
     * bogon answers are blocking, throttling below 16 KiB/s judged after 64 KiB, the JDK's TLS context,
     * rounds every 5 min plus up to 30 s of jitter.
     */
    public static final class Builder {
        private String probeId;
        private String country = "ZZ";
        private String asn;
        private String networkName;
        private List<Target> targets = DEFAULT_TARGETS.stream().map(Target::parse).toList();
        private String resolver;
        private Duration dnsTimeout = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration tlsTimeout = Duration.ofSeconds(10);
        private Duration httpTimeout = Duration.ofSeconds(20);
        private int maxBodyBytes = DEFAULT_DOWNLOAD_BYTES;
        private int maxAddresses = 4;
        private List<BlockpageFingerprint> fingerprints = BlockpageFingerprint.defaults();
        private boolean bogonMeansBlocked = true;
        private double throttleBelowBytesPerSecond = 16 * 1024;
        private int throttleMinBytes = 64 * 1024;
        private SSLContext sslContext;
        private Duration interval = Duration.ofMinutes(5);
        private Duration jitter = Duration.ofSeconds(30);

        private Builder() {
        }

        private Builder(ProbeSettings s) {
            probeId = s.probeId;
            country = s.country;
            asn = s.asn;
            networkName = s.networkName;
            targets = s.targets;
            resolver = s.resolver;
            dnsTimeout = s.dnsTimeout;
            connectTimeout = s.connectTimeout;
            tlsTimeout = s.tlsTimeout;
            httpTimeout = s.httpTimeout;
            maxBodyBytes = s.maxBodyBytes;
            maxAddresses = s.maxAddresses;
            fingerprints = s.fingerprints;
            bogonMeansBlocked = s.bogonMeansBlocked;
            throttleBelowBytesPerSecond = s.throttleBelowBytesPerSecond;
            throttleMinBytes = s.throttleMinBytes;
            sslContext = s.sslContext;
            interval = s.interval;
            jitter = s.jitter;
        }

        /** Who and where this probe is; {@code asn} and {@code networkName} may be null. */
        public Builder identity(String probeId, String country, String asn, String networkName) {
            this.probeId = probeId;
            this.country = country;
            this.asn = asn;
            this.networkName = networkName;
            return this;
        }

        public Builder targets(List<Target> targets) {
            this.targets = targets;
            return this;
        }

        public Builder resolver(String resolver) {
            this.resolver = resolver;
            return this;
        }

        public Builder timeouts(Duration dns, Duration connect, Duration tls, Duration http) {
            this.dnsTimeout = dns;
            this.connectTimeout = connect;
            this.tlsTimeout = tls;
            this.httpTimeout = http;
            return this;
        }

        public Builder fingerprints(List<BlockpageFingerprint> fingerprints) {
            this.fingerprints = fingerprints;
            return this;
        }

        public Builder bogonMeansBlocked(boolean bogonMeansBlocked) {
            this.bogonMeansBlocked = bogonMeansBlocked;
            return this;
        }

        public Builder throttling(double belowBytesPerSecond, int minBytes, int maxBodyBytes) {
            this.throttleBelowBytesPerSecond = belowBytesPerSecond;
            this.throttleMinBytes = minBytes;
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** The download bound ({@link ProbeSettings#maxBodyBytes()}), bytes. */
        public Builder downloadBytes(int bytes) {
            this.maxBodyBytes = bytes;
            return this;
        }

        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        public Builder schedule(Duration interval, Duration jitter) {
            this.interval = interval;
            this.jitter = jitter;
            return this;
        }

        /** @throws IllegalArgumentException when the country is not a two-letter code */
        public ProbeSettings build() {
            SSLContext ssl = sslContext;
            if (ssl == null) {
                try {
                    ssl = SSLContext.getDefault();
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException("no default TLS context in this JDK", e);
                }
            }
            return new ProbeSettings(probeId != null ? probeId : "probe-" + hostName(), country, asn, networkName, targets,
                    resolver, dnsTimeout, connectTimeout, tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints,
                    bogonMeansBlocked, throttleBelowBytesPerSecond, throttleMinBytes, ssl, interval, jitter);
        }
    }
}
