package dev.traceyard.collector.processor.filter;

import java.util.ArrayList;
import java.util.List;

/** Splits an OTTL-like condition into tokens, each with its 1-based column. */
final class OttlLexer {

  enum Kind { IDENT, STRING, INT, FLOAT, BYTES, OP, LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, DOT, END }

  record Token(Kind kind, String text, int column) {
    boolean is(Kind k, String t) {
      return kind == k && text.equals(t);
    }

    String describe() {
      switch (kind) {
        case END:
          return "the end of the condition";
        case STRING:
          return "string \"" + text + "\"";
        default:
          return "'" + text + "'";
      }
    }
  }

  private OttlLexer() {}

  static List<Token> lex(String src) throws OttlSyntaxException {
    List<Token> out = new ArrayList<>();
    int i = 0;
    int n = src.length();
    while (i < n) {
      char c = src.charAt(i);
      int col = i + 1;
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c == '"') {
        StringBuilder sb = new StringBuilder();
        int j = i + 1;
        boolean closed = false;
        while (j < n) {
          char d = src.charAt(j);
          if (d == '\\' && j + 1 < n) {
            char e = src.charAt(j + 1);
            switch (e) {
              case 'n' -> sb.append('\n');
              case 't' -> sb.append('\t');
              case 'r' -> sb.append('\r');
              case '"' -> sb.append('"');
              case '\\' -> sb.append('\\');
              // Keep other escapes as written: regexes such as "\\d" or "\." stay intact.
              default -> sb.append('\\').append(e);
            }
            j += 2;
            continue;
          }
          if (d == '"') {
            closed = true;
            break;
          }
          sb.append(d);
          j++;
        }
        if (!closed) {
          throw new OttlSyntaxException(col, "unterminated string: add the closing '\"'");
        }
        out.add(new Token(Kind.STRING, sb.toString(), col));
        i = j + 1;
        continue;
      }
      if (c == '0' && i + 1 < n && (src.charAt(i + 1) == 'x' || src.charAt(i + 1) == 'X')) {
        int j = i + 2;
        while (j < n && Character.digit(src.charAt(j), 16) >= 0) {
          j++;
        }
        if (j == i + 2 || (j - i - 2) % 2 != 0) {
          throw new OttlSyntaxException(col, "byte literal needs an even number of hex digits after 0x");
        }
        out.add(new Token(Kind.BYTES, src.substring(i + 2, j), col));
        i = j;
        continue;
      }
      if (Character.isDigit(c)) {
        int j = i;
        while (j < n && Character.isDigit(src.charAt(j))) {
          j++;
        }
        boolean isFloat = false;
        if (j < n && src.charAt(j) == '.' && j + 1 < n && Character.isDigit(src.charAt(j + 1))) {
          isFloat = true;
          j++;
          while (j < n && Character.isDigit(src.charAt(j))) {
            j++;
          }
        }
        if (j < n && (src.charAt(j) == 'e' || src.charAt(j) == 'E')) {
          int k = j + 1;
          if (k < n && (src.charAt(k) == '+' || src.charAt(k) == '-')) {
            k++;
          }
          if (k < n && Character.isDigit(src.charAt(k))) {
            isFloat = true;
            j = k;
            while (j < n && Character.isDigit(src.charAt(j))) {
              j++;
            }
          }
        }
        if (j < n && (Character.isLetter(src.charAt(j)) || src.charAt(j) == '_')) {
          throw new OttlSyntaxException(col, "malformed number '" + src.substring(i, j + 1) + "'");
        }
        out.add(new Token(isFloat ? Kind.FLOAT : Kind.INT, src.substring(i, j), col));
        i = j;
        continue;
      }
      if (Character.isLetter(c) || c == '_') {
        int j = i;
        while (j < n && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
          j++;
        }
        out.add(new Token(Kind.IDENT, src.substring(i, j), col));
        i = j;
        continue;
      }
      String two = i + 1 < n ? src.substring(i, i + 2) : "";
      if (two.equals("==") || two.equals("!=") || two.equals("<=") || two.equals(">=")) {
        out.add(new Token(Kind.OP, two, col));
        i += 2;
        continue;
      }
      switch (c) {
        case '<', '>', '+', '-', '*', '/' -> out.add(new Token(Kind.OP, String.valueOf(c), col));
        case '(' -> out.add(new Token(Kind.LPAREN, "(", col));
        case ')' -> out.add(new Token(Kind.RPAREN, ")", col));
        case '[' -> out.add(new Token(Kind.LBRACKET, "[", col));
        case ']' -> out.add(new Token(Kind.RBRACKET, "]", col));
        case ',' -> out.add(new Token(Kind.COMMA, ",", col));
        case '.' -> out.add(new Token(Kind.DOT, ".", col));
        case '=' -> throw new OttlSyntaxException(col, "unexpected '=': use '==' to compare");
        case '\'' -> throw new OttlSyntaxException(col, "unexpected \"'\": strings are written in double quotes");
        case '&', '|' -> throw new OttlSyntaxException(col, "unexpected '" + c + "': use 'and' / 'or'");
        case '!' -> throw new OttlSyntaxException(col, "unexpected '!': use 'not' or '!='");
        default -> throw new OttlSyntaxException(col, "unexpected character '" + c + "'");
      }
      i++;
    }
    out.add(new Token(Kind.END, "", n + 1));
    return out;
  }
}
