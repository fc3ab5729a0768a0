package dev.traceyard.collector.config.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one piece of PEM comes from: a file ({@code *_file}) or the config itself ({@code *_pem}).
 * Files are read when TLS is loaded at start, never at parse time, so that {@code validate} works on
 * a machine without the certificates. {@link #toString()} never shows inline PEM.
 *
 * @param key the full config path of the key that was set, e.g. {@code ...tls.cert_file}
 * @param file the file, or null for inline PEM
 * @param inline the inline PEM, or null for a file
 */
public record PemSource(String key, Path file, String inline) {

  public PemSource {
    Objects.requireNonNull(key, "key");
    if ((file == null) == (inline == null)) {
      throw new IllegalArgumentException("exactly one of file and inline must be set");
    }
  }

  public static PemSource ofFile(String key, Path file) {
    return new PemSource(key, file, null);
  }

  public static PemSource ofInline(String key, String pem) {
    return new PemSource(key, null, pem);
  }

  /** The file's path or {@code inline PEM}: for messages. */
  public String describe() {
    return file == null ? "inline PEM" : file.toString();
  }

  /** The bytes, or a {@link TlsException} naming the key and the file. */
  byte[] read() {
    if (inline != null) {
      return inline.getBytes(StandardCharsets.US_ASCII);
    }
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw fail("cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw fail("cannot read " + file + ": permission denied");
    } catch (IOException e) {
      String why = Files.isDirectory(file) ? "is a directory" : e.getMessage() == null ? e.toString() : e.getMessage();
      throw fail("cannot read " + file + ": " + why);
    }
  }

  /** An error about this source: {@code <key>: <message>}. */
  TlsException fail(String message) {
    return new TlsException(key + ": " + message);
  }

  TlsException fail(String message, Throwable cause) {
    return new TlsException(key + ": " + message, cause);
  }

  @Override
  public String toString() {
    return key + "=" + (file == null ? "<inline PEM>" : file.toString());
  }
}
