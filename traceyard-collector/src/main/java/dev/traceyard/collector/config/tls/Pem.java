package dev.traceyard.collector.config.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with errors that say which key and file is wrong. Private
 * keys may be PKCS#8 ({@code PRIVATE KEY}: RSA, EC, Ed25519, Ed448), PKCS#1 ({@code RSA PRIVATE KEY})
 * or SEC1 ({@code EC PRIVATE KEY}), as Go's {@code tls.X509KeyPair} reads them; encrypted keys are
 * refused because otelcol has no setting for their passphrase either.
 */
final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final byte[] OID_RSA = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  private static final byte[] OID_EC = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};

  private Pem() {}

  private record Block(String type, String body) {}

  private static List<Block> blocks(String text) {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      out.add(new Block(m.group(1), m.group(2)));
    }
    return out;
  }

  /** Every certificate in the source, in order; at least one. */
  static List<X509Certificate> certificates(PemSource src) {
    String text = new String(src.read(), StandardCharsets.US_ASCII);
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("no X.509 support in this JVM", e);
    }
    int index = 0;
    for (Block b : blocks(text)) {
      if (!b.type().equals("CERTIFICATE")) {
        continue;
      }
      index++;
      try {
        byte[] der = base64(src, b);
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      } catch (CertificateException e) {
        throw src.fail("certificate #" + index + " in " + src.describe() + " is not a valid X.509 certificate: "
            + e.getMessage());
      }
    }
    if (out.isEmpty()) {
      throw src.fail("no PEM certificate found in " + src.describe()
          + " (expected a -----BEGIN CERTIFICATE----- block)");
    }
    return List.copyOf(out);
  }

  /** The first private key in the source. */
  static PrivateKey privateKey(PemSource src) {
    String text = new String(src.read(), StandardCharsets.US_ASCII);
    for (Block b : blocks(text)) {
      switch (b.type()) {
        case "PRIVATE KEY":
          return pkcs8(src, base64(src, b), "PKCS#8");
        case "RSA PRIVATE KEY":
          if (b.body().contains("ENCRYPTED")) {
            throw encrypted(src);
          }
          return pkcs8(src, wrap(0, algorithm(OID_RSA, new byte[] {0x05, 0x00}), base64(src, b)), "PKCS#1 RSA");
        case "EC PRIVATE KEY":
          if (b.body().contains("ENCRYPTED")) {
            throw encrypted(src);
          }
          byte[] sec1 = base64(src, b);
          return pkcs8(src, wrap(0, algorithm(OID_EC, curveOf(src, sec1)), sec1), "SEC1 EC");
        case "ENCRYPTED PRIVATE KEY":
          throw encrypted(src);
        default:
          // skip certificates, EC PARAMETERS and the like
      }
    }
    throw src.fail("no PEM private key found in " + src.describe()
        + " (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  /** Fails unless {@code key} is the private half of {@code cert}'s public key. */
  static void checkPair(PemSource keySource, PrivateKey key, PemSource certSource, X509Certificate cert) {
    PublicKey pub = cert.getPublicKey();
    if (key instanceof RSAPrivateCrtKey && pub instanceof RSAPublicKey) {
      if (!((RSAPrivateCrtKey) key).getModulus().equals(((RSAPublicKey) pub).getModulus())) {
        throw mismatch(keySource, certSource);
      }
      return;
    }
    String alg = signatureAlgorithm(key);
    if (alg == null) {
      return; // an algorithm we cannot test cheaply; the TLS stack still rejects a mismatch
    }
    if (!key.getAlgorithm().equals(pub.getAlgorithm())
        && !(key.getAlgorithm().startsWith("Ed") && pub.getAlgorithm().startsWith("Ed"))) {
      throw mismatch(keySource, certSource);
    }
    try {
      byte[] probe = "traceyard key pair check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(alg);
      signer.initSign(key);
      signer.update(probe);
      byte[] sig = signer.sign();
      Signature verifier = Signature.getInstance(alg);
      verifier.initVerify(pub);
      verifier.update(probe);
      if (!verifier.verify(sig)) {
        throw mismatch(keySource, certSource);
      }
    } catch (GeneralSecurityException e) {
      throw mismatch(keySource, certSource);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    switch (key.getAlgorithm()) {
      case "EC":
        return "SHA256withECDSA";
      case "RSA":
        return "SHA256withRSA";
      case "Ed25519":
      case "Ed448":
      case "EdDSA":
        return key.getAlgorithm();
      default:
        return null;
    }
  }

  private static TlsException mismatch(PemSource keySource, PemSource certSource) {
    return keySource.fail("the private key in " + keySource.describe() + " does not match the certificate in "
        + certSource.describe() + " (" + certSource.key() + ")");
  }

  private static TlsException encrypted(PemSource src) {
    return src.fail("the private key in " + src.describe() + " is encrypted; provide an unencrypted key "
        + "(e.g. openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem) with restrictive file permissions");
  }

  private static byte[] base64(PemSource src, Block b) {
    try {
      return Base64.getMimeDecoder().decode(b.body().trim());
    } catch (IllegalArgumentException e) {
      throw src.fail("the " + b.type() + " block in " + src.describe() + " is not valid base64");
    }
  }

  private static PrivateKey pkcs8(PemSource src, byte[] der, String format) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException | RuntimeException e) {
        // try the next algorithm
      }
    }
    throw src.fail("cannot parse the " + format + " private key in " + src.describe()
        + " (supported: RSA, EC, Ed25519, Ed448)");
  }

  // --- the little DER needed to turn PKCS#1 and SEC1 keys into PKCS#8 ---

  /** The named curve OID ({@code [0] parameters}) of a SEC1 {@code ECPrivateKey}, as a full TLV. */
  private static byte[] curveOf(PemSource src, byte[] sec1) {
    try {
      int[] seq = header(sec1, 0);
      if ((sec1[0] & 0xff) != 0x30) {
        throw new IllegalArgumentException("not a SEQUENCE");
      }
      int pos = seq[0];
      int end = seq[0] + seq[1];
      while (pos < end) {
        int tag = sec1[pos] & 0xff;
        int[] h = header(sec1, pos);
        if (tag == 0xa0) {
          int inner = h[0];
          if ((sec1[inner] & 0xff) != 0x06) {
            break;
          }
          int[] oid = header(sec1, inner);
          byte[] out = new byte[oid[0] - inner + oid[1]];
          System.arraycopy(sec1, inner, out, 0, out.length);
          return out;
        }
        pos = h[0] + h[1];
      }
    } catch (RuntimeException e) {
      throw src.fail("the EC private key in " + src.describe() + " is not valid SEC1 DER");
    }
    throw src.fail("the EC private key in " + src.describe() + " names no curve; use a PKCS#8 key "
        + "(openssl pkcs8 -topk8 -nocrypt)");
  }

  /** {start of content, content length} of the TLV at {@code pos}. */
  private static int[] header(byte[] der, int pos) {
    int len = der[pos + 1] & 0xff;
    int start = pos + 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3) {
        throw new IllegalArgumentException("unsupported DER length");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[start + i] & 0xff);
      }
      start += n;
    }
    if (start + len > der.length) {
      throw new IllegalArgumentException("truncated DER");
    }
    return new int[] {start, len};
  }

  private static byte[] algorithm(byte[] oid, byte[] parameters) {
    return tlv(0x30, concat(tlv(0x06, oid), parameters));
  }

  /** PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING privateKey }. */
  private static byte[] wrap(int version, byte[] algorithm, byte[] key) {
    return tlv(0x30, concat(tlv(0x02, new byte[] {(byte) version}), algorithm, tlv(0x04, key)));
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
