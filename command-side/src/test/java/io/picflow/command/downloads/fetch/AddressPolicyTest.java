package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which addresses a download may connect to, by table. */
class AddressPolicyTest {

    @ParameterizedTest(name = "{0} public: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # IPv4
            93.184.216.34                          | true
            8.8.8.8                                | true
            127.0.0.1                              | false
            10.1.2.3                               | false
            172.16.0.1                             | false
            192.168.1.1                            | false
            169.254.169.254                        | false
            0.0.0.0                                | false
            100.64.0.1                             | false
            192.0.2.1                              | false
            198.18.0.1                             | false
            224.0.0.1                              | false
            255.255.255.255                        | false
            # IPv6
            2606:4700::1111                        | true
            2a00:1450:4001::1                      | true
            ::1                                    | false
            ::                                     | false
            fc00::1                                | false
            fd12:3456::1                           | false
            fe80::1                                | false
            fec0::1                                | false
            ff02::1                                | false
            100::1                                 | false
            2001:db8::1                            | false
            3fff::1                                | false
            2001:2::1                              | false
            2001:10::1                             | false
            # IPv4-mapped and IPv4-compatible: judged by the IPv4 address they carry
            ::ffff:8.8.8.8                         | true
            ::ffff:127.0.0.1                       | false
            ::ffff:10.0.0.1                        | false
            ::ffff:169.254.169.254                 | false
            ::8.8.8.8                              | true
            ::127.0.0.1                            | false
            ::10.0.0.1                             | false
            # NAT64: the well-known prefix 64:ff9b::/96 carries an IPv4 address, the rest of 64:ff9b::/32 is local
            64:ff9b::808:808                       | true
            64:ff9b::7f00:1                        | false
            64:ff9b::a00:1                         | false
            64:ff9b::a9fe:a9fe                     | false
            64:ff9b:1::1                           | false
            64:ff9b:1::808:808                     | false
            64:ff9b:0:0:1::808:808                 | false
            # 6to4 carries an IPv4 address; Teredo is refused
            2002:808:808::1                        | true
            2002:7f00:1::                          | false
            2002:a00:1::1                          | false
            2001:0:4136:e378:8000:63bf:3fff:fdd2   | false
            2001::1                                | false
            """)
    void judges_the_address_and_any_ipv4_address_it_carries(String literal, boolean expected) throws Exception {
        InetAddress parsed = InetAddress.getByName(literal);
        assertThat(AddressPolicy.isPublic(parsed)).as(literal + " as " + parsed.getClass().getSimpleName()).isEqualTo(expected);
        if (literal.contains(":")) {
            // Java makes an Inet4Address of ::ffff:a.b.c.d when it parses text, but not when an address arrives
            // as 16 bytes (a DNS answer): the same address must get the same answer either way.
            InetAddress asIpv6 = Inet6Address.getByAddress(null, sixteenBytes(parsed), -1);
            assertThat(AddressPolicy.isPublic(asIpv6)).as(literal + " as Inet6Address").isEqualTo(expected);
        }
    }

    @Test
    void a_trailing_dot_does_not_hide_an_unusual_notation() {
        for (String odd : List.of("2130706433", "2130706433.", "0177.0.0.1", "0177.0.0.1.", "0x7f.0.0.1.", "127.1", "127.1.")) {
            assertThatThrownBy(() -> AddressPolicy.requireUsualNotation(odd)).as(odd).isInstanceOf(ForbiddenAddressException.class);
        }
        for (String usual : List.of("127.0.0.1", "127.0.0.1.", "example.com", "example.com.", "localhost.", "[::1]")) {
            assertThatCode(() -> AddressPolicy.requireUsualNotation(usual)).as(usual).doesNotThrowAnyException();
        }
        assertThat(AddressPolicy.withoutRootDot("localhost.")).isEqualTo("localhost");
        assertThat(AddressPolicy.withoutRootDot("127.0.0.1.")).isEqualTo("127.0.0.1");
        assertThat(AddressPolicy.withoutRootDot("example.com")).isEqualTo("example.com");
    }

    private static byte[] sixteenBytes(InetAddress address) {
        if (address instanceof Inet4Address) {
            byte[] v4 = address.getAddress();
            return new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, v4[0], v4[1], v4[2], v4[3]};
        }
        return address.getAddress();
    }
}
