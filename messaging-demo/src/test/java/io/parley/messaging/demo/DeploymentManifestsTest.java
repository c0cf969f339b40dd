package io.parley.messaging.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.messaging.NodeBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.ParseResult;

/**
 * deploy/kubernetes/ and docker/compose.yaml read offline and checked against the image (docker/Dockerfile) and
 * the demo's own command line: the YAML parses; every node's arguments parse as the {@code node} command does; ids,
 * ports, paths, user, memory and grace periods agree across the three. Where {@code kubectl} is on the PATH, {@code
 * kubectl kustomize} renders the Kubernetes files (no cluster needed), and where a cluster is configured too,
 * {@code kubectl apply --dry-run=client --validate=false} takes them.
 */
class DeploymentManifestsTest {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Z_]+)\\)");
    private static final String POD = "parley-0";

    private static Path root;
    private static Path kubernetes;
    private static String dockerfile;
    private static Map<String, Map<String, Object>> byKindAndName;
    private static Map<String, Object> compose;

    @BeforeAll
    static void read() throws IOException {
        root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("deploy/kubernetes"))) {
            root = root.getParent();
        }
        assertThat(root).as("a parent of %s with deploy/kubernetes", Path.of("").toAbsolutePath()).isNotNull();
        kubernetes = root.resolve("deploy/kubernetes");
        dockerfile = Files.readString(root.resolve("docker/Dockerfile"));
        byKindAndName = new HashMap<>();
        try (Stream<Path> files = Files.list(kubernetes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : new Yaml().loadAll(Files.readString(file))) {
                    Map<String, Object> object = map(doc);
                    Object metadata = object.getOrDefault("metadata", Map.of());
                    String key = object.get("kind") + "/" + map(metadata).getOrDefault("name", "");
                    assertThat(byKindAndName.put(key, object)).as("%s defined twice", key).isNull();
                }
            }
        }
        compose = map(new Yaml().load(Files.readString(root.resolve("docker/compose.yaml"))));
    }

    @Test
    void theKustomizationListsEveryManifest() throws IOException {
        Map<String, Object> kustomization = byKindAndName.get("Kustomization/");
        assertThat(kustomization).isNotNull();
        Set<String> files;
        try (Stream<Path> list = Files.list(kubernetes)) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(new TreeSet<>(strings(kustomization.get("resources")))).isEqualTo(files);
        assertThat(byKindAndName).containsKeys("StatefulSet/parley", "Service/parley", "Service/parley-api",
                "PodDisruptionBudget/parley");
        // The image it names is the one the compose file runs by default.
        assertThat(map(list(kustomization.get("images")).get(0)).get("name")).isEqualTo("parley-node");
        assertThat(map(node("n1")).get("image")).isEqualTo("${PARLEY_IMAGE:-parley-node}");
        assertThat(container().get("image")).isEqualTo("parley-node");
    }

    @Test
    void theHeadlessServiceListsEveryPodForDiscovery() {
        Map<String, Object> spec = spec("StatefulSet/parley");
        Map<String, Object> headless = spec("Service/" + spec.get("serviceName"));
        assertThat(headless.get("clusterIP")).isEqualTo("None");
        assertThat(headless.get("publishNotReadyAddresses")).isEqualTo(true);
        Map<String, Object> podLabels = map(map(map(spec.get("template")).get("metadata")).get("labels"));
        assertThat(podLabels).containsAllEntriesOf(map(headless.get("selector")));
        assertThat(podLabels).containsAllEntriesOf(map(spec("Service/parley-api").get("selector")));
        assertThat(podLabels).containsAllEntriesOf(map(map(spec("PodDisruptionBudget/parley").get("selector")).get("matchLabels")));
        assertThat(map(spec.get("selector")).get("matchLabels")).isEqualTo(podLabels);
        assertThat(spec("PodDisruptionBudget/parley").get("maxUnavailable")).isEqualTo(1);

        Map<String, Integer> ports = containerPorts();
        for (Object p : list(headless.get("ports"))) {
            Map<String, Object> port = map(p);
            assertThat(ports).containsEntry((String) port.get("targetPort"), (Integer) port.get("port"));
        }
    }

    @Test
    void theNodeArgumentsParseAsTheDemosNodeCommandAndAgreeWithTheManifest() {
        Map<String, Object> spec = spec("StatefulSet/parley");
        String service = (String) spec.get("serviceName");
        Map<String, Integer> ports = containerPorts();
        assertThat(ports).isEqualTo(Map.of("peer", 7000, "http", 8080));
        assertThat(dockerfile).contains("EXPOSE 7000 8080");

        ParseResult node = parseNode(args());
        assertThat(value(node, "--id")).isEqualTo(POD);
        assertThat(value(node, "--listen")).isEqualTo("0.0.0.0:7000");
        assertThat(value(node, "--advertise")).isEqualTo(POD + "." + service + ":7000");
        assertThat(value(node, "--dns")).isEqualTo(service + ":7000");
        assertThat(value(node, "--http")).isEqualTo("0.0.0.0:8080");
        assertThat(node.hasMatchedOption("--headless")).isTrue();

        // The store, named after the node, on the pod's own volume: the image's /data.
        Map<String, String> mounts = mounts();
        assertThat(mounts.get("data")).isEqualTo("/data");
        assertThat(dockerfile).contains("VOLUME /data");
        assertThat(value(node, "--db")).isEqualTo("/data/" + POD + ".db");
        List<Object> claims = list(spec.get("volumeClaimTemplates"));
        assertThat(claims).hasSize(1);
        assertThat(map(map(claims.get(0)).get("metadata")).get("name")).isEqualTo("data");

        // TLS from the Secret, one certificate per pod, the names make-tls-secret.sh gives them.
        String tls = mounts.get("tls");
        assertThat(value(node, "--tls-cert")).isEqualTo(tls + "/" + POD + ".crt");
        assertThat(value(node, "--tls-key")).isEqualTo(tls + "/" + POD + ".key");
        assertThat(value(node, "--tls-ca")).isEqualTo(tls + "/ca.crt");
        Map<String, Object> secret = map(volume("tls").get("secret"));
        assertThat(secret.get("secretName")).isEqualTo("parley-tls");
        assertThat(script("make-tls-secret.sh")).contains("kubectl create secret generic parley-tls",
                "--from-file=\"ca.crt=", "--from-file=\"$id.crt=", "--from-file=\"$id.key=", "id=\"parley-$i\"");
    }

    @Test
    void everyComposeNodeParsesAsTheDemosNodeCommandToo() {
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).isNotEmpty();
        for (String id : services.keySet()) {
            ParseResult node = parseNode(strings(map(services.get(id)).get("command")));
            assertThat(value(node, "--id")).isEqualTo(id);
            assertThat(value(node, "--db")).isEqualTo("/data/" + id + ".db");
            assertThat(value(node, "--dns")).isEqualTo("parley:7000");
        }
    }

    @Test
    void probesAskHealthOnTheHttpPort() {
        Map<String, Object> container = container();
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
            assertThat(get).as(probe).containsEntry("path", "/health").containsEntry("port", "http");
        }
        assertThat(dockerfile).contains("http://127.0.0.1:8080/health");
    }

    @Test
    void memoryMatchesTheImagesHeapShareAndTheComposeLimit() {
        Map<String, Object> resources = map(container().get("resources"));
        String limit = (String) map(resources.get("limits")).get("memory");
        assertThat(map(resources.get("requests")).get("memory")).as("request = limit: the heap is never taken back").isEqualTo(limit);
        long limitMiB = mebibytes(limit);
        assertThat(mebibytes((String) map(node("n1")).get("mem_limit"))).isEqualTo(limitMiB);

        Matcher share = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(dockerfile);
        assertThat(share.find()).as("the image sizes its heap by MaxRAMPercentage").isTrue();
        assertThat(Integer.parseInt(share.group(1))).isEqualTo(60);
        long heapMiB = limitMiB * Integer.parseInt(share.group(1)) / 100;
        assertThat(heapMiB).as("heap in MiB").isBetween(128L, 1024L);
    }

    @Test
    void aStopHasTimeForThePreStopAndTheNodesGracefulClose() {
        Map<String, Object> pod = map(map(spec("StatefulSet/parley").get("template")).get("spec"));
        int grace = (Integer) pod.get("terminationGracePeriodSeconds");
        int preStop = (Integer) map(map(map(container().get("lifecycle")).get("preStop")).get("sleep")).get("seconds");
        long close = NodeBuilder.DEFAULT_CLOSE_TIMEOUT.toSeconds();
        assertThat(grace).as("grace ≥ preStop + the node's close timeout + 5 s to spare").isGreaterThanOrEqualTo(preStop + (int) close + 5);
        assertThat((String) map(node("n1")).get("stop_grace_period")).isEqualTo(grace + "s");
    }

    @Test
    void onlyTheDataVolumeAndTmpAreWritableAsTheImagesUser() {
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(dockerfile);
        assertThat(user.find()).isTrue();
        Map<String, Object> podSecurity = map(map(map(spec("StatefulSet/parley").get("template")).get("spec")).get("securityContext"));
        assertThat(podSecurity).containsEntry("runAsNonRoot", true)
                .containsEntry("runAsUser", Integer.parseInt(user.group(1)))
                .containsEntry("runAsGroup", Integer.parseInt(user.group(2)))
                .containsEntry("fsGroup", Integer.parseInt(user.group(2)));
        Map<String, Object> security = map(container().get("securityContext"));
        assertThat(security).containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false);

        Map<String, String> mounts = mounts();
        assertThat(mounts).containsEntry("tmp", "/tmp");
        for (Object m : list(container().get("volumeMounts"))) {
            Map<String, Object> mount = map(m);
            if (!Set.of("data", "tmp").contains(mount.get("name"))) {
                assertThat(mount.get("readOnly")).as("mount %s", mount.get("name")).isEqualTo(true);
            }
        }
        Map<String, Object> n1 = map(node("n1"));
        assertThat(n1.get("read_only")).isEqualTo(true);
        assertThat(strings(n1.get("tmpfs"))).anyMatch(t -> t.startsWith("/tmp"));
    }

    @Test
    void kubectlRendersTheManifestsWhereItIsInstalled() throws Exception {
        if (!onPath("kubectl")) {
            System.out.println("no kubectl on the PATH: the manifests were checked as YAML only");
            return;
        }
        Run kustomize = run("kubectl", "kustomize", kubernetes.toString());
        assertThat(kustomize.exit).as("kubectl kustomize:%n%s", kustomize.output).isZero();
        List<String> kinds = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(kustomize.output)) {
            kinds.add(map(doc).get("kind") + "/" + map(map(doc).get("metadata")).get("name"));
        }
        assertThat(kinds).containsExactlyInAnyOrder("StatefulSet/parley", "Service/parley", "Service/parley-api",
                "PodDisruptionBudget/parley");

        // A client-side dry run still asks a cluster which kinds it knows: only where one is configured.
        String kubeconfig = System.getenv("KUBECONFIG");
        boolean configured = (kubeconfig != null && !kubeconfig.isBlank())
                || Files.isRegularFile(Path.of(System.getProperty("user.home"), ".kube", "config"));
        if (configured) {
            Run apply = run("kubectl", "apply", "--dry-run=client", "--validate=false", "-k", kubernetes.toString());
            assertThat(apply.exit).as("kubectl apply --dry-run=client:%n%s", apply.output).isZero();
        } else {
            System.out.println("no cluster configured: kubectl apply --dry-run=client skipped, kubectl kustomize passed");
        }
    }

    // ---- helpers

    private static List<String> args() {
        Map<String, Object> container = container();
        Map<String, String> env = new HashMap<>();
        for (Object e : list(container.getOrDefault("env", List.of()))) {
            Map<String, Object> var = map(e);
            Map<String, Object> field = map(map(var.get("valueFrom")).get("fieldRef"));
            assertThat(field.get("fieldPath")).isEqualTo("metadata.name");
            env.put((String) var.get("name"), POD);
        }
        List<String> args = new ArrayList<>();
        for (String arg : strings(container.get("args"))) {
            Matcher m = VARIABLE.matcher(arg);
            StringBuilder expanded = new StringBuilder();
            while (m.find()) {
                assertThat(env).as("$(%s) in %s is defined in env", m.group(1), arg).containsKey(m.group(1));
                m.appendReplacement(expanded, env.get(m.group(1)));
            }
            m.appendTail(expanded);
            args.add(expanded.toString());
        }
        return args;
    }

    private static ParseResult parseNode(List<String> args) {
        assertThat(args.get(0)).isEqualTo("node");
        ParseResult parsed = ParleyDemo.commandLine().parseArgs(args.toArray(String[]::new));
        assertThat(parsed.hasSubcommand()).isTrue();
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("node");
        return parsed.subcommand();
    }

    private static String value(ParseResult node, String option) {
        assertThat(node.hasMatchedOption(option)).as("%s given", option).isTrue();
        List<String> values = node.matchedOption(option).stringValues();
        assertThat(values).as(option).hasSize(1);
        return values.get(0);
    }

    private static Map<String, Object> spec(String key) {
        Map<String, Object> object = byKindAndName.get(key);
        assertThat(object).as(key).isNotNull();
        return map(object.get("spec"));
    }

    private static Map<String, Object> container() {
        List<Object> containers = list(map(map(spec("StatefulSet/parley").get("template")).get("spec")).get("containers"));
        assertThat(containers).hasSize(1);
        return map(containers.get(0));
    }

    private static Map<String, Integer> containerPorts() {
        Map<String, Integer> ports = new HashMap<>();
        for (Object p : list(container().get("ports"))) {
            ports.put((String) map(p).get("name"), (Integer) map(p).get("containerPort"));
        }
        return ports;
    }

    private static Map<String, String> mounts() {
        Map<String, String> mounts = new HashMap<>();
        for (Object m : list(container().get("volumeMounts"))) {
            mounts.put((String) map(m).get("name"), (String) map(m).get("mountPath"));
        }
        return mounts;
    }

    private static Map<String, Object> volume(String name) {
        for (Object v : list(map(map(spec("StatefulSet/parley").get("template")).get("spec")).get("volumes"))) {
            if (name.equals(map(v).get("name"))) {
                return map(v);
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static Object node(String id) {
        return map(compose.get("services")).get(id);
    }

    private static String script(String name) {
        try {
            return Files.readString(kubernetes.resolve(name));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** 256Mi, 256m (compose: mebibytes), 1Gi or 1g, in MiB. */
    private static long mebibytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Mi|m|Gi|g)").matcher(quantity);
        assertThat(m.matches()).as("memory quantity %s", quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        return m.group(2).startsWith("G") || m.group(2).equals("g") ? n * 1024 : n;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    private record Run(int exit, String output) {
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    private static Run run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // gone
            }
        });
        reader.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within 60 s");
        }
        reader.join(5_000);
        return new Run(process.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
