package dev.jlb.jetty.config;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Reads the top-level {@code kubernetes:} section ({@code api_server}, {@code token_file},
 * {@code ca_file}, {@code kubeconfig}, {@code context}) that {@code k8s://} backends use.
 */
final class KubernetesSection {
    private static final String FILE = "a file name";

    private KubernetesSection() {
    }

    static KubernetesSettings settings(MapReader top) {
        MapReader r = top.map("kubernetes");
        if (r == null) {
            return KubernetesSettings.DEFAULTS;
        }
        String api = r.string("api_server", null, "an http or https URL such as https://10.0.0.1:6443");
        if (api != null) {
            String scheme;
            try {
                scheme = URI.create(api.strip()).getScheme();
            } catch (IllegalArgumentException e) {
                scheme = null;
            }
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                r.invalid("api_server", r.node("api_server"), "an http or https URL such as https://10.0.0.1:6443");
                api = null;
            } else {
                api = api.strip();
            }
        }
        Path token = path(r, "token_file");
        Path ca = path(r, "ca_file");
        Path kubeconfig = path(r, "kubeconfig");
        String context = r.string("context", null, "the name of a kubeconfig context");
        if (api != null && kubeconfig != null) {
            r.invalid("kubeconfig", r.node("kubeconfig"), "either api_server (with token_file and ca_file) or"
                    + " kubeconfig, not both");
        }
        if (api == null && (token != null || ca != null)) {
            String key = token != null ? "token_file" : "ca_file";
            r.invalid(key, r.node(key), "only with api_server (a kubeconfig names its own token and CA)");
        }
        r.finish();
        return new KubernetesSettings(api, token, ca, kubeconfig, context);
    }

    private static Path path(MapReader m, String key) {
        String s = m.string(key, null, FILE);
        if (s == null) {
            return null;
        }
        try {
            if (!s.isBlank()) {
                return Path.of(s.strip());
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        m.invalid(key, m.node(key), FILE);
        return null;
    }
}
