import Testing
@testable import CompletionCore

@Suite("JSON reader")
struct JSONParserTests {
    @Test("object keys keep their source order, repeated keys included")
    func keyOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":{"y":true,"b":null},"a":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m", "a"])
        #expect(value["a"]?.intValue == 3)
        #expect(value["m"]?.objectValue?.keys == ["y", "b"])
    }

    @Test("integers beyond Int64 keep every digit")
    func bigIntegers() throws {
        let value = try JSONParser.parse(#"{"seed":13424880326038300000}"#)
        #expect(value["seed"]?.numberValue?.text == "13424880326038300000")
        #expect(value["seed"]?.intValue == nil)
        #expect(JSONWriter.compact(value) == #"{"seed":13424880326038300000}"#)
    }

    @Test("integral floats read as integers, fractions do not", arguments: [("12.0", 12 as Int?), ("30", 30), ("7645.62", nil), ("1e3", 1000), ("-0.0", 0)])
    func integralFloats(text: String, expected: Int?) throws {
        #expect(try JSONParser.parse(text).intValue == expected)
    }

    @Test("escapes and surrogate pairs decode; lone surrogates become U+FFFD")
    func escapes() throws {
        #expect(try JSONParser.parse(#""a\n\t\"\\\/\u00e9\ud83d\ude00""#).stringValue == "a\n\t\"\\/é😀")
        #expect(try JSONParser.parse(#""x\ud83dy""#).stringValue == "x\u{FFFD}y")
        #expect(try JSONParser.parse(#""\ude00""#).stringValue == "\u{FFFD}")
    }

    @Test("invalid UTF-8 inside a string is replaced, not rejected")
    func invalidUTF8() throws {
        var bytes: [UInt8] = Array(#"{"text":"ok "#.utf8) + [0xFF, 0xC3] + Array(#" end"}"#.utf8)
        let value = try bytes.withUnsafeMutableBufferPointer { try JSONParser.parse(UnsafeBufferPointer($0)) }
        #expect(value["text"]?.stringValue?.hasPrefix("ok ") == true)
        #expect(value["text"]?.stringValue?.contains("\u{FFFD}") == true)
    }

    @Test("errors name the byte offset and what was expected", arguments: [
        (#"{"a":1,}"#, 7, "trailing comma"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        (#"{"model":"x" "id":"y"}"#, 13, "expected ',' or '}'"),
        (#"{"a":"#, 5, "unexpected end of input"),
        (#"{"a":"unterminated"#, 5, "unterminated string"),
        (#"[1 2]"#, 3, "expected ',' or ']'"),
        (#"{"a":tru}"#, 5, "expected a JSON value"),
    ])
    func errors(text: String, offset: Int, message: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            guard let e = error as? JSONSyntaxError else { return false }
            return e.offset == offset && e.message.contains(message)
        }
    }

    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONSyntaxError)?.message.contains("nested deeper") == true
        }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    @Test("NaN and Infinity from Python servers are read and written back as null")
    func nonFinite() throws {
        let value = try JSONParser.parse(#"[NaN,-Infinity,Infinity]"#)
        #expect(value.arrayValue?.count == 3)
        #expect(value.arrayValue?[1].doubleValue == -Double.infinity)
        #expect(JSONWriter.compact(value) == "[null,null,null]")
    }

    @Test("the writer escapes every control character")
    func writerEscapes() {
        let s = JSONWriter.compact(.string("a\u{1B}[2J\u{07}\u{0}\"\\\n"))
        #expect(s == #""a\u001b[2J\u0007\u0000\"\\\n""#)
    }
}
