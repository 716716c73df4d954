// The two servlet proxies compared by bench.sh --targets "... servlet proxyservlet": jlb's
// LoadBalancingProxyServlet and Jetty's plain ee10 ProxyServlet with a round-robin rewriteTarget,
// on the same server setup (12 threads, 1 acceptor, 1 selector, 256 connections per backend, the
// client on the server's thread pool). Run with the jar on the class path (Java's source launcher):
//
//   java -cp examples/target/jlb.jar examples/bench/ServletProxies.java lb|plain PORT URI...
import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingProxyServlet;
import dev.jlb.jetty.ProxyOptions;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

public class ServletProxies {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        List<String> backends = Arrays.asList(args).subList(2, args.length);
        Server server = new Server(new QueuedThreadPool(12, 4));
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder;
        if (mode.equals("lb")) {
            LoadBalancer lb = LoadBalancer.builder().backends(backends.stream().map(Backend::of).toList())
                    .strategy("round-robin").build();
            holder = new ServletHolder(new LoadBalancingProxyServlet(lb, ProxyOptions.defaults()));
        } else {
            AtomicInteger next = new AtomicInteger();
            holder = new ServletHolder(new ProxyServlet() {
                @Override
                protected String rewriteTarget(HttpServletRequest request) {
                    String query = request.getQueryString();
                    return backends.get(Math.floorMod(next.getAndIncrement(), backends.size()))
                            + request.getRequestURI() + (query == null ? "" : "?" + query);
                }
            });
            holder.setInitParameter("maxConnections", "256");
        }
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        server.setHandler(context);
        server.start();
        System.out.println("listening on " + port + " (" + mode + ")");
        server.join();
    }
}
