package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is an optional dependency of lb-jetty: only {@code dev.jlb.jetty.metrics} may use it.
 * Checked twice: no other class file names a Micrometer type, and the adapters and the admin servlet
 * serve real requests in a class loader that has no Micrometer.
 */
class WithoutMicrometerTest {

    @Test
    void onlyTheMetricsPackageReferencesMicrometer() throws IOException {
        Path classes = Paths.get("target/classes");
        List<String> offenders = new ArrayList<>();
        List<String> metrics = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(file).toString().replace(File.separatorChar, '/');
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                checked++;
                if (bytes.contains("io/micrometer")) {
                    (name.startsWith("dev/jlb/jetty/metrics/") ? metrics : offenders).add(name);
                }
            }
        }
        assertThat(checked).isGreaterThan(20);
        assertThat(metrics).as("the check sees Micrometer where it is").contains(
                "dev/jlb/jetty/metrics/LoadBalancerMetrics.class");
        assertThat(offenders).isEmpty();
    }

    @Test
    void adaptersAndAdminServeRequestsWithoutMicrometerOnTheClassPath() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.contains("micrometer") && !entry.isEmpty()) {
                urls.add(Paths.get(entry).toUri().toURL());
            }
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry", false, loader))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> probe = Class.forName(WithoutMicrometerProbe.class.getName(), true, loader);
            assertThat(probe.getClassLoader()).isSameAs(loader);
            Object result = probe.getMethod("run").invoke(null);
            assertThat(result).isEqualTo("handler 200, servlet 200, filter 200, engine 200, admin 200");
        }
    }
}
