package io.sparkserverless.it.support;

import java.util.Map;

/**
 * Kubernetes' {@code $(VAR)} expansion in env values, command and args: {@code $(NAME)} becomes the
 * variable's value where it is defined and stays as written where not, {@code $$} is a literal
 * {@code $}, any other {@code $} stays. (Kubernetes' third_party/forked/golang/expansion.)
 */
final class KubernetesExpansion {
  private KubernetesExpansion() {}

  static String expand(String input, Map<String, String> variables) {
    StringBuilder out = new StringBuilder();
    int checkpoint = 0;
    for (int cursor = 0; cursor < input.length(); cursor++) {
      if (input.charAt(cursor) == '$' && cursor + 1 < input.length()) {
        out.append(input, checkpoint, cursor);
        char next = input.charAt(cursor + 1);
        int advance = 1;
        if (next == '$') {
          out.append('$');
        } else if (next == '(') {
          int close = input.indexOf(')', cursor + 2);
          if (close < 0) {
            out.append("$(");
          } else {
            String name = input.substring(cursor + 2, close);
            String value = variables.get(name);
            out.append(value != null ? value : "$(" + name + ")");
            advance = close - cursor;
          }
        } else {
          out.append('$').append(next);
        }
        cursor += advance;
        checkpoint = cursor + 1;
      }
    }
    return out.append(input.substring(Math.min(checkpoint, input.length()))).toString();
  }
}
