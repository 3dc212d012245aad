import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.lang.StringEscapeUtils;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.app.event.InvalidReferenceEventHandler;
import org.apache.velocity.app.event.ReferenceInsertionEventHandler;
import org.apache.velocity.context.Context;
import org.apache.velocity.util.introspection.Info;

/**
 * Renders API Gateway (REST API) mapping templates with Apache Velocity 1.7 and the $input,
 * $util, $context and $stageVariables objects that API Gateway provides.
 *
 * Protocol: one JSON object per line on stdin, one JSON object per line on stdout, in order,
 * flushed after each line so a caller can keep one JVM for many renders.
 *   in:  {"template": "...", "body": "...", "headers": {}, "query": {}, "path": {},
 *         "context": {}, "stageVariables": {}}
 *   out: {"output": "...", "invalidReferences": ["$util.urlEncod($input.body)", ...]}
 *        or {"error": "..."} when the template does not parse or a function throws.
 *
 * Behaviour and where it comes from ("API Gateway mapping template and access logging variable
 * reference", "Amazon API Gateway quotas and important notes" of the developer guide; where the
 * guide is silent, LocalStack's tests recorded against AWS, or its reproduction of AWS):
 *  - $input.params(x) looks in path, then query string, then headers (guide); names are matched
 *    case-sensitively ("Header names and query parameters are processed in a case-sensitive way",
 *    listed for Lambda and HTTP integrations: the stricter reading, so what passes here passes on
 *    AWS whichever way it matches names for AWS integrations).
 *  - #foreach stops after 1000 iterations (quota "Number of iterations in a #foreach ... #end loop").
 *  - A reference that resolves to nothing renders as an empty string, and an empty request body
 *    reads as "{}" (recorded: "EncodedBodyAccess=$util.urlEncode($input.body.testAccess)" gives
 *    "EncodedBodyAccess=", and "MessageBody=$input.body" with no body gives "MessageBody={}").
 *    Plain Velocity would print the reference's source text instead.
 *  - JSON objects from $input.path and $util.parseJson print like Java maps ({a=1}) and arrays
 *    print as JSON, as Jayway JsonPath's json-smart provider builds them (LocalStack reproduces
 *    "$input.path('$')" of {"a": 1, "b": [{"c": 5}]} as {a=1, b=[{"c":5}]}).
 *  - $input.json(x) of a path that is not there gives "": not documented, and not recorded.
 * Because AWS blanks unresolvable references silently, every such reference is also reported in
 * "invalidReferences": a test can demand there are none, which catches a misspelt function.
 */
public final class ApiGatewayVtl {
    private ApiGatewayVtl() {}

    public static void main(String[] args) throws Exception {
        VelocityEngine engine = newEngine();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            out.write(Json.write(handle(engine, line), true));
            out.write('\n');
            out.flush();
        }
    }

    static VelocityEngine newEngine() throws Exception {
        VelocityEngine engine = new VelocityEngine();
        engine.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        // Templates arrive as Java strings, never from files: no #parse/#include source exists in API
        // Gateway either, so the string loader with nothing in it makes those directives fail.
        engine.setProperty("resource.loader", "string");
        engine.setProperty("string.resource.loader.class",
                "org.apache.velocity.runtime.resource.loader.StringResourceLoader");
        engine.setProperty("velocimacro.library", "");
        engine.setProperty("input.encoding", "UTF-8");
        engine.setProperty("output.encoding", "UTF-8");
        // Non-strict references: API Gateway renders an unresolved reference instead of failing
        // the request, which strict mode would do.
        engine.setProperty("runtime.references.strict", "false");
        engine.setProperty("directive.foreach.maxloops", "1000");
        engine.init();
        return engine;
    }

    static Map<String, Object> handle(VelocityEngine engine, String line) {
        Map<String, Object> response = new LinkedHashMap<>();
        try {
            Map<String, Object> request = Json.asObject(Json.parse(line), "request");
            String template = Json.asString(request.get("template"), "template");
            String body = request.get("body") == null ? "" : Json.asString(request.get("body"), "body");

            Map<String, Map<String, Object>> params = new LinkedHashMap<>();
            // Order of the guide's parameter-mapping example and of $input.params(x)'s search.
            params.put("path", stringMap(request.get("path"), "path"));
            params.put("querystring", stringMap(request.get("query"), "query"));
            params.put("header", stringMap(request.get("headers"), "headers"));

            VelocityContext context = new VelocityContext();
            context.put("input", new Input(body, params));
            context.put("util", new Util());
            context.put("context", objectOrEmpty(request.get("context"), "context"));
            context.put("stageVariables", stringMap(request.get("stageVariables"), "stageVariables"));

            List<Object> invalid = new ArrayList<>();
            EventCartridge cartridge = new EventCartridge();
            cartridge.addEventHandler(new BlankNulls());
            cartridge.addEventHandler(new RecordInvalid(invalid));
            cartridge.attachToContext(context);

            StringWriter rendered = new StringWriter();
            engine.evaluate(context, rendered, "mapping-template", template);
            response.put("output", rendered.toString());
            response.put("invalidReferences", invalid);
        } catch (Exception | StackOverflowError e) {
            response.clear();
            StringBuilder message = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                message.append("\ncaused by ").append(cause.getClass().getSimpleName()).append(": ")
                        .append(cause.getMessage());
            }
            response.put("error", message.toString());
        }
        return response;
    }

    private static Map<String, Object> stringMap(Object value, String field) {
        Map<String, Object> map = objectOrEmpty(value, field);
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            Json.asString(entry.getValue(), field + "." + entry.getKey());
        }
        return map;
    }

    private static Map<String, Object> objectOrEmpty(Object value, String field) {
        return value == null ? new Json.JsonObject() : Json.asObject(value, field);
    }

    /** API Gateway prints nothing for a null; Velocity alone would print the reference's text. */
    static final class BlankNulls implements ReferenceInsertionEventHandler {
        @Override
        public Object referenceInsert(String reference, Object value) {
            return value == null ? "" : value;
        }
    }

    /**
     * Records references that name nothing: an undefined variable, or a property or method the
     * object does not have. A method that returned null, a JSON field or map key that is absent and
     * a #set whose value is null are data, not mistakes, and are not recorded.
     */
    static final class RecordInvalid implements InvalidReferenceEventHandler {
        private final List<Object> seen;

        RecordInvalid(List<Object> seen) {
            this.seen = seen;
        }

        @Override
        public Object invalidGetMethod(Context context, String reference, Object object, String property,
                Info info) {
            boolean undefinedVariable = object == null && property == null;
            boolean missingProperty = object != null && !(object instanceof Map)
                    && !hasMethod(object, "get" + capitalized(property))
                    && !hasMethod(object, "is" + capitalized(property))
                    && !hasMethod(object, "get");
            if (undefinedVariable || missingProperty) {
                record(reference);
            }
            return null;
        }

        @Override
        public boolean invalidSetMethod(Context context, String leftreference, String rightreference, Info info) {
            return false;
        }

        @Override
        public Object invalidMethod(Context context, String reference, Object object, String method, Info info) {
            if (object == null || !hasMethod(object, method)) {
                record(reference);
            }
            return null;
        }

        private static boolean hasMethod(Object object, String name) {
            for (java.lang.reflect.Method method : object.getClass().getMethods()) {
                if (method.getName().equals(name)) {
                    return true;
                }
            }
            return false;
        }

        private static String capitalized(String name) {
            return name == null || name.isEmpty() ? "" : Character.toUpperCase(name.charAt(0)) + name.substring(1);
        }

        private void record(String reference) {
            if (!seen.contains(reference)) {
                seen.add(reference);
            }
        }
    }

    /** $input: the method request's body and parameters. */
    public static final class Input {
        private final String body;
        private final Map<String, Map<String, Object>> params;
        private Object parsed;
        private boolean isParsed;

        Input(String body, Map<String, Map<String, Object>> params) {
            this.body = body;
            this.params = params;
        }

        /** The raw payload; an empty one reads as "{}", as AWS was recorded to do. */
        public String getBody() {
            return body.isEmpty() ? "{}" : body;
        }

        /** The JSONPath result serialized as JSON; an absent path gives an empty string. */
        public String json(String path) {
            Object value = JsonPath.read(document(), path);
            return value == JsonPath.MISSING ? "" : Json.write(value, false);
        }

        /** The JSONPath result as objects a template can navigate; null when the path is absent. */
        public Object path(String path) {
            Object value = JsonPath.read(document(), path);
            return value == JsonPath.MISSING ? null : value;
        }

        public Map<String, Map<String, Object>> params() {
            return params;
        }

        /** Path, then query string, then header; "" when none has the name. */
        public String params(String name) {
            for (Map<String, Object> location : params.values()) {
                Object value = location.get(name);
                if (value != null) {
                    return (String) value;
                }
            }
            return "";
        }

        private Object document() {
            if (!isParsed) {
                try {
                    parsed = Json.parse(getBody());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "$input.json/$input.path need a JSON body: " + e.getMessage(), e);
                }
                isParsed = true;
            }
            return parsed;
        }
    }

    /** $util. Unless stated otherwise the guide's character set is UTF-8. */
    public static final class Util {
        /** JavaScript string rules: quotes (' and "), backslash, slash, controls, non-ASCII as \\uXXXX. */
        public String escapeJavaScript(String value) {
            return StringEscapeUtils.escapeJavaScript(value);
        }

        public Object parseJson(String json) {
            return json == null ? null : Json.parse(json);
        }

        /** application/x-www-form-urlencoded: what java.net.URLEncoder implements. */
        public String urlEncode(String value) {
            return value == null ? null : URLEncoder.encode(value, StandardCharsets.UTF_8);
        }

        public String urlDecode(String value) {
            return value == null ? null : URLDecoder.decode(value, StandardCharsets.UTF_8);
        }

        public String base64Encode(String value) {
            return value == null ? null : Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
        }

        public String base64Decode(String value) {
            return value == null ? null : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        }
    }

    /**
     * The JSONPath subset the guide's examples use: $, .name, ['name'], ["name"], [index] (negative
     * counts from the end). Anything else is an error rather than a silent empty result.
     */
    static final class JsonPath {
        static final Object MISSING = new Object();

        private JsonPath() {}

        static Object read(Object document, String path) {
            if (path == null || !path.startsWith("$")) {
                throw new IllegalArgumentException("JSONPath must start with $: " + path);
            }
            Object current = document;
            int i = 1;
            while (i < path.length()) {
                char c = path.charAt(i);
                Object key;
                if (c == '.') {
                    int end = i + 1;
                    while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
                        end++;
                    }
                    key = path.substring(i + 1, end);
                    if (((String) key).isEmpty() || key.equals("*")) {
                        throw unsupported(path);
                    }
                    i = end;
                } else if (c == '[') {
                    int close = path.indexOf(']', i);
                    if (close < 0) {
                        throw unsupported(path);
                    }
                    String inside = path.substring(i + 1, close).trim();
                    if (inside.length() >= 2 && (inside.charAt(0) == '\'' || inside.charAt(0) == '"')
                            && inside.charAt(inside.length() - 1) == inside.charAt(0)) {
                        key = inside.substring(1, inside.length() - 1);
                    } else if (inside.matches("-?[0-9]+")) {
                        key = Integer.valueOf(inside);
                    } else {
                        throw unsupported(path);
                    }
                    i = close + 1;
                } else {
                    throw unsupported(path);
                }
                current = step(current, key);
                if (current == MISSING) {
                    return MISSING;
                }
            }
            return current;
        }

        private static Object step(Object current, Object key) {
            if (key instanceof String && current instanceof Map) {
                Map<?, ?> map = (Map<?, ?>) current;
                return map.containsKey(key) ? map.get(key) : MISSING;
            }
            if (key instanceof Integer && current instanceof List) {
                List<?> list = (List<?>) current;
                int index = (Integer) key < 0 ? list.size() + (Integer) key : (Integer) key;
                return index >= 0 && index < list.size() ? list.get(index) : MISSING;
            }
            return MISSING;
        }

        private static IllegalArgumentException unsupported(String path) {
            return new IllegalArgumentException("JSONPath outside the supported subset ($, .name, ['name'], [index]): "
                    + path);
        }
    }

    /** A strict RFC 8259 parser and a compact writer; nothing beyond what the harness needs. */
    public static final class Json {
        private Json() {}

        /** A JSON object: a LinkedHashMap, printed the way Java prints maps. */
        public static final class JsonObject extends LinkedHashMap<String, Object> {
            private static final long serialVersionUID = 1L;
        }

        /** A JSON array, printed as compact JSON. */
        public static final class JsonArray extends ArrayList<Object> {
            private static final long serialVersionUID = 1L;

            @Override
            public String toString() {
                return write(this, false);
            }
        }

        static Object parse(String text) {
            Parser parser = new Parser(text);
            parser.whitespace();
            Object value = parser.value();
            parser.whitespace();
            if (parser.at < text.length()) {
                throw parser.error("unexpected text after the JSON value");
            }
            return value;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> asObject(Object value, String field) {
            if (!(value instanceof Map)) {
                throw new IllegalArgumentException(field + " must be a JSON object");
            }
            return (Map<String, Object>) value;
        }

        static String asString(Object value, String field) {
            if (!(value instanceof String)) {
                throw new IllegalArgumentException(field + " must be a string");
            }
            return (String) value;
        }

        /** Compact JSON; with asciiOnly every non-ASCII character is written as a \\u escape. */
        static String write(Object value, boolean asciiOnly) {
            StringBuilder out = new StringBuilder();
            write(value, out, asciiOnly);
            return out.toString();
        }

        private static void write(Object value, StringBuilder out, boolean asciiOnly) {
            if (value == null) {
                out.append("null");
            } else if (value instanceof String) {
                writeString((String) value, out, asciiOnly);
            } else if (value instanceof Double) {
                Double d = (Double) value;
                out.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
            } else if (value instanceof Number || value instanceof Boolean) {
                out.append(value);
            } else if (value instanceof Map) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    writeString(String.valueOf(entry.getKey()), out, asciiOnly);
                    out.append(':');
                    write(entry.getValue(), out, asciiOnly);
                }
                out.append('}');
            } else if (value instanceof List) {
                out.append('[');
                boolean first = true;
                for (Object item : (List<?>) value) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    write(item, out, asciiOnly);
                }
                out.append(']');
            } else {
                writeString(value.toString(), out, asciiOnly);
            }
        }

        private static void writeString(String s, StringBuilder out, boolean asciiOnly) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"': out.append("\\\""); break;
                    case '\\': out.append("\\\\"); break;
                    case '\b': out.append("\\b"); break;
                    case '\f': out.append("\\f"); break;
                    case '\n': out.append("\\n"); break;
                    case '\r': out.append("\\r"); break;
                    case '\t': out.append("\\t"); break;
                    default:
                        // U+2028/U+2029 end a line in JavaScript source; escaping them keeps the
                        // output safe to embed there too.
                        if (c < 0x20 || c == '\u2028' || c == '\u2029' || (asciiOnly && c > 0x7e)) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                }
            }
            out.append('"');
        }

        private static final class Parser {
            private final String text;
            private int at;

            Parser(String text) {
                this.text = text;
            }

            Object value() {
                if (at >= text.length()) {
                    throw error("unexpected end of JSON");
                }
                char c = text.charAt(at);
                switch (c) {
                    case '{': return object();
                    case '[': return array();
                    case '"': return string();
                    case 't': return literal("true", Boolean.TRUE);
                    case 'f': return literal("false", Boolean.FALSE);
                    case 'n': return literal("null", null);
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) {
                            return number();
                        }
                        throw error("unexpected character '" + c + "'");
                }
            }

            private Object object() {
                JsonObject object = new JsonObject();
                at++;
                whitespace();
                if (peek() == '}') {
                    at++;
                    return object;
                }
                while (true) {
                    whitespace();
                    if (peek() != '"') {
                        throw error("expected a string key");
                    }
                    String key = string();
                    whitespace();
                    expect(':');
                    whitespace();
                    object.put(key, value());
                    whitespace();
                    char c = next();
                    if (c == '}') {
                        return object;
                    }
                    if (c != ',') {
                        throw error("expected , or }");
                    }
                }
            }

            private Object array() {
                JsonArray array = new JsonArray();
                at++;
                whitespace();
                if (peek() == ']') {
                    at++;
                    return array;
                }
                while (true) {
                    whitespace();
                    array.add(value());
                    whitespace();
                    char c = next();
                    if (c == ']') {
                        return array;
                    }
                    if (c != ',') {
                        throw error("expected , or ]");
                    }
                }
            }

            private String string() {
                at++;
                StringBuilder out = new StringBuilder();
                while (true) {
                    char c = next();
                    if (c == '"') {
                        return out.toString();
                    }
                    if (c < 0x20) {
                        throw error("unescaped control character in a string");
                    }
                    if (c != '\\') {
                        out.append(c);
                        continue;
                    }
                    char e = next();
                    switch (e) {
                        case '"': out.append('"'); break;
                        case '\\': out.append('\\'); break;
                        case '/': out.append('/'); break;
                        case 'b': out.append('\b'); break;
                        case 'f': out.append('\f'); break;
                        case 'n': out.append('\n'); break;
                        case 'r': out.append('\r'); break;
                        case 't': out.append('\t'); break;
                        case 'u':
                            if (at + 4 > text.length()) {
                                throw error("truncated \\u escape");
                            }
                            try {
                                out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                            } catch (NumberFormatException ex) {
                                throw error("bad \\u escape");
                            }
                            at += 4;
                            break;
                        default:
                            throw error("bad escape \\" + e);
                    }
                }
            }

            private Object number() {
                int start = at;
                if (peek() == '-') {
                    at++;
                }
                if (peek() == '0') {
                    at++;
                } else if (peek() >= '1' && peek() <= '9') {
                    digits();
                } else {
                    throw error("bad number");
                }
                boolean integral = true;
                if (peek() == '.') {
                    integral = false;
                    at++;
                    if (!(peek() >= '0' && peek() <= '9')) {
                        throw error("bad number");
                    }
                    digits();
                }
                if (peek() == 'e' || peek() == 'E') {
                    integral = false;
                    at++;
                    if (peek() == '+' || peek() == '-') {
                        at++;
                    }
                    if (!(peek() >= '0' && peek() <= '9')) {
                        throw error("bad number");
                    }
                    digits();
                }
                String literal = text.substring(start, at);
                if (!integral) {
                    return Double.valueOf(literal);
                }
                // The smallest type that holds it, as json-smart (Jayway JsonPath's parser) does.
                BigInteger big = new BigInteger(literal);
                if (big.bitLength() < 32) {
                    return big.intValue();
                }
                if (big.bitLength() < 64) {
                    return big.longValue();
                }
                return big;
            }

            private void digits() {
                while (peek() >= '0' && peek() <= '9') {
                    at++;
                }
            }

            private Object literal(String word, Object value) {
                if (!text.startsWith(word, at)) {
                    throw error("unexpected literal");
                }
                at += word.length();
                return value;
            }

            void whitespace() {
                while (at < text.length()) {
                    char c = text.charAt(at);
                    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                        return;
                    }
                    at++;
                }
            }

            private char peek() {
                return at < text.length() ? text.charAt(at) : '\0';
            }

            private char next() {
                if (at >= text.length()) {
                    throw error("unexpected end of JSON");
                }
                return text.charAt(at++);
            }

            private void expect(char c) {
                if (next() != c) {
                    throw error("expected " + c);
                }
            }

            IllegalArgumentException error(String message) {
                return new IllegalArgumentException(message + " at offset " + at);
            }
        }
    }
}
