package dev.traceyard.server.loadgen;

import com.linecorp.armeria.client.ClientFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The traffic of {@code traceyard start --demo}: a steady trickle of multi-service traces with errors
 * and slow paths, sent over OTLP/gRPC to the all-in-one's own receiver, so a newcomer sees data at once.
 */
public final class DemoTraffic implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoTraffic.class);

  private final ClientFactory factory;
  private final LoadRun run;
  private final Thread thread;

  private DemoTraffic(ClientFactory factory, LoadRun run) {
    this.factory = factory;
    this.run = run;
    this.thread = new Thread(this::runQuietly, "traceyard-demo");
    this.thread.setDaemon(true);
  }

  /** Starts sending {@code spansPerSecond} to the OTLP/gRPC endpoint {@code host:port}. */
  public static DemoTraffic start(String grpcEndpoint, double spansPerSecond) {
    URI endpoint = LoadgenCommand.endpointUri(grpcEndpoint, Protocol.GRPC, true);
    LoadgenSettings settings = new LoadgenSettings(Protocol.GRPC, endpoint, spansPerSecond,
        Duration.ofDays(3650), 0, 1, 8, 3, 0.05, 0.05, 64, Map.of(), Duration.ofSeconds(10),
        ThreadLocalRandom.current().nextLong());
    ClientFactory factory = ClientFactory.builder().build();
    DemoTraffic demo = new DemoTraffic(factory,
        new LoadRun(settings, new GrpcSender(settings.endpoint(), settings.headers(), settings.timeout(), factory)));
    demo.thread.start();
    return demo;
  }

  private void runQuietly() {
    try {
      LoadResult r = run.run();
      LOG.info("demo traffic stopped: {}", r.summaryLine());
    } catch (RuntimeException e) {
      LOG.warn("demo traffic stopped", e);
    }
  }

  @Override
  public void close() {
    run.stop();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    factory.closeAsync();
  }
}
