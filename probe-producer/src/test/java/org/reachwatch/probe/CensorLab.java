package org.reachwatch.probe;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Local censorship on loopback, for tests only: a DNS server that forges or denies answers, TCP
 * servers that reset or black-hole, a DPI box that resets TLS after a ClientHello with a given SNI,
 * HTTP servers that serve a blockpage or trickle the body, and servers that pace the handshake, the first
 * byte and the body to known delays and rates. Nothing here touches the internet.
 */
final class CensorLab implements Closeable {
    static final char[] PASSWORD = "changeit".toCharArray();

    private final List<Closeable> resources = new ArrayList<>();
    private final List<Socket> held = new ArrayList<>();

    /** A UDP DNS server: names in {@code answers} get those A records, names in {@code silent} get no reply, others NXDOMAIN. */
    int dns(Map<String, String> answers, Set<String> silent) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        resources.add(socket);
        daemon("fake-dns", () -> {
            byte[] buf = new byte[1500];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buf, buf.length);
                    socket.receive(packet);
                    Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                    Record question = query.getQuestion();
                    String name = question.getName().toString(true).toLowerCase(Locale.ROOT);
                    if (silent.contains(name)) {
                        continue;
                    }
                    Message reply = new Message(query.getHeader().getID());
                    reply.getHeader().setFlag(Flags.QR);
                    reply.getHeader().setFlag(Flags.RA);
                    reply.addRecord(question, Section.QUESTION);
                    String ip = answers.get(name);
                    if (ip == null) {
                        reply.getHeader().setRcode(Rcode.NXDOMAIN);
                    } else if (question.getType() == Type.A) {
                        reply.addRecord(new ARecord(question.getName(), DClass.IN, 60, InetAddress.getByName(ip)), Section.ANSWER);
                    }
                    byte[] out = reply.toWire();
                    socket.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
                } catch (IOException e) {
                    // socket closed at the end of the test
                }
            }
        });
        return socket.getLocalPort();
    }

    /** A port on which nothing listens (connect is refused). */
    int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A listener whose accept queue is full and never drained: further SYNs are dropped by the
     * kernel, so connect() times out (a black hole at the TCP layer).
     */
    int tcpBlackHole() throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(server);
        for (int i = 0; i < 8; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(server.getLocalSocketAddress(), 200);
                held.add(filler);
            } catch (IOException e) {
                filler.close();
                break; // queue already full
            }
        }
        return server.getLocalPort();
    }

    /** Accepts connections and handles each on its own thread. */
    int server(ServerSocket server, Consumer<Socket> handler) {
        resources.add(server);
        daemon("lab-accept", () -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (held) {
                        held.add(s);
                    }
                    daemon("lab-conn", () -> handler.accept(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    int tcp(Consumer<Socket> handler) throws IOException {
        return server(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), handler);
    }

    /** Accepts and never answers (a black hole after the TCP handshake). */
    int acceptAndStaySilent() throws IOException {
        return tcp(s -> { });
    }

    /** Reads the HTTP request, then resets the connection (SO_LINGER 0). */
    int resetAfterRequest() throws IOException {
        return tcp(s -> {
            try {
                readRequest(s.getInputStream());
                reset(s);
            } catch (IOException e) {
                // client gone
            }
        });
    }

    /** Serves {@code body} with status 200 to every request, {@code chunk} bytes at a time with {@code pauseMillis} between chunks. */
    static Consumer<Socket> httpResponder(byte[] body, int chunk, long pauseMillis) {
        return s -> {
            try (s) {
                readRequest(s.getInputStream());
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                for (int off = 0; off < body.length; off += chunk) {
                    out.write(body, off, Math.min(chunk, body.length - off));
                    out.flush();
                    if (pauseMillis > 0) {
                        // the emulated throttling itself (server side), not a wait in the test
                        TimeUnit.MILLISECONDS.sleep(pauseMillis);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // client stopped reading (size limit) or test over
            }
        };
    }

    /**
     * How {@link #paced} answers: it waits {@code handshakeDelayMillis} before reading anything (on TLS
     * the handshake happens at that first read, so the client's handshake takes at least this long),
     * reads the request, waits {@code firstByteDelayMillis} (the server's think time), sends the headers
     * for a body of {@code bodyLength} bytes and then the body, {@code chunk} bytes at a time, chunk
     * {@code i} at {@code i * intervalMillis} after the first (paced against the clock, so a late wake-up
     * does not slow the rest: the rate is exactly chunk per interval).
     */
    record Pace(long handshakeDelayMillis, long firstByteDelayMillis, long bodyLength, int chunk, long intervalMillis) {
    }

    /** What a {@link #paced} server wrote on its last connection, known once {@link #done} counts down. */
    static final class Served {
        final java.util.concurrent.atomic.AtomicLong bodyBytesWritten = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    }

    static Consumer<Socket> pacedResponder(Pace pace, Served served) {
        return s -> {
            try (s) {
                TimeUnit.MILLISECONDS.sleep(pace.handshakeDelayMillis()); // the emulated network, server side
                readRequest(s.getInputStream());
                TimeUnit.MILLISECONDS.sleep(pace.firstByteDelayMillis());
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + pace.bodyLength()
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                byte[] chunk = new byte[pace.chunk()];
                java.util.Arrays.fill(chunk, (byte) 'a');
                long start = System.nanoTime();
                long sent = 0;
                for (long i = 0; sent < pace.bodyLength(); i++) {
                    long wait = start + TimeUnit.MILLISECONDS.toNanos(i * pace.intervalMillis()) - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    int n = (int) Math.min(chunk.length, pace.bodyLength() - sent);
                    out.write(chunk, 0, n);
                    out.flush();
                    sent += n;
                    served.bodyBytesWritten.set(sent);
                }
            } catch (IOException | InterruptedException e) {
                // the client stopped reading (its download bound) or the test is over
            } finally {
                served.done.countDown();
            }
        };
    }

    /** Plain HTTP server answering as {@code pace} says. */
    int paced(Pace pace, Served served) throws IOException {
        return tcp(pacedResponder(pace, served));
    }

    /** HTTPS server with {@code serverContext}'s certificate answering as {@code pace} says. */
    int pacedHttps(SSLContext serverContext, Pace pace, Served served) throws IOException {
        SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return server(server, pacedResponder(pace, served));
    }

    int http(byte[] body, int chunk, long pauseMillis) throws IOException {
        return tcp(httpResponder(body, chunk, pauseMillis));
    }

    /** HTTPS server with {@code serverContext}'s certificate, serving {@code body}. */
    int https(SSLContext serverContext, byte[] body) throws IOException {
        SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return server(server, httpResponder(body, 16 * 1024, 0));
    }

    /**
     * A DPI box in front of {@code backendPort}: reads the TLS ClientHello, resets the connection
     * when its SNI is {@code blockedSni}, and otherwise relays both ways to the backend.
     */
    int sniResetter(String blockedSni, int backendPort) throws IOException {
        return tcp(client -> {
            try {
                InputStream in = client.getInputStream();
                byte[] header = in.readNBytes(5);
                int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                byte[] hello = in.readNBytes(length);
                if (blockedSni.equals(sni(hello))) {
                    reset(client);
                    return;
                }
                Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort);
                synchronized (held) {
                    held.add(backend);
                }
                backend.getOutputStream().write(header);
                backend.getOutputStream().write(hello);
                daemon("relay-up", () -> pipe(in, backend));
                pipe(backend.getInputStream(), client);
            } catch (IOException e) {
                // either side closed
            }
        });
    }

    /** The server_name in a ClientHello handshake message, or null. */
    static String sni(byte[] hs) {
        int p = 4 + 2 + 32;                               // handshake header, version, random
        p += 1 + (hs[p] & 0xff);                          // session id
        p += 2 + (((hs[p] & 0xff) << 8) | (hs[p + 1] & 0xff)); // cipher suites
        p += 1 + (hs[p] & 0xff);                          // compression methods
        int end = p + 2 + (((hs[p] & 0xff) << 8) | (hs[p + 1] & 0xff));
        p += 2;
        while (p + 4 <= end) {
            int type = ((hs[p] & 0xff) << 8) | (hs[p + 1] & 0xff);
            int len = ((hs[p + 2] & 0xff) << 8) | (hs[p + 3] & 0xff);
            if (type == 0) {                              // server_name: list len(2), type(1), name len(2), name
                int nameLen = ((hs[p + 7] & 0xff) << 8) | (hs[p + 8] & 0xff);
                return new String(hs, p + 9, nameLen, StandardCharsets.US_ASCII);
            }
            p += 4 + len;
        }
        return null;
    }

    private static void pipe(InputStream in, Socket to) {
        try {
            in.transferTo(to.getOutputStream());
        } catch (IOException e) {
            // one side closed
        }
    }

    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    static void readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            seen.write(c);
            byte[] b = seen.toByteArray();
            int n = b.length;
            if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                return;
            }
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** A self-signed certificate for {@code names}, made with the JDK's keytool, as a PKCS12 key store. */
    static KeyStore selfSigned(Path dir, String... names) throws IOException, InterruptedException {
        Path ks = dir.resolve("lab-" + names[0] + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        StringBuilder san = new StringBuilder("SAN=");
        for (int i = 0; i < names.length; i++) {
            san.append(i == 0 ? "" : ",").append("dns:").append(names[i]);
        }
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "lab", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + names[0], "-ext", san.toString(), "-validity", "3650", "-keystore", ks.toString(),
                "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        try (InputStream in = Files.newInputStream(ks)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD);
            return store;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    static SSLContext serverContext(KeyStore store) throws java.security.GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static SSLContext trusting(KeyStore store) throws java.security.GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Override
    public void close() {
        synchronized (held) {
            for (Socket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
        for (Closeable c : resources) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
