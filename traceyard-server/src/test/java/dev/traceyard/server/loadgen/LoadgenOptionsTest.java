package dev.traceyard.server.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadgenOptionsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    return new CommandLine(new LoadgenCommand())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "--rate|-5|--rate: must be a number >= 0",
      "--rate|NaN|--rate: must be a number >= 0",
      "--duration|10|--duration: invalid duration '10'",
      "--duration|0s|--duration: must be longer than 0",
      "--traces|0|--traces: must be at least 1",
      "--workers|0|--workers: must be between 1 and 1024, got 0",
      "--spans-per-trace|0|--spans-per-trace: must be between 1 and 10000, got 0",
      "--attributes|-1|--attributes: must be between 0 and 1000, got -1",
      "--batch-size|0|--batch-size: must be between 1 and 100000, got 0",
      "--error-ratio|1.5|--error-ratio: must be between 0 and 1, got 1.5",
      "--slow-ratio|-0.1|--slow-ratio: must be between 0 and 1, got -0.1",
      "--protocol|http|--protocol: unknown protocol 'http' (use grpc, http/protobuf, http/json)",
      "--otlp-endpoint|localhost|--otlp-endpoint: invalid endpoint 'localhost': expected host:port",
      "--otlp-endpoint|localhost:0|--otlp-endpoint: invalid endpoint 'localhost:0': the port must be between 1 and 65535",
      "--otlp-endpoint|ftp://host:21|--otlp-endpoint: invalid URL 'ftp://host:21': the scheme must be http or https",
      "--otlp-endpoint|http://host:4317/v1/traces|--otlp-endpoint: invalid URL 'http://host:4317/v1/traces': a gRPC endpoint has no path",
      "--header|novalue|--header: expected KEY=VALUE with a valid header name, got 'novalue'",
      "--header|bad key=v|--header: expected KEY=VALUE with a valid header name, got 'bad key=v'",
      "--timeout|-1s|--timeout: must be longer than 0",
  })
  void badOption_exits2WithMessageNamingTheOption(String option, String value, String message) {
    int code = option.equals("--otlp-endpoint")
        ? execute(option + "=" + value)
        : execute(option + "=" + value, "--otlp-endpoint=localhost:1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("traceyard loadgen: " + message);
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void severalBadOptions_reportsEveryOne() {
    int code = execute("--rate", "-1", "--workers", "0", "--error-ratio", "2");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--rate:", "--workers:", "--error-ratio:");
  }

  @Test
  void unparsableNumber_exits2WithPicocliMessage() {
    int code = execute("--rate", "fast");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--rate", "fast");
  }

  @Test
  void unknownOption_exits2() {
    int code = execute("--spans", "3");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown options: '--spans'");
  }

  @Test
  void noStopCondition_sendsOneTrace() {
    LoadgenSettings settings = settings();

    assertThat(settings.maxTraces()).isEqualTo(1);
    assertThat(settings.duration()).isNull();
  }

  @Test
  void durationOnly_runsWithoutTraceBudget() {
    LoadgenSettings settings = settings("--duration", "1m30s");

    assertThat(settings.maxTraces()).isZero();
    assertThat(settings.duration()).hasSeconds(90);
  }

  @Test
  void headers_areKeptInOrder() {
    LoadgenSettings settings = settings("--header", "authorization=Bearer abc", "--header", "x-tenant=a=b");

    assertThat(settings.headers()).containsExactly(
        java.util.Map.entry("authorization", "Bearer abc"), java.util.Map.entry("x-tenant", "a=b"));
  }

  @ParameterizedTest(name = "{0} {1} insecure={2}")
  @CsvSource({
      "grpc,,false,https://localhost:4317",
      "grpc,,true,http://localhost:4317",
      "http/protobuf,,true,http://localhost:4318/v1/traces",
      "http/json,collector:4318,false,https://collector:4318/v1/traces",
      "grpc,:4317,true,http://localhost:4317",
      "grpc,[::1]:4317,true,http://[::1]:4317",
      "grpc,http://collector:4317/,false,http://collector:4317",
      "http/protobuf,http://collector:4318,false,http://collector:4318/v1/traces",
      "http/protobuf,https://collector:443/custom/traces,true,https://collector:443/custom/traces",
      "http/json,https://collector,true,https://collector/v1/traces",
  })
  void endpoint_resolvesToUrl(String protocol, String endpoint, boolean insecure, String expected) {
    URI uri = LoadgenCommand.endpointUri(endpoint, Protocol.fromCliName(protocol).orElseThrow(), insecure);

    assertThat(uri).hasToString(expected);
  }

  @Test
  void urlWithoutHost_isRejected() {
    assertThatThrownBy(() -> LoadgenCommand.endpointUri("http:///v1/traces", Protocol.HTTP_JSON, true))
        .hasMessageContaining("it needs a host");
  }

  private static LoadgenSettings settings(String... args) {
    LoadgenCommand command = new LoadgenCommand();
    new CommandLine(command).parseArgs(args);
    List<String> errors = new ArrayList<>();
    LoadgenSettings settings = command.settings(errors);
    assertThat(errors).isEmpty();
    return settings;
  }
}
