package io.recsys.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A flat JSON object of named numbers and strings, in insertion order. */
public final class JsonReport {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  public JsonReport put(String name, Object value) {
    fields.put(name, value);
    return this;
  }

  public String toJson() {
    StringBuilder json = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> field : fields.entrySet()) {
      json.append("  \"").append(field.getKey()).append("\": ").append(value(field.getValue()));
      json.append(++i < fields.size() ? ",\n" : "\n");
    }
    return json.append("}\n").toString();
  }

  public void writeTo(Path file) throws IOException {
    Files.writeString(file, toJson());
  }

  private static String value(Object value) {
    if (value instanceof Double d && !Double.isFinite(d)) {
      return "null"; // JSON has no NaN or infinity
    }
    if (value instanceof Double d) {
      return String.format(Locale.ROOT, "%.4f", d);
    }
    if (value instanceof Number) {
      return value.toString();
    }
    return "\"" + String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
