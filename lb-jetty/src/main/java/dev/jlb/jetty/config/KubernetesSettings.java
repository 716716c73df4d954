package dev.jlb.jetty.config;

import dev.jlb.jetty.discovery.K8sDiscovery;
import java.nio.file.Path;

/**
 * The file's top-level {@code kubernetes:} section: how {@code k8s://} backends reach the API
 * server. Every component may be null (unset); with none set, {@link K8sDiscovery} finds the API
 * server itself (in a cluster: the pod's service account; elsewhere {@code KUBECONFIG} or
 * {@code ~/.kube/config}). Immutable; equal when every setting is equal.
 *
 * @param apiServer {@code api_server}: the API server's URL, such as {@code https://10.0.0.1:6443}
 * @param tokenFile {@code token_file}: a file holding the bearer token (read for every request)
 * @param caFile {@code ca_file}: PEM CA certificates that verify an https API server
 * @param kubeconfig {@code kubeconfig}: a kubeconfig file naming the server and the credentials
 * @param context {@code context}: the kubeconfig context to use (default: its current-context)
 */
public record KubernetesSettings(String apiServer, Path tokenFile, Path caFile, Path kubeconfig, String context) {

    /** Nothing set: the discovery finds the API server itself. */
    public static final KubernetesSettings DEFAULTS = new KubernetesSettings(null, null, null, null, null);

    /**
     * A builder for the entry {@code url} with these settings applied.
     *
     * @param url a {@code k8s://service.namespace:port} entry
     * @return a builder, not yet checked
     * @throws IllegalArgumentException when {@code url} is not of that form
     */
    public K8sDiscovery.Builder builder(String url) {
        K8sDiscovery.Builder b = K8sDiscovery.builder(url);
        if (apiServer != null) {
            b.apiServer(apiServer);
        }
        if (tokenFile != null) {
            b.tokenFile(tokenFile);
        }
        if (caFile != null) {
            b.caFile(caFile);
        }
        if (kubeconfig != null) {
            b.kubeconfig(kubeconfig);
        }
        if (context != null) {
            b.context(context);
        }
        return b;
    }
}
