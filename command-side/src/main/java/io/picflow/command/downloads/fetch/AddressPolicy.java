package io.picflow.command.downloads.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
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

    static boolean isPublic(InetAddress address) {
        if (address instanceof Inet4Address) {
            return isPublicV4(address.getAddress());
        }
        byte[] b = address.getAddress();
        Inet6Address v6 = (Inet6Address) address;
        if (v6.isIPv4CompatibleAddress()) {
            return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
        }
        if (v6.isAnyLocalAddress() || v6.isLoopbackAddress() || v6.isLinkLocalAddress() || v6.isSiteLocalAddress()
                || v6.isMulticastAddress()) {
            return false;
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if ((first & 0xfe) == 0xfc) {
            return false; // fc00::/7 unique local
        }
        if (first == 0x20 && second == 0x01 && b[2] == 0 && b[3] == 0) {
            return false; // 2001::/32 Teredo
        }
        if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return false; // 2001:db8::/32 documentation
        }
        if (first == 0x20 && second == 0x02) {
            return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 2002::/16 6to4 embeds an IPv4 address
        }
        if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // 64:ff9b::/96 NAT64
        }
        if (first == 0 && second == 0) {
            // ::/16 holds the unspecified, loopback, IPv4-mapped and IPv4-compatible forms: none public.
            return false;
        }
        return (first & 0xe0) == 0x20; // global unicast is 2000::/3
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
     * they mean, which is how filters get bypassed.
     */
    static void requireUsualNotation(String host) throws ForbiddenAddressException {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
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
}
