package org.reachwatch.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** Resolves a host name: system resolver, or a given DNS server through dnsjava. Failures come back classified. */
public interface DnsLookup {
    /** Answers (IPv4 first) or a df-007 failure; exactly one of them is meaningful. */
    record Result(List<InetAddress> addresses, String failure) {
    }

    Result resolve(String host);

    /** Label recorded in {@code resolver}: "system" or the server address. */
    String label();

    static DnsLookup forSpec(String resolver, Duration timeout) {
        return resolver == null || resolver.isBlank() || resolver.equals("system") ? new SystemLookup(timeout)
                : new DnsjavaLookup(resolver, timeout);
    }

    /** {@link InetAddress#getAllByName} bounded by a timeout (the JDK's own cannot be set). */
    final class SystemLookup implements DnsLookup {
        private final Duration timeout;

        SystemLookup(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public Result resolve(String host) {
            CompletableFuture<InetAddress[]> lookup = CompletableFuture.supplyAsync(() -> {
                try {
                    return InetAddress.getAllByName(host);
                } catch (UnknownHostException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try {
                InetAddress[] all = lookup.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return new Result(ipv4First(List.of(all)), null);
            } catch (java.util.concurrent.TimeoutException e) {
                return new Result(List.of(), FailureClassifier.GENERIC_TIMEOUT);
            } catch (ExecutionException e) {
                return new Result(List.of(), FailureClassifier.classify(e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(List.of(), FailureClassifier.GENERIC_TIMEOUT);
            }
        }

        @Override
        public String label() {
            return "system";
        }
    }

    /** A then AAAA queries to one DNS server (UDP, TCP on truncation), no cache, no search path. */
    final class DnsjavaLookup implements DnsLookup {
        private final String label;
        private final SimpleResolver resolver;

        DnsjavaLookup(String spec, Duration timeout) {
            String host = spec;
            int port = 53;
            int colon = spec.lastIndexOf(':');
            if (colon > 0 && spec.indexOf(':') == colon) {
                host = spec.substring(0, colon);
                port = Integer.parseInt(spec.substring(colon + 1));
            }
            this.resolver = new SimpleResolver(new InetSocketAddress(host, port));
            this.resolver.setTimeout(timeout);
            this.label = host + ":" + port;
        }

        @Override
        public Result resolve(String host) {
            Name name;
            try {
                name = Name.fromString(host.endsWith(".") ? host : host + ".");
            } catch (TextParseException e) {
                return new Result(List.of(), FailureClassifier.DNS_NXDOMAIN);
            }
            List<InetAddress> out = new ArrayList<>();
            String failure = null;
            for (int type : new int[] {Type.A, Type.AAAA}) {
                Message reply;
                try {
                    reply = resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
                } catch (IOException e) {
                    failure = failure == null ? FailureClassifier.classify(e) : failure;
                    if (type == Type.A) {
                        break; // a timeout or refusal on A is the answer; no need to wait again for AAAA
                    }
                    continue;
                }
                String rcodeFailure = FailureClassifier.classifyRcode(reply.getRcode());
                if (rcodeFailure != null) {
                    failure = failure == null ? rcodeFailure : failure;
                    if (type == Type.A) {
                        break;
                    }
                    continue;
                }
                for (Record r : reply.getSection(Section.ANSWER)) {
                    if (r instanceof ARecord a) {
                        out.add(a.getAddress());
                    } else if (r instanceof AAAARecord a) {
                        out.add(a.getAddress());
                    }
                }
            }
            return out.isEmpty() ? new Result(List.of(), failure == null ? FailureClassifier.DNS_NO_ANSWER : failure)
                    : new Result(out, null);
        }

        @Override
        public String label() {
            return label;
        }
    }

    private static List<InetAddress> ipv4First(List<InetAddress> all) {
        List<InetAddress> out = new ArrayList<>(all);
        out.sort((a, b) -> Boolean.compare(a instanceof java.net.Inet6Address, b instanceof java.net.Inet6Address));
        return out;
    }
}
