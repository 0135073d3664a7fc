package io.picflow.command.downloads.fetch;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Which addresses a download may connect to. By default only public unicast addresses: a service
 * that fetches arbitrary URLs must not become a proxy into private networks (SSRF).
 */
@FunctionalInterface
public interface AddressPolicy {

    boolean allows(InetAddress address);

    /** Public unicast only; refuses loopback, private, link-local, multicast and other special-purpose ranges. */
    static AddressPolicy publicOnly() {
        return AddressPolicy::isPublic;
    }

    /** Any address: for tests and on-premise use ({@code picflow.downloads.allow-private-addresses=true}). */
    static AddressPolicy any() {
        return address -> true;
    }

    /** The policy the settings ask for: {@link #publicOnly()} unless private addresses are allowed. */
    static AddressPolicy configured(DownloadsProperties properties) {
        return properties.allowPrivateAddresses() ? any() : publicOnly();
    }

    static boolean isPublic(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? isPublicV4(b) : isPublicV6(b);
    }

    /**
     * IPv6 forms that carry an IPv4 address are judged by that address, whether Java made an
     * {@link Inet4Address} of it or not (a DNS answer or {@code Inet6Address.getByAddress} keeps
     * {@code ::ffff:10.0.0.1} as IPv6): IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible
     * {@code ::/96} (deprecated; {@code ::} and {@code ::1} fall in it and are refused as 0.0.0.0/8),
     * NAT64's well-known prefix {@code 64:ff9b::/96} and 6to4 {@code 2002::/16} (its relay reaches the
     * embedded address). Everything else must be global unicast {@code 2000::/3} outside the
     * special-purpose blocks. Teredo ({@code 2001::/32}) is refused, not decoded: its client address
     * is obfuscated and its server address is a relay's, neither says where the packets end up.
     */
    private static boolean isPublicV6(byte[] b) {
        if (zeros(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return isPublicV4(last32Bits(b)); // ::ffff:a.b.c.d IPv4-mapped
        }
        if (zeros(b, 0, 12)) {
            return isPublicV4(last32Bits(b)); // ::a.b.c.d IPv4-compatible, with :: and ::1
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            // 64:ff9b::/96 is the NAT64 well-known prefix, the rest of 64:ff9b::/32 is not (64:ff9b:1::/48 is
            // for local NAT64 use, RFC 8215): whatever a local translator does with it, it is not public.
            return zeros(b, 4, 12) && isPublicV4(last32Bits(b));
        }
        if (first == 0x20 && second == 0x02) {
            return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 2002:a.b.c.d::/48 6to4
        }
        if (first == 0x20 && second == 0x01 && (b[2] & 0xfe) == 0) {
            return false; // 2001::/23 IETF protocol assignments: Teredo, benchmarking, ORCHID, ...
        }
        if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return false; // 2001:db8::/32 documentation
        }
        if (first == 0x3f && (second & 0xf0) == 0xf0) {
            return false; // 3fff::/20 documentation (RFC 9637)
        }
        // Global unicast is 2000::/3. Outside it: unique local fc00::/7, link-local fe80::/10, the deprecated
        // site-local fec0::/10, multicast ff00::/8, discard-only 100::/64, SRv6 5f00::/16, unassigned space.
        return (first & 0xe0) == 0x20;
    }

    private static boolean zeros(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] last32Bits(byte[] b) {
        return new byte[] {b[12], b[13], b[14], b[15]};
    }

    private static boolean isPublicV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        return !(a0 == 0                                   // 0.0.0.0/8 "this network"
                || a0 == 10                                // 10/8 private
                || a0 == 127                               // loopback
                || (a0 == 100 && a1 >= 64 && a1 <= 127)    // 100.64/10 carrier-grade NAT
                || (a0 == 169 && a1 == 254)                // link-local, cloud metadata (169.254.169.254)
                || (a0 == 172 && a1 >= 16 && a1 <= 31)     // 172.16/12 private
                || (a0 == 192 && a1 == 0 && a2 == 0)       // 192.0.0/24 IETF protocol assignments
                || (a0 == 192 && a1 == 0 && a2 == 2)       // TEST-NET-1
                || (a0 == 192 && a1 == 88 && a2 == 99)     // 6to4 relay anycast
                || (a0 == 192 && a1 == 168)                // 192.168/16 private
                || (a0 == 198 && (a1 == 18 || a1 == 19))   // benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100)    // TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113)     // TEST-NET-3
                || a0 >= 224);                             // multicast, reserved, broadcast
    }

    /**
     * Refuses hosts written as IP literals in unusual notations (decimal {@code 2130706433}, octal
     * {@code 0177.0.0.1}, hex {@code 0x7f.1}, shortened {@code 127.1}): resolvers disagree on what
     * they mean, which is how filters get bypassed. A trailing dot (DNS's root) changes nothing:
     * {@code 2130706433.} is refused like {@code 2130706433}.
     */
    static void requireUsualNotation(String host) throws ForbiddenAddressException {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : withoutRootDot(host);
        if (h.contains(":")) {
            return; // IPv6 literal: one canonical meaning, checked by address
        }
        // Only digits and 0x-prefixed hex, dot-separated: an IP literal, which must be a plain dotted quad.
        boolean numeric = h.matches("(?i)(0x[0-9a-f]*|[0-9]+)(\\.(0x[0-9a-f]*|[0-9]+))*");
        boolean dottedQuad = h.matches("(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
        if (numeric && !dottedQuad) {
            throw new ForbiddenAddressException("IP address in an unusual notation: " + host);
        }
    }

    /**
     * The host without the trailing dot of a fully qualified name ({@code localhost.}, {@code 127.0.0.1.}):
     * the same host, in the form that address parsers and {@code /etc/hosts} understand. One dot only:
     * {@code a..} stays what it is, no host.
     */
    static String withoutRootDot(String host) {
        return host.endsWith(".") && host.length() > 1 ? host.substring(0, host.length() - 1) : host;
    }
}
