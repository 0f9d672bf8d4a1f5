package io.lckv.engine.text;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Run in a fresh JVM by {@link HfTokenizerOfflineTest}: records every connection Java's networking
 * is asked to make (HTTP and plain sockets both consult the default ProxySelector) while loading
 * a tokenizer, then prints what it saw. Argument 2, when present, is a URL to open afterwards, to
 * prove the recorder sees connections at all.
 */
public final class OfflineLoadProbe {

  public static void main(String[] args) throws IOException {
    List<URI> attempts = Collections.synchronizedList(new ArrayList<>());
    ProxySelector.setDefault(
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            attempts.add(uri);
            return List.of(Proxy.NO_PROXY);
          }

          @Override
          public void connectFailed(URI uri, SocketAddress address, IOException e) {}
        });
    try (var tokenizer = HfTokenizer.load(Path.of(args[0]))) {
      System.out.println("decoded=" + tokenizer.decode(tokenizer.encode("café €", false)));
    } catch (IllegalStateException e) {
      System.out.println("refused=" + e.getMessage());
    }
    System.out.println("attempts while loading=" + List.copyOf(attempts));
    if (args.length > 1) {
      var connection = new URL(args[1]).openConnection();
      connection.setConnectTimeout(500);
      try {
        connection.connect();
      } catch (IOException expected) {
        // nothing listens there; only the attempt matters
      }
      System.out.println("attempts in all=" + List.copyOf(attempts));
    }
  }
}
