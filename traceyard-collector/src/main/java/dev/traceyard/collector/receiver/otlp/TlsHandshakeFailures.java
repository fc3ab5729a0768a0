package dev.traceyard.collector.receiver.otlp;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;

/**
 * Counts and logs (rate-limited) failed TLS handshakes on a receiver's port: plain-text clients,
 * clients without or with an untrusted certificate under mTLS, version mismatches. It sits behind the
 * TLS handler and consumes the failure itself (closing the connection), so that Armeria does not also
 * log every failed handshake at WARN, unthrottled: a port scanner must not be able to flood the logs.
 */
@ChannelHandler.Sharable
final class TlsHandshakeFailures extends ChannelInboundHandlerAdapter {
  private final TransportTelemetry telemetry;

  TlsHandshakeFailures(TransportTelemetry telemetry) {
    this.telemetry = telemetry;
  }

  /**
   * Adds this handler right before Armeria's protocol negotiation handler (which sits behind the TLS
   * handler and logs failures); when Armeria's pipeline looks different, at the end, where it still
   * counts but Armeria logs too.
   */
  void addTo(ChannelPipeline p) {
    String anchor = null;
    for (Map.Entry<String, ChannelHandler> e : p) {
      if (e.getValue() instanceof ApplicationProtocolNegotiationHandler) {
        anchor = e.getKey();
        break;
      }
    }
    if (anchor != null) {
      p.addBefore(anchor, null, this);
    } else {
      p.addLast(this);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
      Throwable cause = ((SslHandshakeCompletionEvent) evt).cause();
      telemetry.refused(RefusalReason.TLS_HANDSHAKE, null, 0, "TLS handshake with " + peer(ctx.channel().remoteAddress())
          + " failed: " + describe(cause));
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (isTlsFailure(cause)) {
      ctx.close(); // counted with the handshake failure event that comes with it
      return;
    }
    super.exceptionCaught(ctx, cause);
  }

  private static boolean isTlsFailure(Throwable t) {
    for (int i = 0; i < 8 && t != null; i++, t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return true; // NotSslRecordException is one too
      }
    }
    return false;
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
