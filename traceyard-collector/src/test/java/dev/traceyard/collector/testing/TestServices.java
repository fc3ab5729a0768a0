package dev.traceyard.collector.testing;

import dev.traceyard.collector.Components;
import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.config.ConfigException;
import dev.traceyard.collector.config.ConfigLoader;
import dev.traceyard.collector.service.Service;
import dev.traceyard.collector.service.ServiceConfig;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.util.Map;

/** Starts a whole collector from YAML, as a user would write it, for the ITs that drive one end to end. */
public final class TestServices {
  private TestServices() {}

  /**
   * A started service running {@code yaml} (named {@code fileName} in config errors) with the built-in
   * components and the {@link TestComponents} (e.g. {@code recording} exporters); the caller shuts it down.
   */
  public static Service start(String fileName, String yaml, SelfTelemetry telemetry) throws Exception {
    Service service = Service.create(config(fileName, yaml), telemetry);
    service.start();
    return service;
  }

  /** {@code yaml} parsed as the service would, with the built-in and the test components; no variables. */
  public static ServiceConfig config(String fileName, String yaml) throws ConfigException {
    return ServiceConfig.parse(new ConfigLoader(Map.<String, String>of()::get).loadString(fileName, yaml),
        TestComponents.addTo(Components.builtInBuilder()).build());
  }

  /** {@code http://127.0.0.1:<port>} of the OTLP/gRPC listener of the service's {@code otlp} receiver. */
  public static String otlpGrpcEndpoint(Service service) {
    return "http://127.0.0.1:" + service.receiver(ComponentId.parse("otlp")).boundAddresses().get("grpc").getPort();
  }
}
