package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CIDR ranges of {@code trusted_proxies} and the walk of a forwarded chain (issue 10, point 11). */
class TrustedProxiesTest {

    private static TrustedProxies of(String... cidrs) {
        return TrustedProxies.of(List.of(cidrs));
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    @Test
    void ipv4RangesMatchByPrefix() throws Exception {
        TrustedProxies t = of("10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32");
        assertThat(t.contains(ip("10.0.0.1"))).isTrue();
        assertThat(t.contains(ip("10.255.255.255"))).isTrue();
        assertThat(t.contains(ip("11.0.0.0"))).isFalse();
        assertThat(t.contains(ip("9.255.255.255"))).isFalse();
        assertThat(t.contains(ip("192.168.1.200"))).isTrue();
        assertThat(t.contains(ip("192.168.2.1"))).isFalse();
        assertThat(t.contains(ip("203.0.113.7"))).isTrue();
        assertThat(t.contains(ip("203.0.113.8"))).isFalse();
        assertThat(t.trusts("10.1.2.3")).isTrue();
        assertThat(t.trusts("10.1.2.3:8080")).isTrue();
        assertThat(t.trusts("12.1.2.3")).isFalse();
    }

    @Test
    void ipv6RangesMatchByPrefix() throws Exception {
        TrustedProxies t = of("fd00::/8", "2001:db8:1::/48", "::1/128");
        assertThat(t.contains(ip("fd12:3456::1"))).isTrue();
        assertThat(t.contains(ip("fe00::1"))).isFalse();
        assertThat(t.contains(ip("2001:db8:1:ffff::1"))).isTrue();
        assertThat(t.contains(ip("2001:db8:2::1"))).isFalse();
        assertThat(t.contains(ip("::1"))).isTrue();
        assertThat(t.contains(ip("::2"))).isFalse();
        assertThat(t.trusts("[::1]")).isTrue();
        assertThat(t.trusts("[0:0:0:0:0:0:0:1]")).as("Jetty's form of the peer").isTrue();
        assertThat(t.trusts("[::1]:443")).isTrue();
        assertThat(t.trusts("fe80::1%eth0")).isFalse();
        assertThat(t.contains(ip("10.0.0.1"))).as("an IPv4 address is never in an IPv6 range").isFalse();
    }

    @Test
    void aPrefixAcrossTheMiddleOfIpv6Works() throws Exception {
        TrustedProxies t = of("2001:db8::8000:0:0:0/65");
        assertThat(t.contains(ip("2001:db8::8000:0:0:1"))).isTrue();
        assertThat(t.contains(ip("2001:db8::7fff:0:0:1"))).isFalse();
    }

    @Test
    void ipv4MappedAddressesAreTheirIpv4Address() throws Exception {
        TrustedProxies v4 = of("10.0.0.0/8");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        assertThat(v4.contains(mapped)).isTrue();
        mapped[12] = 11;
        assertThat(v4.contains(mapped)).isFalse();
        assertThat(v4.trusts("::ffff:10.1.2.3")).isTrue();
        assertThat(v4.trusts("[::ffff:10.1.2.3]")).isTrue();
        assertThat(v4.trusts("::ffff:0a01:0203")).isTrue();
        assertThat(v4.trusts("::ffff:11.1.2.3")).isFalse();
        // an IPv4-mapped range is the IPv4 range it maps
        TrustedProxies mappedRange = of("::ffff:10.0.0.0/104");
        assertThat(mappedRange.contains(ip("10.9.9.9"))).isTrue();
        assertThat(mappedRange.contains(ip("11.9.9.9"))).isFalse();
    }

    @Test
    void prefixZeroMatchesItsWholeFamilyAndFullPrefixesOneHost() throws Exception {
        TrustedProxies all4 = of("0.0.0.0/0");
        assertThat(all4.contains(ip("1.2.3.4"))).isTrue();
        assertThat(all4.contains(ip("255.255.255.255"))).isTrue();
        assertThat(all4.contains(ip("::1"))).isFalse();
        TrustedProxies all6 = of("::/0");
        assertThat(all6.contains(ip("2001:db8::1"))).isTrue();
        assertThat(all6.contains(ip("::"))).isTrue();
        assertThat(all6.contains(ip("1.2.3.4"))).as("::/0 holds IPv6 only").isFalse();
        TrustedProxies host4 = of("127.0.0.1/32");
        assertThat(host4.contains(ip("127.0.0.1"))).isTrue();
        assertThat(host4.contains(ip("127.0.0.2"))).isFalse();
        TrustedProxies host6 = of("2001:db8::1/128");
        assertThat(host6.contains(ip("2001:db8::1"))).isTrue();
        assertThat(host6.contains(ip("2001:db8::"))).isFalse();
        TrustedProxies bare = of("127.0.0.1", "::1");
        assertThat(bare.contains(ip("127.0.0.1"))).isTrue();
        assertThat(bare.contains(ip("127.0.0.2"))).isFalse();
        assertThat(bare.contains(ip("::1"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0/8",
        "10.0.0.256/32", "010.0.0.0/8", "10.0.0.0.0/8", "localhost", "example.com/24", "fd00:::/8",
        "1:2:3:4:5:6:7:8:9/128", "[::1]/128", "fe80::1%eth0/128", "::1/12x", "10.0.0.0/8/8", "a.b.c.d/8",
        "1::2::3/128", "12345::/16", "::ffff:1.2.3/120"})
    void badRangesAreRefusedWithTheValue(String cidr) {
        assertThatThrownBy(() -> of(cidr)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trustedProxies: " + cidr + " (expected: a CIDR such as 10.0.0.0/8 or fd00::/8)");
    }

    @Test
    void addressBitsPastThePrefixAreRefused() {
        assertThatThrownBy(() -> of("10.0.0.1/8")).hasMessage(
                "trustedProxies: 10.0.0.1/8 (expected: no address bits set past the prefix, such as 10.0.0.0/8)");
        assertThatThrownBy(() -> of("fd00::1/8")).hasMessage(
                "trustedProxies: fd00::1/8 (expected: no address bits set past the prefix, such as fd00::/8)");
    }

    @Test
    void emptyAndNullValuesAreRefused() {
        assertThatThrownBy(() -> of(" ")).hasMessage(
                "trustedProxies: \" \" (expected: a CIDR such as 10.0.0.0/8 or fd00::/8)");
        assertThatThrownBy(() -> TrustedProxies.of(Arrays.asList("10.0.0.0/8", null))).hasMessage(
                "trustedProxies: null (expected: a CIDR such as 10.0.0.0/8 or fd00::/8)");
    }

    @Test
    void literalsParseAsTheJdkParsesThem() throws Exception {
        for (String literal : List.of("0.0.0.0", "255.255.255.255", "1.2.3.4", "::", "::1", "1::", "fe80::1:2",
                "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
                "::ffff:1.2.3.4", "64:ff9b::192.0.2.33", "FD00:ABCD::EF")) {
            byte[] ours = TrustedProxies.parseLiteral(literal, 0, literal.length());
            byte[] jdk = InetAddress.getByName(literal).getAddress();
            if (ours != null && ours.length == 16 && jdk.length == 4) {
                assertThat(Arrays.copyOfRange(ours, 12, 16)).as(literal).isEqualTo(jdk); // the JDK unmaps
            } else {
                assertThat(ours).as(literal).isEqualTo(jdk);
            }
        }
        for (String bad : List.of("", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.04", ":", ":::", "1:2",
                "1:2:3:4:5:6:7:8:9", "::1::", "1:::2", "g::1", "12345::1", "1:2:3:4:5:6:7:1.2.3.4", "host")) {
            assertThat(TrustedProxies.parseLiteral(bad, 0, bad.length())).as(bad).isNull();
        }
    }

    @Test
    void theClientIsTheRightMostUntrustedAddressOfTheChain() {
        TrustedProxies t = of("10.0.0.0/8", "::1/128");
        // the peer is not trusted: what it forwarded is ignored
        assertThat(t.clientAddress("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
        // a trusted peer vouches for the hop to its left, and each trusted hop for the next
        assertThat(t.clientAddress("10.0.0.1", "1.2.3.4")).isEqualTo("1.2.3.4");
        assertThat(t.clientAddress("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.7")).isEqualTo("1.2.3.4");
        assertThat(t.clientAddress("[::1]", "1.2.3.4,10.0.0.7 ,  10.0.0.8")).isEqualTo("1.2.3.4");
        // ports and brackets are removed
        assertThat(t.clientAddress("10.0.0.1", "1.2.3.4:5678")).isEqualTo("1.2.3.4");
        assertThat(t.clientAddress("10.0.0.1", "[2001:db8::1]:443")).isEqualTo("2001:db8::1");
        // every hop trusted: the left-most one
        assertThat(t.clientAddress("10.0.0.1", "10.0.0.9, 10.0.0.8")).isEqualTo("10.0.0.9");
        // an entry that is not an address ends the walk at the last trusted hop
        assertThat(t.clientAddress("10.0.0.1", "1.2.3.4, unknown, 10.0.0.8")).isEqualTo("10.0.0.8");
        assertThat(t.clientAddress("10.0.0.1", "evil")).isEqualTo("10.0.0.1");
        // empty elements are skipped; no header, or an empty one: the peer
        assertThat(t.clientAddress("10.0.0.1", "1.2.3.4, , 10.0.0.8,")).isEqualTo("1.2.3.4");
        assertThat(t.clientAddress("10.0.0.1", null)).isEqualTo("10.0.0.1");
        assertThat(t.clientAddress("10.0.0.1", " ")).isEqualTo("10.0.0.1");
        assertThat(t.clientAddress(null, "1.2.3.4")).isNull();
    }

    @Test
    void noRangeTrustsNoOne() throws Exception {
        TrustedProxies none = TrustedProxies.of(List.of());
        assertThat(none).isSameAs(TrustedProxies.NONE);
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.contains(ip("127.0.0.1"))).isFalse();
        assertThat(none.trusts("127.0.0.1")).isFalse();
        assertThat(none.clientAddress("127.0.0.1", "1.2.3.4")).isEqualTo("127.0.0.1");
    }
}
