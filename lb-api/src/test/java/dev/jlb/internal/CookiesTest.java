package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CookiesTest {

    private static String first(String header, String name) {
        int v = Cookies.find(header, name, 0);
        return v < 0 ? null : Cookies.value(header, v);
    }

    private static List<String> all(String header, String name) {
        List<String> values = new ArrayList<>();
        for (int v = Cookies.find(header, name, 0); v >= 0; v = Cookies.find(header, name, Cookies.pairEnd(header, v) + 1)) {
            values.add(Cookies.value(header, v));
        }
        return values;
    }

    @Test
    void findsACookieByItsExactName() {
        assertThat(first("SESSION=xyz; ID=42; theme=dark", "ID")).isEqualTo("42");
        assertThat(first("SESSION=xyz;ID=42", "ID")).isEqualTo("42");
        assertThat(first("  ID = \"42\"  ", "ID")).as("blanks and quotes").isEqualTo("42");
        assertThat(first("ID=\t42\t", "ID")).as("tabs are blanks").isEqualTo("42");
        assertThat(first("ID=\"\"", "ID")).as("quotes around nothing").isEmpty();
        assertThat(first("ID=\"", "ID")).as("a lone quote stays").isEqualTo("\"");
        assertThat(first("ID=a=b", "ID")).as("the value runs to the ;").isEqualTo("a=b");
        assertThat(first("ID=", "ID")).isEmpty();
        assertThat(first("a=1;;; ID=7;", "ID")).isEqualTo("7");
    }

    @Test
    void otherNamesAndMalformedPairsAreSkipped() {
        assertThat(first("id=42", "ID")).as("names are case-sensitive").isNull();
        assertThat(first("XID=42", "ID")).isNull();
        assertThat(first("IDX=42", "ID")).isNull();
        assertThat(first("ID", "ID")).as("no =").isNull();
        assertThat(first("ID ; ID=2", "ID")).isEqualTo("2");
        assertThat(first("", "ID")).isNull();
    }

    @Test
    void everyCookieOfOneNameCanBeVisited() {
        assertThat(all("ID=1; a=2; ID=\"3\" ;ID=4", "ID")).containsExactly("1", "3", "4");
        assertThat(all("a=2", "ID")).isEmpty();
    }

    @Test
    void theValueIsDelimitedInPlace() {
        String header = "a=1; ID = \"abc\" ; b=2";
        int v = Cookies.find(header, "ID", 0);
        assertThat(header.substring(Cookies.valueFrom(header, v), Cookies.valueTo(header, v))).isEqualTo("abc");
        assertThat(Cookies.pairEnd(header, v)).isEqualTo(header.indexOf("; b"));
    }

    @Test
    void withoutRemovesEveryCookieOfOneName() {
        String header = "a=1; b=2";
        assertThat(Cookies.without(header, "ID")).as("none: the same instance").isSameAs(header);
        assertThat(Cookies.without("a=1;  ID=x ; b=2", "ID")).isEqualTo("a=1; b=2");
        assertThat(Cookies.without(" a=1 ;ID=x;ID=y;;b=2 ", "ID")).isEqualTo("a=1; b=2");
        assertThat(Cookies.without("ID=x", "ID")).as("nothing left").isNull();
        assertThat(Cookies.without("ID=x; ; ", "ID")).isNull();
        assertThat(Cookies.without("IDX=1; ID=2", "ID")).isEqualTo("IDX=1");
    }
}
