package org.reachwatch.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.streams.StreamsConfig;
import org.reachwatch.api.ApiServer;
import org.reachwatch.api.ApiService;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import picocli.CommandLine.Option;

/**
 * Where the status API, dashboard and metrics listen ({@code detect}, {@code demo --serve}). The server
 * starts before the detector, because its address is the detector's {@code application.server}: the
 * address other instances forward status requests to.
 */
final class HttpOptions {
    static final int DEFAULT_PORT = 8080;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port of the status API, dashboard (/) and Prometheus metrics (/metrics); 0 picks a free port "
                    + "(default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--http-host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Address the HTTP server binds to (default ${DEFAULT-VALUE}: every interface).")
    String bindHost;

    @Option(names = "--advertised-host", paramLabel = "HOST",
            description = "Host name other detector instances and users reach this one by (default: this machine's host name; "
                    + "the bind address when it is a specific one).")
    String advertisedHost;

    /** Starts the server; {@code defaultHost} is used when neither an advertised nor a specific bind address is given. */
    ApiServer start(String defaultHost) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--http-port must be between 0 and 65535, not " + port);
        }
        String advertised = advertisedHost != null ? advertisedHost
                : !"0.0.0.0".equals(bindHost) && !"::".equals(bindHost) ? bindHost : defaultHost != null ? defaultHost : hostName();
        try {
            return ApiServer.start(bindHost, port, advertised);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot listen on " + bindHost + ":" + port + " for the status API: "
                    + rootMessage(e) + " (choose another with --http-port)", e);
        }
    }

    /** The Kafka Streams settings that make interactive queries find this server. */
    static Properties streamsSettings(ApiServer server, Properties base) {
        Properties props = new Properties();
        props.putAll(base);
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.applicationServer());
        return props;
    }

    /** Connects a started server to the running detector. */
    static void attach(ApiServer server, DetectorApp app, String bootstrapServers, Map<String, Object> kafka, DetectorSettings settings) {
        server.attach(ApiService.backend(app, bootstrapServers, kafka, server.advertised(), settings,
                ApiService.DEFAULT_WINDOWS_PER_SERIES));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
