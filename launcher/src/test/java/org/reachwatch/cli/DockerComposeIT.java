package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * docker/ cannot run here (no Docker engine), so it is checked statically: docker-compose's own
 * parser accepts the file (and rejects a broken copy, so the check is not a no-op), every
 * dependency names a service, and the commands the reachwatch services run parse with today's CLI,
 * so a renamed flag breaks the build instead of the user's cluster.
 */
class DockerComposeIT {
    private static final Path DOCKER = Path.of("..", "docker").toAbsolutePath().normalize();

    @Test
    void composeFileIsValidForDockerCompose() throws Exception {
        Result result = run(DOCKER.resolve("check-compose.sh").toString());

        assertThat(result.exitCode()).as("docker-compose config output: %s", result.output()).isZero();
    }

    @Test
    void brokenComposeFileIsRejected(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("docker-compose.yml");
        Files.writeString(broken, Files.readString(DOCKER.resolve("docker-compose.yml"))
                .replace("depends_on:", "depends_onn:"));

        Result result = run(DOCKER.resolve("check-compose.sh").toString(), broken.toString());

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("depends_onn");
    }

    @Test
    void servicesDependOnServicesThatExistAndRunCommandsTheCliAccepts() throws IOException {
        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(DOCKER.resolve("docker-compose.yml").toFile()).get("services");

        assertThat(services.fieldNames()).toIterable().contains("kafka", "schema-registry", "detector", "probe");
        services.fields().forEachRemaining(service -> {
            JsonNode dependsOn = service.getValue().path("depends_on");
            dependsOn.fieldNames().forEachRemaining(dependency ->
                    assertThat(services.has(dependency)).as("%s depends on %s", service.getKey(), dependency).isTrue());
        });
        for (String name : List.of("detector", "probe")) {
            List<String> args = new ArrayList<>();
            services.get(name).get("command").forEach(arg -> args.add(arg.asText()
                    .replace("${PROBE_COUNTRY:-ZZ}", "ZZ").replace("${PROBE_ASN:-AS0}", "AS0")));
            CommandLine.ParseResult parsed = ReachwatchCli.commandLine().parseArgs(args.toArray(String[]::new));
            assertThat(parsed.subcommand()).as("service %s runs a reachwatch subcommand", name).isNotNull();
            assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(args.get(0));
        }
    }

    @Test
    void dockerfileRunsTheLauncherMainClass() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));

        assertThat(dockerfile).contains(ReachwatchCli.class.getName());
        assertThat(dockerfile).contains("launcher/target/lib", "launcher/target/classes");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
