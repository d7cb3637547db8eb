package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code detect --http-port 0} as an operator runs it: it prints where the API listens, reports itself
 * healthy once Kafka Streams runs, answers the API with JSON, serves the dashboard and metrics, and
 * still stops cleanly on SIGTERM.
 */
class DetectHttpIT {
    private static final Pattern LISTENING = Pattern.compile("status API, dashboard and metrics at (http://\\S+/)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void detectServesItsStatusApiDashboardAndMetricsAndStopsCleanly(@TempDir Path dir) throws Exception {
        try (DrillCluster cluster = DrillCluster.start();
             DetectorProcess detect = DetectorProcess.start(cluster.bootstrapServers(), cluster.registryUrl(), dir.resolve("state"),
                     "detect-http-it", dir.resolve("detect.log"), "--http-port", "0", "--http-host", "127.0.0.1")) {
            detect.awaitRunning(Duration.ofMinutes(2));
            Matcher m = LISTENING.matcher(detect.output());
            assertThat(m.find()).as(detect.tail()).isTrue();
            String url = m.group(1);
            assertThat(url).startsWith("http://127.0.0.1:").doesNotEndWith(":0/");

            HttpResponse<String> health = get(url + "health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"streams\":\"RUNNING\"");
            HttpResponse<String> incidents = get(url + "api/v1/incidents?state=open");
            assertThat(incidents.statusCode()).isEqualTo(200);
            assertThat(incidents.body()).contains("\"incidents\":[]");
            assertThat(get(url + "api/v1/status/PK").statusCode()).isEqualTo(404);
            assertThat(get(url).body()).contains("<title>reachwatch: live disruptions</title>");
            assertThat(get(url + "metrics").body()).contains("reachwatch_measurements_total 0.0").contains("kafka_stream_");

            assertThat(detect.terminate(Duration.ofSeconds(60))).as(detect.tail()).isZero();
            assertThat(detect.output()).contains("detector: stopped cleanly");
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
