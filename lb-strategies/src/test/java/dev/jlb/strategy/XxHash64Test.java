package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Reference values from two independent XXH64 implementations: {@code xxhsum -H1} (seed 0) and
 * the Python {@code xxhash} bindings of the reference C library (other seeds), over the UTF-8 bytes.
 */
class XxHash64Test {

    @Test
    void matchesTheReferenceImplementation() {
        assertThat(XxHash64.hash("", 0)).isEqualTo(0xef46db3751d8e999L);
        assertThat(XxHash64.hash("a", 0)).isEqualTo(0xd24ec4f1a98c6e5bL);
        assertThat(XxHash64.hash("abc", 0)).isEqualTo(0x44bc2cf5ad770999L);
        assertThat(XxHash64.hash("127.0.0.1:8081", 0)).isEqualTo(0x58bcf56d40da1324L);
        assertThat(XxHash64.hash("user-42", 0)).isEqualTo(0x397e9d3a76af7c81L);
        // 42 bytes: the 32-byte stripe loop, then an 8-byte and a 2-byte tail.
        assertThat(XxHash64.hash("0123456789abcdef0123456789abcdef0123456789", 0)).isEqualTo(0xa76190c3acf08a1cL);
    }

    @Test
    void matchesTheReferenceWithSeeds() {
        assertThat(XxHash64.hash("127.0.0.1:8081", 1)).isEqualTo(0x6bba4f97f0448631L);
        assertThat(XxHash64.hash("127.0.0.1:8081", 99)).isEqualTo(0xa21ba9b4f7fc6507L);
        assertThat(XxHash64.hash("abc", 12345)).isEqualTo(0x01700e64f6f23509L);
        assertThat(XxHash64.hash("0123456789abcdef0123456789abcdef0123456789", 7)).isEqualTo(0x9cdb6129259b938eL);
    }

    @Test
    void nonAsciiTextIsHashedAsUtf8() {
        assertThat(XxHash64.hash("héllo wörld ☃", 0)).isEqualTo(0xc6f31b61bcc7f364L);
        assertThat(XxHash64.hash("héllo wörld ☃", 3)).isEqualTo(0x511f6ddeac22450aL);
    }

    @Test
    void aRangeHashesLikeTheSubstring() {
        assertThat(XxHash64.hash("xxabcxx", 2, 5, 0)).isEqualTo(XxHash64.hash("abc", 0));
        assertThat(XxHash64.hash("[héllo wörld ☃]", 1, 14, 3)).isEqualTo(0x511f6ddeac22450aL);
        assertThat(XxHash64.hash(new StringBuilder("--abc"), 2, 5, 12345)).isEqualTo(0x01700e64f6f23509L);
    }
}
