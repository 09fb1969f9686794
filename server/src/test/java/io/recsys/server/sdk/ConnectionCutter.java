package io.recsys.server.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a server that can sever every connection through it, as a
 * network fault or a load balancer restart would: tests point an SDK at {@link #port()} and check
 * that its feedback helper reconnects and resends exactly what was not acknowledged. The cut is
 * an abrupt close of both sockets, mid-frame if need be; new connections are accepted at once.
 */
public final class ConnectionCutter implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicLong clientBytesSinceCut = new AtomicLong();
  private final AtomicInteger cuts = new AtomicInteger();
  private volatile long cutEveryClientBytes = Long.MAX_VALUE;
  private volatile int cutsLeft;
  private volatile boolean closed;

  private ConnectionCutter(ServerSocket listener, int targetPort) {
    this.listener = listener;
    this.targetPort = targetPort;
  }

  /** Listens on a free port of 127.0.0.1 and forwards every connection to {@code 127.0.0.1:targetPort}. */
  public static ConnectionCutter start(int targetPort) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    ConnectionCutter cutter = new ConnectionCutter(listener, targetPort);
    Thread acceptor = new Thread(cutter::acceptLoop, "cutter-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return cutter;
  }

  /** Where clients connect. */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * Cuts every connection each time clients have sent {@code bytes} more bytes towards the server,
   * {@code times} times in all (then forwards untouched).
   */
  public void cutEvery(long bytes, int times) {
    clientBytesSinceCut.set(0);
    cutsLeft = times;
    cutEveryClientBytes = bytes;
  }

  /** Severs every open connection now. */
  public void cutAll() {
    cuts.incrementAndGet();
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    open.clear();
  }

  /** How many times every connection was cut. */
  public int cuts() {
    return cuts.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        open.add(client);
        open.add(server);
        pump(client, server, true);
        pump(server, client, false);
      } catch (IOException e) {
        if (!closed) {
          // A failed connect to the target: the client sees its connection drop, as it would.
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean towardsServer) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, read);
                  out.flush();
                  if (towardsServer) {
                    countTowardsCut(read);
                  }
                }
              } catch (IOException e) {
                // The other side, or a cut, closed the connection.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
              }
            },
            towardsServer ? "cutter-up" : "cutter-down");
    thread.setDaemon(true);
    thread.start();
  }

  private void countTowardsCut(int bytes) {
    if (cutsLeft > 0 && clientBytesSinceCut.addAndGet(bytes) >= cutEveryClientBytes) {
      synchronized (this) {
        if (cutsLeft > 0 && clientBytesSinceCut.get() >= cutEveryClientBytes) {
          clientBytesSinceCut.set(0);
          cutsLeft--;
          cutAll();
        }
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    cutAll();
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
