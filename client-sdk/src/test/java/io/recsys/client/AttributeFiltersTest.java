package io.recsys.client;

import static io.recsys.client.AttributeFilters.anyOf;
import static io.recsys.client.AttributeFilters.atLeast;
import static io.recsys.client.AttributeFilters.atMost;
import static io.recsys.client.AttributeFilters.equalsTo;
import static io.recsys.client.AttributeFilters.not;
import static io.recsys.client.AttributeFilters.parse;
import static io.recsys.client.AttributeFilters.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DoubleValue;
import io.recsys.v1.AttributeFilter;
import io.recsys.v1.RecommendRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The messages the filter factories, their text form and {@link RecommendOptions} build. */
class AttributeFiltersTest {
  @Test
  void equalsAndAnyOfSetOnlyTheValues() {
    assertThat(equalsTo("genre", "sf"))
        .isEqualTo(AttributeFilter.newBuilder().setAttribute("genre").addAnyOf("sf").build());
    AttributeFilter several = anyOf("genre", "sf", "fantasy");
    assertThat(several.getAttribute()).isEqualTo("genre");
    assertThat(several.getAnyOfList()).containsExactly("sf", "fantasy");
    assertThat(several.hasMin()).isFalse();
    assertThat(several.hasMax()).isFalse();
    assertThat(several.getNegate()).isFalse();
    assertThat(anyOf("genre", List.of("a", "b"))).isEqualTo(anyOf("genre", "a", "b"));
  }

  @Test
  void rangesSetTheBoundsAndNoValues() {
    AttributeFilter both = range("year", 1990, 2000);
    assertThat(both.getAnyOfCount()).isZero();
    assertThat(both.getMin()).isEqualTo(DoubleValue.of(1990));
    assertThat(both.getMax()).isEqualTo(DoubleValue.of(2000));

    AttributeFilter lower = atLeast("year", 1990);
    assertThat(lower.hasMin()).isTrue();
    assertThat(lower.getMin().getValue()).isEqualTo(1990.0);
    assertThat(lower.hasMax()).as("no upper bound").isFalse();

    AttributeFilter upper = atMost("price", 9.5);
    assertThat(upper.hasMin()).as("no lower bound").isFalse();
    assertThat(upper.getMax().getValue()).isEqualTo(9.5);

    // A bound of 0 is still a bound: the wrapper tells it from an unset one.
    assertThat(atLeast("stock", 0).hasMin()).isTrue();
    assertThat(range("x", 0, 0).getMax()).isEqualTo(DoubleValue.of(0));
  }

  @Test
  void notFlipsNegateAndKeepsTheCondition() {
    AttributeFilter negated = not(equalsTo("language", "de"));
    assertThat(negated.getNegate()).isTrue();
    assertThat(negated.getAnyOfList()).containsExactly("de");
    assertThat(not(atMost("year", 2000)).getMax().getValue()).isEqualTo(2000.0);
    assertThat(not(negated)).isEqualTo(equalsTo("language", "de"));
  }

  @Test
  void nonsenseFailsBeforeAnythingIsSent() {
    assertThatThrownBy(() -> equalsTo(" ", "x")).hasMessageContaining("attribute name");
    assertThatThrownBy(() -> anyOf("genre", List.of())).hasMessageContaining("at least one value");
    assertThatThrownBy(() -> range("year", 2000, 1990)).hasMessageContaining("min 2000.0 > max 1990.0");
    assertThatThrownBy(() -> atLeast("year", Double.NaN)).hasMessageContaining("finite");
    assertThatThrownBy(() -> atMost("year", Double.POSITIVE_INFINITY)).hasMessageContaining("finite");
  }

  @Test
  void theTextFormParsesEveryForm() {
    assertThat(parse("genre=sf")).isEqualTo(equalsTo("genre", "sf"));
    assertThat(parse("genre=sf|fantasy")).isEqualTo(anyOf("genre", "sf", "fantasy"));
    assertThat(parse("genre!=horror")).isEqualTo(not(equalsTo("genre", "horror")));
    assertThat(parse("year>=1990")).isEqualTo(atLeast("year", 1990));
    assertThat(parse("year<=2000.5")).isEqualTo(atMost("year", 2000.5));
    assertThat(parse("year=1990..2000")).isEqualTo(range("year", 1990, 2000));
    assertThat(parse(" genre =sf")).as("spaces around the name").isEqualTo(equalsTo("genre", "sf"));
    assertThat(parse("url=a=b")).as("the value is all after the first '='").isEqualTo(equalsTo("url", "a=b"));
    assertThat(parse("version=1.2..beta")).as("not a range unless both ends are numbers")
        .isEqualTo(equalsTo("version", "1.2..beta"));
  }

  @Test
  void badTextSaysWhatIsWrong() {
    assertThatThrownBy(() -> parse("genre")).hasMessageContaining("is not ATTR=VALUE");
    assertThatThrownBy(() -> parse("=sf")).hasMessageContaining("names no attribute");
    assertThatThrownBy(() -> parse("year>=soon")).hasMessageContaining("'soon' is not a finite number");
    assertThatThrownBy(() -> parse("genre=sf|")).hasMessageContaining("empty value");
    assertThatThrownBy(() -> parse("year=2000..1990")).hasMessageContaining("min 2000.0 > max 1990.0");
  }

  @Test
  void describeGivesTheTextForm() {
    for (String text : List.of("genre=sf|fantasy", "genre!=horror", "year>=1990", "year<=2000.5", "year=1990..2000")) {
      assertThat(AttributeFilters.describe(parse(text))).isEqualTo(text);
    }
  }

  @Test
  void optionsBecomeTheRequestFields() {
    RecommendOptions options =
        RecommendOptions.builder()
            .exclude("in-cart")
            .exclude(List.of("seen"))
            .filter(equalsTo("genre", "sf"), atLeast("year", 1990))
            .explain(true)
            .diversity(0.25)
            .build();

    RecommendRequest request = options.toRequest("user-1", 7);

    assertThat(request.getUserId()).isEqualTo("user-1");
    assertThat(request.getK()).isEqualTo(7);
    assertThat(request.getExcludeItemIdsList()).containsExactly("in-cart", "seen");
    assertThat(request.getFiltersList()).containsExactly(equalsTo("genre", "sf"), atLeast("year", 1990));
    assertThat(request.getExplain()).isTrue();
    assertThat(request.getDiversity()).isEqualTo(0.25f);
    assertThat(options.toBuilder().explain(false).build().toRequest("user-1", 7))
        .isEqualTo(request.toBuilder().setExplain(false).build());
    assertThat(RecommendOptions.DEFAULTS.toRequest("u", 3))
        .isEqualTo(RecommendRequest.newBuilder().setUserId("u").setK(3).build());
  }
}
