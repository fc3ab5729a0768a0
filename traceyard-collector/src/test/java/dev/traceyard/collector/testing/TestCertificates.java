package dev.traceyard.collector.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Certificates generated at test time with the JDK's keytool (no key material is committed): a CA, a
 * server certificate for {@code localhost} / {@code 127.0.0.1} and a client certificate signed by it,
 * and a self-signed "rogue" client certificate no one trusts. Generated once per JVM into a
 * temporary directory that is deleted on exit. Files are PEM: certificates, PKCS#8 keys.
 */
public final class TestCertificates {
  private static final String PASS = "changeit";
  private static TestCertificates instance;

  /** A certificate and its key as PEM files. */
  public record Pair(Path cert, Path key) {
    public byte[] certPem() {
      return read(cert);
    }

    public byte[] keyPem() {
      return read(key);
    }
  }

  public final Path dir;
  public final Path caCert;
  public final Pair server;
  public final Pair client;
  public final Pair rogueClient;

  private TestCertificates(Path dir) throws IOException, InterruptedException, java.security.GeneralSecurityException {
    this.dir = dir;
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Traceyard Test CA",
        "-ext", "bc:c", "-startdate", "-1d", "-validity", "3", "-keystore", p12("ca"));
    caCert = dir.resolve("ca.pem");
    Files.writeString(caCert, pem("CERTIFICATE", load("ca").getCertificate("ca").getEncoded()));
    server = signed("server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1", "EKU=serverAuth");
    client = signed("client", "CN=traceyard-test-client", null, "EKU=clientAuth");
    keytool("-genkeypair", "-alias", "rogue", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
        "CN=rogue-client", "-startdate", "-1d", "-validity", "3", "-keystore", p12("rogue"));
    rogueClient = export("rogue", List.of(load("rogue").getCertificate("rogue").getEncoded()));
  }

  /** The shared certificates, generated on first use. */
  public static synchronized TestCertificates get() {
    if (instance == null) {
      try {
        Path dir = Files.createTempDirectory("traceyard-test-certs");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
        instance = new TestCertificates(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return instance;
  }

  public byte[] caPem() {
    return read(caCert);
  }

  private Pair signed(String alias, String dname, String san, String eku) throws IOException, InterruptedException {
    keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
        "-startdate", "-1d", "-validity", "3", "-keystore", p12(alias));
    Path csr = dir.resolve(alias + ".csr");
    keytool("-certreq", "-alias", alias, "-keystore", p12(alias), "-file", csr.toString());
    Path signed = dir.resolve(alias + "-signed.pem");
    List<String> args = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", p12("ca"), "-infile",
        csr.toString(), "-outfile", signed.toString(), "-rfc", "-startdate", "-1d", "-validity", "3", "-ext", eku,
        "-ext", "KU=digitalSignature"));
    if (san != null) {
      args.add("-ext");
      args.add(san);
    }
    keytool(args.toArray(String[]::new));
    List<byte[]> chain = new ArrayList<>();
    try (InputStream in = Files.newInputStream(signed)) {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        chain.add(c.getEncoded());
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return export(alias, chain);
  }

  private Pair export(String alias, List<byte[]> chain) throws IOException {
    try {
      PrivateKey key = (PrivateKey) load(alias).getKey(alias, PASS.toCharArray());
      Path cert = dir.resolve(alias + ".pem");
      StringBuilder certs = new StringBuilder();
      chain.forEach(der -> certs.append(pem("CERTIFICATE", der)));
      Files.writeString(cert, certs);
      Path keyFile = dir.resolve(alias + "-key.pem");
      Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
      return new Pair(cert, keyFile);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first certificate of a PEM file. */
  public static X509Certificate certificate(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private String p12(String alias) {
    return dir.resolve(alias + ".p12").toString();
  }

  private KeyStore load(String alias) throws IOException {
    try (InputStream in = Files.newInputStream(Path.of(p12(alias)))) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, PASS.toCharArray());
      return ks;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.add("-J-Xshare:auto");
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storepass", PASS, "-storetype", "PKCS12", "-noprompt"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: "
          + new String(out, StandardCharsets.UTF_8));
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
