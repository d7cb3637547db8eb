package org.reachwatch.probe;

import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;

/**
 * Everything a probe needs to know; immutable. Build with {@link #defaults()} and the
 * {@code with...} methods.
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
 * @param maxBodyBytes      stop reading the body after this many bytes
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

    public static final List<String> DEFAULT_TARGETS = List.of("x.com", "twitter.com", "control:example.com",
            "control:wikipedia.org");

    public ProbeSettings {
        targets = List.copyOf(targets);
        fingerprints = List.copyOf(fingerprints);
        if (country == null || country.length() != 2) {
            throw new IllegalArgumentException("country must be an ISO 3166-1 alpha-2 code, got '" + country + "'");
        }
        country = country.toUpperCase(java.util.Locale.ROOT);
    }

    public static ProbeSettings defaults() {
        SSLContext ssl;
        try {
            ssl = SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context in this JDK", e);
        }
        return new ProbeSettings("probe-" + hostName(), "ZZ", null, null,
                DEFAULT_TARGETS.stream().map(Target::parse).toList(), null, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(20), 1 << 20, 4, BlockpageFingerprint.defaults(), true,
                16 * 1024, 64 * 1024, ssl, Duration.ofMinutes(5), Duration.ofSeconds(30));
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    public ProbeSettings withIdentity(String probeId, String country, String asn, String networkName) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withTargets(List<Target> targets) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withResolver(String resolver) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withTimeouts(Duration dns, Duration connect, Duration tls, Duration http) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dns, connect, tls, http,
                maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked, throttleBelowBytesPerSecond,
                throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withFingerprints(List<BlockpageFingerprint> fingerprints) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withBogonMeansBlocked(boolean bogonMeansBlocked) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withThrottling(double belowBytesPerSecond, int minBytes, int maxBodyBytes) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                belowBytesPerSecond, minBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withSslContext(SSLContext sslContext) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }

    public ProbeSettings withSchedule(Duration interval, Duration jitter) {
        return new ProbeSettings(probeId, country, asn, networkName, targets, resolver, dnsTimeout, connectTimeout,
                tlsTimeout, httpTimeout, maxBodyBytes, maxAddresses, fingerprints, bogonMeansBlocked,
                throttleBelowBytesPerSecond, throttleMinBytes, sslContext, interval, jitter);
    }
}
