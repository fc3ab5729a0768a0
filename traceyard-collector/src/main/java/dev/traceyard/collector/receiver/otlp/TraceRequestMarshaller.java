package dev.traceyard.collector.receiver.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.traceyard.collector.otlp.OtlpTraceDecoder;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Parses trace export requests with {@link OtlpTraceDecoder} instead of protobuf's generated parser
 * (the same messages, less work for repeated attributes). A parse failure carries protobuf's
 * exception as its cause, as grpc-protobuf's marshaller does, so {@link GrpcRefusals} answers it
 * INVALID_ARGUMENT and counts it like before.
 */
final class TraceRequestMarshaller implements MethodDescriptor.Marshaller<ExportTraceServiceRequest> {

  /**
   * The OTLP trace service with this marshaller for requests: the generated method descriptor with
   * the request marshaller swapped, in a service descriptor of its own (gRPC requires the bound
   * method to be the very instance its service descriptor lists).
   */
  static ServerServiceDefinition service(ServerCalls.UnaryMethod<ExportTraceServiceRequest, ExportTraceServiceResponse> export) {
    MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> method =
        TraceServiceGrpc.getExportMethod().toBuilder().setRequestMarshaller(new TraceRequestMarshaller()).build();
    ServiceDescriptor service = ServiceDescriptor.newBuilder(TraceServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(TraceServiceGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(method)
        .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(method, ServerCalls.asyncUnaryCall(export))
        .build();
  }

  @Override
  public InputStream stream(ExportTraceServiceRequest value) {
    return new ByteArrayInputStream(value.toByteArray());
  }

  @Override
  public ExportTraceServiceRequest parse(InputStream stream) {
    try {
      return OtlpTraceDecoder.parse(readFully(stream));
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
    } catch (IOException e) {
      // A compressed message that does not inflate: protobuf's parser reports stream failures as
      // InvalidProtocolBufferException too, which GrpcRefusals answers INVALID_ARGUMENT (malformed).
      throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence")
          .withCause(new InvalidProtocolBufferException(e)).asRuntimeException();
    }
  }

  /** Armeria hands over the whole deframed message, so available() is its size: one copy, no growing buffers. */
  private static byte[] readFully(InputStream stream) throws IOException {
    byte[] bytes = stream.readNBytes(Math.max(stream.available(), 0));
    int next = stream.read();
    if (next < 0) {
      return bytes;
    }
    byte[] rest = stream.readAllBytes();
    byte[] all = new byte[bytes.length + 1 + rest.length];
    System.arraycopy(bytes, 0, all, 0, bytes.length);
    all[bytes.length] = (byte) next;
    System.arraycopy(rest, 0, all, bytes.length + 1, rest.length);
    return all;
  }
}
