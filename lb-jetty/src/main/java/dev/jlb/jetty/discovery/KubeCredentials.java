package dev.jlb.jetty.discovery;

import dev.jlb.jetty.tls.TlsFileException;
import dev.jlb.jetty.tls.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * How {@link K8sDiscovery} reaches the API server: its URL, the bearer token (a file read again
 * for every request, since tokens rotate, or a literal from a kubeconfig) and the TLS context
 * (null: the JDK's default). Built one of three ways, in the order {@link K8sDiscovery.Builder}
 * tries them: explicit settings, a pod's service account, a kubeconfig file. Immutable.
 *
 * @param apiServer the API server's base URL, without a trailing slash
 * @param tokenFile a file holding the bearer token, or null
 * @param token a literal bearer token, or null
 * @param ssl the TLS context for an https API server, or null for the JDK's default
 * @param origin where these came from, for the log: {@code in-cluster}, {@code kubeconfig /root/.kube/config (context kind)}
 */
record KubeCredentials(String apiServer, Path tokenFile, String token, SSLContext ssl, String origin) {

    KubeCredentials {
        Objects.requireNonNull(apiServer, "apiServer");
        Objects.requireNonNull(origin, "origin");
    }

    /** The {@code Authorization} header's value, or null when there is no token. */
    String authorization() throws IOException {
        if (tokenFile != null) {
            return "Bearer " + Files.readString(tokenFile).trim();
        }
        return token == null ? null : "Bearer " + token;
    }

    /** Settings from the configuration: the URL, and optionally a token file and a CA bundle. */
    static KubeCredentials explicit(String apiServer, Path tokenFile, Path caFile) {
        SSLContext ssl = caFile == null ? null : context("ca_file", pem("ca_file", caFile), null, null);
        return new KubeCredentials(apiServer, tokenFile, null, ssl, "api_server " + apiServer);
    }

    /** A pod's own: KUBERNETES_SERVICE_HOST/PORT, and the service account's token and CA under {@code account}. */
    static KubeCredentials inCluster(Function<String, String> env, Path account) {
        String host = env.apply("KUBERNETES_SERVICE_HOST");
        String port = env.apply("KUBERNETES_SERVICE_PORT");
        String url = "https://" + Addresses.host(host) + ":" + port;
        Path ca = account.resolve("ca.crt");
        SSLContext ssl = context("in-cluster ca.crt", pem("in-cluster ca.crt", ca), null, null);
        return new KubeCredentials(url, account.resolve("token"), null, ssl, "in-cluster " + url);
    }

    /**
     * A kubeconfig file's cluster and user of {@code context} (null: its {@code current-context}).
     * Relative file names are read from the kubeconfig's directory, as kubectl does. Token, token
     * file and client certificates are understood; credential plugins ({@code exec},
     * {@code auth-provider}), passwords and {@code insecure-skip-tls-verify} are refused.
     *
     * @throws IllegalArgumentException naming the file, the field and what was expected
     */
    @SuppressWarnings("unchecked")
    static KubeCredentials kubeconfig(Path file, String context) {
        String where = "kubeconfig: " + file;
        Map<String, Object> root;
        try {
            if (Files.size(file) > 4L << 20) {
                throw new IllegalArgumentException(where + " (expected: a kubeconfig of at most 4 MiB)");
            }
            Object parsed = YamlHolder.read(file);
            if (!(parsed instanceof Map)) {
                throw new IllegalArgumentException(where + " (expected: a kubeconfig mapping with clusters, users and contexts)");
            }
            root = (Map<String, Object>) parsed;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(where + " (expected: a readable file; there is no such file)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " (expected: a readable file; " + e + ")", e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException(where + " (expected: YAML or JSON; " + e.getMessage() + ")", e);
        }
        String name = context != null ? context : string(root, "current-context");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(where + ": current-context is not set (expected: a current-context, or"
                    + " kubernetes.context in jlb's configuration)");
        }
        Map<String, Object> ctx = named(root, "contexts", name, "context", where);
        String clusterName = string(ctx, "cluster");
        String userName = string(ctx, "user");
        Map<String, Object> cluster = named(root, "clusters", clusterName, "cluster", where);
        Map<String, Object> user = userName == null ? Map.of() : named(root, "users", userName, "user", where);
        String server = string(cluster, "server");
        if (server == null || !(server.startsWith("https://") || server.startsWith("http://"))) {
            throw new IllegalArgumentException(where + ": clusters[" + clusterName + "].server: " + server
                    + " (expected: the API server's http or https URL)");
        }
        if (Boolean.TRUE.equals(cluster.get("insecure-skip-tls-verify"))) {
            throw new IllegalArgumentException(where + ": clusters[" + clusterName + "].insecure-skip-tls-verify: true"
                    + " (expected: certificate-authority or certificate-authority-data; jlb always verifies the API server)");
        }
        for (String unsupported : List.of("exec", "auth-provider", "username", "password")) {
            if (user.containsKey(unsupported)) {
                throw new IllegalArgumentException(where + ": users[" + userName + "]." + unsupported
                        + " (expected: token, tokenFile, or client-certificate and client-key; credential plugins"
                        + " and passwords are not supported)");
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        String ca = inline(cluster, "certificate-authority", dir, where);
        String cert = inline(user, "client-certificate", dir, where);
        String key = inline(user, "client-key", dir, where);
        String tokenFile = string(user, "tokenFile");
        String token = string(user, "token");
        SSLContext ssl = server.startsWith("https://") ? context(where, ca, cert, key) : null;
        String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        return new KubeCredentials(base, tokenFile == null ? null : dir.resolve(tokenFile), token, ssl,
                "kubeconfig " + file + " (context " + name + ")");
    }

    /** The default kubeconfig: the first file of KUBECONFIG, else ~/.kube/config; null when neither exists. */
    static Path defaultKubeconfig(Function<String, String> env) {
        String list = env.apply("KUBECONFIG");
        if (list != null && !list.isBlank()) {
            Path p = Path.of(list.split(java.io.File.pathSeparator)[0]);
            return Files.isRegularFile(p) ? p : null;
        }
        String home = env.apply("HOME");
        Path p = home == null ? null : Path.of(home, ".kube", "config");
        return p != null && Files.isRegularFile(p) ? p : null;
    }

    /** The PEM text of {@code field} (a file, relative to {@code dir}) or {@code field-data} (base64), or null. */
    private static String inline(Map<String, Object> m, String field, Path dir, String where) {
        String data = string(m, field + "-data");
        if (data != null) {
            try {
                return new String(Base64.getMimeDecoder().decode(data), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + field + "-data (expected: base64 of PEM text; "
                        + e.getMessage() + ")", e);
            }
        }
        String name = string(m, field);
        return name == null ? null : pem(where + ": " + field, dir.resolve(name));
    }

    private static String pem(String field, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(field + ": " + file + " (expected: a readable PEM file; there is no such"
                    + " file)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(field + ": " + file + " (expected: a readable PEM file; " + e + ")", e);
        }
    }

    private static SSLContext context(String field, String ca, String cert, String key) {
        try {
            return TlsFiles.clientContext(field, ca, cert, key);
        } catch (TlsFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static String string(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : String.valueOf(v);
    }

    /** The {@code inner} mapping of the item of list {@code list} whose name is {@code name}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> named(Map<String, Object> root, String list, String name, String inner,
            String where) {
        Object items = root.get(list);
        if (items instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> item && Objects.equals(String.valueOf(item.get("name")), name)) {
                    Object v = item.get(inner);
                    return v instanceof Map ? (Map<String, Object>) v : Map.of();
                }
            }
        }
        throw new IllegalArgumentException(where + ": " + list + ": no entry named " + name
                + " (expected: an entry of " + list + " with that name)");
    }

    /** Reads YAML through Jackson's YAML module; JSON (a kubeconfig may be JSON) is YAML too. */
    private static final class YamlHolder {
        static Object read(Path file) throws IOException {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.stripLeading().startsWith("{")) {
                return JsonMapper.builder().build().readValue(text, Object.class);
            }
            return tools.jackson.dataformat.yaml.YAMLMapper.builder().build().readValue(text, Object.class);
        }
    }
}
