package io.shardbroker.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Netty TLS contexts for shardbroker's gRPC links: TLS 1.3 only, both sides show a certificate of
 * the private CA, and each side checks that the other's certificate names a role expected on the
 * link (see {@link PeerTrust}). Clients also check the server's host name against the
 * certificate. The JDK's TLS implementation is used, so trust decisions go through one code path.
 */
public final class GrpcTls {

  private static final String TLS_1_3 = "TLSv1.3";

  private GrpcTls() {}

  /** A server context that demands a client certificate naming one of {@code clients}. */
  public static SslContext server(TlsCredentials credentials, Set<Role> clients) {
    try {
      SslContextBuilder builder = SslContextBuilder
          .forServer(credentials.key(), credentials.chain().toArray(X509Certificate[]::new))
          .trustManager(new PeerTrust(credentials.authority(), clients))
          .clientAuth(ClientAuth.REQUIRE)
          .protocols(TLS_1_3);
      return GrpcSslContexts.configure(builder, SslProvider.JDK).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up the TLS server for " + credentials.identity(), e);
    }
  }

  /** A client context that accepts only a server whose certificate names one of {@code servers}. */
  public static SslContext client(TlsCredentials credentials, Set<Role> servers) {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient()
          .keyManager(credentials.key(), credentials.chain().toArray(X509Certificate[]::new))
          .trustManager(new PeerTrust(credentials.authority(), servers))
          .protocols(TLS_1_3);
      return GrpcSslContexts.configure(builder, SslProvider.JDK).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up the TLS client for " + credentials.identity(), e);
    }
  }
}
