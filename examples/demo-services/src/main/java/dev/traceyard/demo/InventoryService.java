package dev.traceyard.demo;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.traceyard.sdk.ArmeriaTracing;
import dev.traceyard.sdk.ContextFutures;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.net.InetSocketAddress;
import java.net.URI;
import java.sql.SQLTransientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code inventory}: an HTTP service ({@code POST /reserve?sku=..&quantity=..}) whose work is two queries
 * to its database, each a CLIENT span with the database semantic-convention attributes.
 */
final class InventoryService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DemoOptions.Service.INVENTORY.loggerName());

  // both the stable names and the older ones still read by many backends
  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  static final AttributeKey<String> DB_SYSTEM_NAME = AttributeKey.stringKey("db.system.name");
  static final AttributeKey<String> DB_STATEMENT = AttributeKey.stringKey("db.statement");
  static final AttributeKey<String> DB_QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  static final AttributeKey<String> DB_NAMESPACE = AttributeKey.stringKey("db.namespace");
  static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

  private final ServiceTelemetry telemetry;
  private final Dice dice;
  private final Server server;

  InventoryService(ServiceTelemetry telemetry, Dice dice, int port) {
    this.telemetry = telemetry;
    this.dice = dice;
    ServerBuilder sb = Server.builder().http(new InetSocketAddress("127.0.0.1", port));
    HttpService reserve =
        (ctx, req) -> {
          String sku = ctx.queryParam("sku");
          String quantity = ctx.queryParam("quantity");
          if (sku == null || quantity == null || !quantity.matches("[1-9][0-9]{0,3}")) {
            return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8,
                "sku and quantity (1-9999) are required");
          }
          // the blocking "database" work leaves the event loop; ContextFutures carries the SERVER span
          return HttpResponse.of(ContextFutures.supplyAsync(
              () -> reserve(sku, Integer.parseInt(quantity)), ctx.blockingTaskExecutor()));
        };
    sb.route().post("/reserve").build(
        telemetry.instrumentLibraries()
            ? reserve.decorate(ArmeriaTracing.create(telemetry.openTelemetry()).serverDecorator())
            : reserve);
    server = sb.build();
    server.start().join();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.activeLocalPort());
  }

  private HttpResponse reserve(String sku, int quantity) {
    log.info("reserving {} x {}", quantity, sku);
    try {
      long stock = query("SELECT", "SELECT quantity FROM stock WHERE sku = ? FOR UPDATE");
      query("UPDATE", "UPDATE stock SET quantity = quantity - ? WHERE sku = ?");
      log.info("reserved {} x {} ({} left)", quantity, sku, stock - quantity);
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8,
          "{\"sku\":\"" + sku + "\",\"reserved\":" + quantity + "}");
    } catch (SQLTransientException e) {
      Span.current().recordException(e);
      log.error("reservation of {} failed", sku, e);
      return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, e.getMessage());
    }
  }

  /** One round trip to the inventory database: a CLIENT span, as a JDBC instrumentation would make. */
  private long query(String operation, String statement) throws SQLTransientException {
    Span span =
        telemetry.tracer().spanBuilder(operation + " inventory.stock")
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(DB_SYSTEM, "postgresql")
            .setAttribute(DB_SYSTEM_NAME, "postgresql")
            .setAttribute(DB_NAMESPACE, "inventory")
            .setAttribute(DB_OPERATION, operation)
            .setAttribute(DB_STATEMENT, statement)
            .setAttribute(DB_QUERY_TEXT, statement)
            .setAttribute(SERVER_ADDRESS, "inventory-db")
            .setAttribute(SERVER_PORT, 5432L)
            .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      if (dice.slow()) {
        log.warn("{} on inventory.stock waits for a row lock", operation);
        Dice.work(dice.millis(250, 900));
      } else {
        Dice.work(dice.millis(1, 12));
      }
      if (dice.fails()) {
        throw new SQLTransientException("deadlock detected while locking stock row", "40P01");
      }
      return 100 + dice.nextInt(900);
    } catch (SQLTransientException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.getMessage());
      throw e;
    } finally {
      span.end();
    }
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
