package dev.traceyard.store.http;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;

/**
 * The web UI: static ES modules and CSS from the classpath, served at {@code /}. Client-side routes
 * ({@code /trace/<id>}, {@code /search?...}, {@code /map}...) fall back to {@code index.html}, so a
 * shared link opens the right page. The API routes are more specific and keep priority.
 */
public final class WebUi {
  static final String ROOT = "dev/traceyard/store/ui";

  private WebUi() {}

  public static void register(ServerBuilder sb) {
    ClassLoader cl = WebUi.class.getClassLoader();
    HttpService index = HttpFile.builder(cl, ROOT + "/index.html")
        .contentType(MediaType.HTML_UTF_8)
        // index.html names the current modules; never let a browser keep a stale copy.
        .setHeader(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .build()
        .asService();
    FileService files = FileService.builder(cl, ROOT)
        .serveCompressedFiles(false)
        .cacheControl("no-cache")
        .build();
    sb.serviceUnder("/", files.orElse(index));
  }
}
