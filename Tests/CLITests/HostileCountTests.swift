import Foundation
import Testing
import TestSupport

/// Token counts at and beyond the end of 64-bit integers, through every command that adds or subtracts them.
@Suite("command line: huge token counts")
struct HostileCountTests {
    static func line(_ prompt: String, _ completion: String, _ total: String) -> String {
        #"{"id":"x","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"a","finish_reason":"stop"}],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(total)}}"#
    }
    static let log = [line("9223372036854775807", "5", "9223372036854775807"),
                      line("5000000000000000000", "5000000000000000000", "1")].joined(separator: "\n") + "\n"

    @Test("--print shows the mismatch with its exact sum instead of stopping")
    func print() throws {
        let path = try CLI.temporaryFile(Data(Self.log.utf8), name: "big.jsonl")
        let r = try CLI.run(["--print", path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("= 9223372036854775812"))
        #expect(r.stdout.contains("= 10000000000000000000"))
    }

    @Test("stats says a sum is out of range (table) or null (--json)")
    func stats() throws {
        let path = try CLI.temporaryFile(Data(Self.log.utf8), name: "big.jsonl")
        let table = try CLI.run(["stats", path])
        #expect(table.status == 0)
        #expect(table.stdout.contains("out of range"))
        let json = try CLI.run(["stats", "--json", path])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let model = try #require((object["models"] as? [[String: Any]])?.first)
        #expect(model["prompt_tokens"] is NSNull)
        #expect(model["completion_tokens"] as? Int == 5_000_000_000_000_000_005)
    }

    /// Counts written too large to read (twenty digits, an exponent, a string, below zero) after and before
    /// ordinary ones, for a model with a price.
    static let beyond = [
        line("12", "3", "15"),
        line("99999999999999999999999", "3", "\"5\""),
        line("4", "-99999999999999999999999", "1e30"),
        line("5", "\"123456789012345678901234567890\"", "7"),
    ].map { $0.replacingOccurrences(of: "\"model\":\"m\"", with: "\"model\":\"gpt-4o-mini\"") }

    @Test("a count beyond 64-bit integers makes its sums out of range, not 0, in the file, piped and decoded")
    func countBeyondRange() throws {
        let jsonl = Self.beyond.joined(separator: "\n") + "\n"
        let file = try CLI.temporaryFile(Data(jsonl.utf8), name: "beyond.jsonl")
        // The same records as one JSON array: read by the decoder, not the index's scanner.
        let array = try CLI.temporaryFile(Data(("[" + Self.beyond.joined(separator: ",") + "]").utf8), name: "beyond.json")
        for (arguments, stdin) in [(["stats", "--json", file], nil), (["stats", "--json", "-"], Data(jsonl.utf8)),
                                   (["stats", "--json", array], nil)] as [([String], Data?)] {
            let r = try CLI.run(arguments, stdin: stdin)
            #expect(r.status == 0, "\(arguments)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let model = try #require((object["models"] as? [[String: Any]])?.first)
            #expect(model["records"] as? Int == 4)
            #expect(model["prompt_tokens"] is NSNull, "\(arguments): \(model)")
            #expect(model["completion_tokens"] is NSNull, "\(arguments): \(model)")
            #expect(model["total_tokens"] is NSNull, "\(arguments): \(model)")
            #expect(model["records_without_usage"] as? Int == 0)
            // Only the first record has counts a price can be applied to.
            #expect(model["priced_records"] as? Int == 1, "\(arguments): \(model)")
        }
        let table = try CLI.run(["stats", file])
        let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("gpt-4o-mini") })
        #expect(row.components(separatedBy: "out of range").count == 4, "\(row)")
    }

    @Test("a count of exactly Int.min is out of range in the file, piped and decoded, not missing")
    func countAtTheLowEnd() throws {
        let lines = [Self.line("12", "3", "15"), Self.line("-9223372036854775808", "1", "2")]
        let jsonl = lines.joined(separator: "\n") + "\n"
        let file = try CLI.temporaryFile(Data(jsonl.utf8), name: "low.jsonl")
        let array = try CLI.temporaryFile(Data(("[" + lines.joined(separator: ",") + "]").utf8), name: "low.json")
        for (arguments, stdin) in [(["stats", "--json", file], nil), (["stats", "--json", "-"], Data(jsonl.utf8)),
                                   (["stats", "--json", array], nil)] as [([String], Data?)] {
            let r = try CLI.run(arguments, stdin: stdin)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let model = try #require((object["models"] as? [[String: Any]])?.first)
            #expect(model["prompt_tokens"] is NSNull, "\(arguments): \(model)")
            #expect(model["completion_tokens"] as? Int == 4, "\(arguments): \(model)")
            #expect(model["total_tokens"] as? Int == 17, "\(arguments): \(model)")
        }
    }

    /// One record of each other shape with a count too large to read, after an ordinary one of the same model.
    static let otherShapes: [(shape: String, ordinary: String, huge: String)] = [
        ("Anthropic message",
         #"{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"a"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}"#,
         #"{"id":"msg_2","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"a"}],"stop_reason":"end_turn","usage":{"input_tokens":4,"cache_read_input_tokens":1e30,"output_tokens":2}}"#),
        ("Responses",
         #"{"id":"resp_1","object":"response","created_at":1700000000,"model":"m","status":"completed","output":[],"usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5}}"#,
         #"{"id":"resp_2","object":"response","created_at":1700000000,"model":"m","status":"completed","output":[],"usage":{"input_tokens":99999999999999999999999,"output_tokens":2,"total_tokens":5}}"#),
        ("Gemini",
         #"{"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"finishReason":"STOP"}],"modelVersion":"m","usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5}}"#,
         #"{"candidates":[{"content":{"parts":[{"text":"a"}],"role":"model"},"finishReason":"STOP"}],"modelVersion":"m","usageMetadata":{"promptTokenCount":"123456789012345678901234567890","candidatesTokenCount":2,"totalTokenCount":5}}"#),
    ]

    @Test("a count too large to read in an Anthropic, Responses or Gemini record makes the sums out of range, not missing")
    func otherShapesBeyondRange() throws {
        for (shape, ordinary, huge) in Self.otherShapes {
            let jsonl = ordinary + "\n" + huge + "\n"
            let file = try CLI.temporaryFile(Data(jsonl.utf8), name: "shape.jsonl")
            for (arguments, stdin) in [(["stats", "--json", file], nil), (["stats", "--json", "-"], Data(jsonl.utf8))] as [([String], Data?)] {
                let r = try CLI.run(arguments, stdin: stdin)
                #expect(r.status == 0, "\(shape) \(arguments): \(r.stderr)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
                let model = try #require((object["models"] as? [[String: Any]])?.first, "\(shape)")
                #expect(model["records"] as? Int == 2, "\(shape): \(model)")
                #expect(model["prompt_tokens"] is NSNull, "\(shape) \(arguments): \(model)")
                #expect(model["completion_tokens"] as? Int == 4, "\(shape) \(arguments): \(model)")
                #expect(model["records_without_usage"] as? Int == 0, "\(shape) \(arguments): \(model)")
            }
        }
    }

    @Test("diff gives the exact difference of counts at both ends of the range")
    func diff() throws {
        let a = try CLI.temporaryFile(Data(Self.line("-9223372036854775808", "1", "1").utf8), name: "a.json")
        let b = try CLI.run(["diff", a, try CLI.temporaryFile(Data(Self.line("9223372036854775807", "1", "1").utf8), name: "b.json")])
        #expect(b.status == 1)
        #expect(b.stdout.contains("+18446744073709551615"))
    }
}
