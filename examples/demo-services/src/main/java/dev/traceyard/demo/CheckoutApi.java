package dev.traceyard.demo;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.client.grpc.GrpcClientStubFactory;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The checkout gRPC API, written by hand instead of generated from a .proto: one unary method whose
 * request and response are {@code google.protobuf.Struct}s, so the build needs no protoc.
 */
final class CheckoutApi {

  static final String SERVICE_NAME = "traceyard.demo.Checkout";

  static final MethodDescriptor<Struct, Struct> PLACE_ORDER =
      MethodDescriptor.<Struct, Struct>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, "PlaceOrder"))
          .setRequestMarshaller(ProtoUtils.marshaller(Struct.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(Struct.getDefaultInstance()))
          .build();

  static final ServiceDescriptor SERVICE =
      ServiceDescriptor.newBuilder(SERVICE_NAME).addMethod(PLACE_ORDER).build();

  /**
   * Lets Armeria's gRPC client hand out a plain {@link Channel} for this service: without generated stubs
   * there is no stub class for Armeria to find the service descriptor on.
   */
  static final GrpcClientStubFactory CHANNEL_FACTORY =
      new GrpcClientStubFactory() {
        @Override
        public ServiceDescriptor findServiceDescriptor(Class<?> clientType) {
          return clientType == Channel.class ? SERVICE : null;
        }

        @Override
        public Object newClientStub(Class<?> clientType, Channel channel) {
          return channel;
        }
      };

  private CheckoutApi() {}

  static Struct.Builder struct() {
    return Struct.newBuilder();
  }

  static Value text(String value) {
    return Value.newBuilder().setStringValue(value).build();
  }

  static Value number(double value) {
    return Value.newBuilder().setNumberValue(value).build();
  }

  static String text(Struct struct, String key, String fallback) {
    Value v = struct.getFieldsOrDefault(key, null);
    return v == null || v.getStringValue().isEmpty() ? fallback : v.getStringValue();
  }

  static double number(Struct struct, String key, double fallback) {
    Value v = struct.getFieldsOrDefault(key, null);
    return v == null ? fallback : v.getNumberValue();
  }
}
