package org.reachwatch.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetAndBogonsTest {
    @Test
    void bareHostMeansHttpsRootAndControlPrefixMarksAControl() {
        Target x = Target.parse("X.com");
        assertThat(x.name()).isEqualTo("x.com");
        assertThat(x.url().toString()).isEqualTo("https://X.com/");
        assertThat(x.port()).isEqualTo(443);
        assertThat(x.control()).isFalse();
        Target c = Target.parse("control:http://example.com:8080/a?b=1");
        assertThat(c.control()).isTrue();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.pathAndQuery()).isEqualTo("/a?b=1");
        assertThatThrownBy(() -> Target.parse("ftp://x.com/")).hasMessageContaining("http or https");
    }

    @Test
    void assetSuffixNamesTheUrlToTimeAndKeepsTheTargetAsItWas() {
        Target x = Target.parse("control:x.com;asset=https://abs.twimg.com/favicon.ico?v=2");
        assertThat(x.name()).isEqualTo("x.com");
        assertThat(x.url().toString()).isEqualTo("https://x.com/");
        assertThat(x.control()).isTrue();
        assertThat(x.asset().toString()).isEqualTo("https://abs.twimg.com/favicon.ico?v=2");
        assertThat(Target.parse("https://x.com/a;b").asset()).as("a ';' alone is part of the URL").isNull();
        assertThat(Target.parse("x.com").asset()).isNull();
        assertThatThrownBy(() -> Target.parse("x.com;asset=ftp://cdn.x.com/a")).hasMessageContaining("asset must be http or https");
        assertThatThrownBy(() -> Target.parse("x.com;asset=https:///nohost")).hasMessageContaining("asset has no host");
    }

    @Test
    void privateReservedAndLoopbackAnswersAreBogonsPublicOnesAreNot() {
        assertThat(Bogons.isBogon("192.168.7.222")).isTrue();
        assertThat(Bogons.isBogon("10.10.34.35")).isTrue();
        assertThat(Bogons.isBogon("127.0.0.1")).isTrue();
        assertThat(Bogons.isBogon("100.64.1.1")).isTrue();
        assertThat(Bogons.isBogon("0.0.0.0")).isTrue();
        assertThat(Bogons.isBogon("fd00::1")).isTrue();
        assertThat(Bogons.isBogon("149.154.167.99")).isFalse();
        assertThat(Bogons.isBogon("2001:67c:4e8:f004::9")).isFalse();
        assertThat(Bogons.isBogon("telegram.org")).isFalse();
    }
}
