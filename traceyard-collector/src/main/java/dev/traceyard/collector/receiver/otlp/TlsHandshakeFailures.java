package dev.traceyard.collector.receiver.otlp;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Counts and logs (rate-limited) failed TLS handshakes on a receiver's port: plain-text clients,
 * clients without or with an untrusted certificate under mTLS, version mismatches. Without this such
 * clients would be refused silently, which is the hardest kind of TLS problem to diagnose.
 */
@ChannelHandler.Sharable
final class TlsHandshakeFailures extends ChannelInboundHandlerAdapter {
  private final TransportTelemetry telemetry;

  TlsHandshakeFailures(TransportTelemetry telemetry) {
    this.telemetry = telemetry;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
      Throwable cause = ((SslHandshakeCompletionEvent) evt).cause();
      telemetry.refused(RefusalReason.TLS_HANDSHAKE, null, 0, "TLS handshake with " + peer(ctx.channel().remoteAddress())
          + " failed: " + describe(cause));
    }
    super.userEventTriggered(ctx, evt);
  }

  private static String peer(SocketAddress a) {
    return a instanceof InetSocketAddress && ((InetSocketAddress) a).getAddress() != null
        ? ((InetSocketAddress) a).getAddress().getHostAddress() : String.valueOf(a);
  }

  private static String describe(Throwable t) {
    Throwable root = t;
    for (int i = 0; i < 8 && root != null; i++) {
      // Its message is a hex dump of what the client sent, which may hold credentials in plain text.
      if (root instanceof io.netty.handler.ssl.NotSslRecordException) {
        return "not a TLS record (a plain-text client?)";
      }
      if (root.getCause() == null || root.getCause() == root) {
        break;
      }
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }
}
