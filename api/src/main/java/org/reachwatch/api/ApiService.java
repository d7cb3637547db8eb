package org.reachwatch.api;

import java.util.Map;

import org.apache.kafka.streams.state.HostInfo;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import org.reachwatch.schemas.registry.SchemaRegistryClient;
import org.reachwatch.schemas.registry.SchemaRegistryClients;

/** Connects an {@link ApiServer} to a running {@link DetectorApp}. */
public final class ApiService {
    /** Windows kept per (country, asn, target) by the API's read model: 7 days of 5-minute windows. */
    public static final int DEFAULT_WINDOWS_PER_SERIES = 2016;

    private ApiService() {
    }

    /**
     * The backend of a detector started with {@code application.server} = {@code self}: starts the
     * read model of its output topics (with the same client settings) and checks the detector's
     * registry (through the client configured for its URL, credentials included) for {@code /health}.
     */
    public static DetectorBackend backend(DetectorApp app, String bootstrapServers, Map<String, ?> clientConfig, HostInfo self,
                                          DetectorSettings settings, int windowsPerSeries) {
        OutputReadModel model = OutputReadModel.start(bootstrapServers, clientConfig, app.topics(), windowsPerSeries);
        String registryUrl = app.topics().registryUrl();
        return new DetectorBackend(app.streams(), app.topics(), self, model, () -> {
            SchemaRegistryClient client = SchemaRegistryClients.forUrl(registryUrl);
            if (client instanceof HttpSchemaRegistryClient http) {
                try {
                    http.checkAccess();
                } catch (RuntimeException e) {
                    return String.valueOf(e.getMessage());
                }
            }
            return null;
        }, settings.windowMillis());
    }
}
