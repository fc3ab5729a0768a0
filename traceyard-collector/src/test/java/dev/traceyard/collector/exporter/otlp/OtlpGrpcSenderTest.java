package dev.traceyard.collector.exporter.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.ClosedSessionException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class OtlpGrpcSenderTest {

  @Test
  void anUnknownStatusFromALostConnection_isTransient() {
    assertThat(OtlpGrpcSender.connectionLost(new StatusRuntimeException(Status.UNKNOWN.withCause(ClosedSessionException.get()))))
        .isTrue();
    assertThat(OtlpGrpcSender.connectionLost(new StatusRuntimeException(
        Status.UNKNOWN.withCause(UnprocessedRequestException.of(new IOException("connection reset")))))).isTrue();
  }

  @Test
  void anUnknownStatusForAnyOtherReason_staysPermanent_andNamesItsCause() {
    StatusRuntimeException e = new StatusRuntimeException(Status.UNKNOWN.withCause(new IllegalStateException("bad span")));
    assertThat(OtlpGrpcSender.connectionLost(e)).isFalse();
    assertThat(OtlpGrpcSender.fromStatus(e.getStatus(), null, "gw:4317").isPermanent()).isTrue();
    assertThat(OtlpGrpcSender.fromStatus(e.getStatus(), null, "gw:4317").message())
        .isEqualTo("gRPC UNKNOWN (java.lang.IllegalStateException: bad span) from gw:4317");
  }
}
