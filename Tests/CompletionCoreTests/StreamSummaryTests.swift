import Foundation
import Testing
@testable import CompletionCore

/// `stats -`: a stream summarised a chunk at a time must give the figures and the messages the same bytes
/// give as a file, whatever the chunks cut: lines, stream chunks of one response, unreadable lines.
@Suite("stream summary")
struct StreamSummaryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func samplePath(_ name: String) -> String { root.appendingPathComponent("Samples/" + name).path }

    /// The bytes written into a pipe from another thread, summarised from its reading end.
    static func piped(_ data: Data, chunkBytes: Int, records: ((CompletionRecord, Int) -> Void)? = nil) -> (LogAggregates, [String]) {
        let pipe = Pipe()
        // Read and write through copies of the descriptors numbered far above the ones in use: tests that run
        // processes at the same time close descriptors of their own twice (Foundation's `Process` closes a
        // pipe's end that its handle closes again), and a low number may by then be this pipe's. (A writer on
        // the low number once lost the end of its bytes that way: 271 of 301 records arrived.)
        let descriptor = fcntl(pipe.fileHandleForReading.fileDescriptor, F_DUPFD_CLOEXEC, 900)
        let writing = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_DUPFD_CLOEXEC, 900)
        try? pipe.fileHandleForReading.close()
        try? pipe.fileHandleForWriting.close()
        let thread = Thread {
            let writer = FileHandle(fileDescriptor: writing, closeOnDealloc: true)
            try? writer.write(contentsOf: data)
            try? writer.close()
        }
        thread.start()
        var messages: [String] = []
        defer { close(descriptor) }
        let aggregates = LogIndex.summarise(descriptor: descriptor, path: "-",
                                            options: LogIndex.Options(chunkBytes: chunkBytes), prices: PriceTable.bundled,
                                            problems: { messages.append($0.description) }, records: records)
        return (aggregates, messages)
    }

    /// The same bytes indexed as a file.
    static func indexed(_ data: Data) -> (LogAggregates, [String]) {
        let index = LogIndex(data: data, path: "-")
        index.build()
        let snapshot = index.snapshot()
        var messages: [String] = []
        _ = snapshot.forEachDiagnostic { messages.append($0.description) }
        return (snapshot.aggregates(prices: PriceTable.bundled), messages)
    }

    static func lines(_ count: Int, from k: Int = 0) -> String {
        (k..<(k + count)).map { i in
            #"{"id":"r\#(i)","object":"text_completion","created":\#(1_735_689_600 + i * 600),"model":"\#(["gpt-4o-mini", "davinci-002"][i % 2])","system_fingerprint":"fp_\#(i / 40)","choices":[{"index":0,"text":"t\#(i)","finish_reason":"\#(i % 5 == 0 ? "length" : "stop")"}],"usage":{"prompt_tokens":\#(i % 90),"completion_tokens":\#(i % 11),"total_tokens":\#(i % 90 + i % 11)}}"#
        }.joined(separator: "\n") + "\n"
    }

    /// One streamed response of `pieces` chunk lines.
    static func streamed(_ id: String, pieces: Int) -> String {
        var out = ""
        for k in 0..<pieces {
            out += #"{"id":"\#(id)","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"w\#(k) "},"finish_reason":null}]}"# + "\n"
        }
        out += #"{"id":"\#(id)","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":\#(pieces),"total_tokens":\#(pieces + 5)}}"# + "\n"
        return out
    }

    @Test("a log with bad lines, in chunks of a few lines: the file's figures and messages", arguments: [700, 4096, 1 << 20])
    func log(chunkBytes: Int) throws {
        let sample = try Data(contentsOf: URL(fileURLWithPath: Self.samplePath("log-200.jsonl")))
        var text = Self.lines(150) + "{broken\n" + "\n  \n" + Self.lines(100, from: 150) + "[1, 2]\n" + "{\"id\": \"x\", \"choices\": [}\n"
        text += String(decoding: sample, as: UTF8.self) + Self.lines(90, from: 250)
        let data = Data(text.utf8)
        let file = Self.indexed(data)
        let stream = Self.piped(data, chunkBytes: chunkBytes)
        #expect(file.0.records == 540 && file.0.invalid == 3)
        #expect(stream.0 == file.0)
        #expect(stream.1 == file.1)
        #expect(file.1.count == 3 && file.1[0].hasPrefix("-:151:2: error:"))
    }

    @Test("one response's stream chunks across many chunks: assembled whole, as in a file", arguments: [512, 4096])
    func streamAcrossChunks(chunkBytes: Int) {
        let text = Self.lines(7) + Self.streamed("chatcmpl-a", pieces: 400) + Self.lines(5, from: 7) + Self.streamed("chatcmpl-b", pieces: 30)
        let data = Data(text.utf8)
        let file = Self.indexed(data)
        let stream = Self.piped(data, chunkBytes: chunkBytes)
        #expect(file.0.records == 14)
        #expect(stream.0 == file.0)
        #expect(stream.1 == file.1)
    }

    @Test("whole responses that all share one id, over many chunks, then a stream: the file's figures", arguments: [700, 4096])
    func oneIDForAll(chunkBytes: Int) {
        // A server that writes one id for every response: runs far longer than a chunk are read one line at
        // a time, as each line is read in a file, with no stream chunk to join them.
        let same = Self.lines(400).split(separator: "\n").enumerated().map { i, line in
            line.replacingOccurrences(of: "\"r\(i)\"", with: "\"chatcmpl-same\"")
        }.joined(separator: "\n") + "\n"
        let text = same + Self.streamed("chatcmpl-s", pieces: 50) + same
        let data = Data(text.utf8)
        let file = Self.indexed(data)
        let stream = Self.piped(data, chunkBytes: chunkBytes)
        #expect(file.0.records == 801)
        #expect(stream.0 == file.0)
        #expect(stream.1 == file.1)
    }

    @Test("hostile lines across chunk ends: the file's figures and messages", arguments: [300, 2048])
    func hostile(chunkBytes: Int) {
        var lines: [String] = []
        var k = 0
        // A fixed mix: bad JSON, blank and binary lines, arrays, runs of stream chunks (some never finished),
        // lines that share an id, control characters in text.
        for i in 0..<1500 {
            switch i % 23 {
            case 0: lines.append("{bad json \(i)")
            case 3: lines.append("")
            case 5: lines.append("   \t ")
            case 7: lines.append("\u{0}\u{1}\u{2}")
            case 11: lines.append("[1,2,3]")
            case 13, 17:
                let id = "chatcmpl-\(i)"
                for p in 0..<(i % 37) {
                    lines.append(#"{"id":"\#(id)","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"w\#(p)\u0000\u202e"},"finish_reason":null}]}"#)
                }
                if i % 17 != 0 {
                    lines.append(#"{"id":"\#(id)","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)
                }
            case 19: lines.append(Self.lines(1, from: i).dropLast().replacingOccurrences(of: "\"r\(i)\"", with: "\"same\""))
            default:
                lines.append(String(Self.lines(1, from: k).dropLast()))
                k += 1
            }
        }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let file = Self.indexed(data)
        let stream = Self.piped(data, chunkBytes: chunkBytes)
        #expect(file.0.invalid > 100 && file.0.records > 1000)
        #expect(stream.0 == file.0)
        #expect(stream.1 == file.1)
    }

    @Test("a byte-order mark, CRLF line ends, blank lines and no line end at the end")
    func edges() {
        let body = Self.lines(60).replacingOccurrences(of: "\n", with: "\r\n\r\n")
        let data = Data([0xEF, 0xBB, 0xBF]) + Data(body.utf8) + Data(Self.lines(1, from: 60).dropLast().utf8) + Data("\n{\"x\":".utf8)
        let file = Self.indexed(data)
        let stream = Self.piped(data, chunkBytes: 1000)
        #expect(file.0.records == 61 && file.0.invalid == 1)
        #expect(stream.0 == file.0)
        #expect(stream.1 == file.1)
    }

    @Test("one document, an array or server-sent events are decoded record by record, as before")
    func otherShapes() throws {
        for name in ["openai-text-completion.json", "array-of-responses.json", "claude-stream.sse"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.samplePath(name)))
            let stream = Self.piped(data, chunkBytes: 256)
            #expect(stream.0.records > 0, "\(name)")
            #expect(stream.0.invalid == 0, "\(name) \(stream.1)")
        }
    }

    @Test("asked for whole records, the same figures with every record handed on in order")
    func wholeRecords() {
        let data = Data((Self.lines(300) + Self.streamed("chatcmpl-c", pieces: 20)).utf8)
        var positions: [Int] = []
        let stream = Self.piped(data, chunkBytes: 4096) { _, position in positions.append(position) }
        #expect(stream.0 == Self.indexed(data).0)
        #expect(positions == Array(0..<301))
    }

    @Test("once a stream is summarised nothing reads its descriptor any more, even when its end came with the first look")
    func noReaderOutlivesTheSummary() {
        // A stream short enough to end while its first bytes are looked at, then the same descriptor number
        // given to another pipe at once (as the next FIFO of `stats a b` would get it): its bytes must all
        // reach their own reader, none taken by a thread left reading the first stream.
        let small = Data(Self.lines(3).utf8)
        var lost = 0
        for _ in 0..<200 {
            var first: [Int32] = [0, 0]
            guard pipe(&first) == 0 else { continue }
            let descriptor = fcntl(first[0], F_DUPFD_CLOEXEC, 900)
            close(first[0])
            small.withUnsafeBytes { _ = Foundation.write(first[1], $0.baseAddress, $0.count) }
            close(first[1])
            _ = LogIndex.summarise(descriptor: descriptor, path: "-", prices: nil, problems: { _ in }, records: nil)
            var second: [Int32] = [0, 0]
            guard pipe(&second) == 0 else { close(descriptor); continue }
            // The same number, now the second pipe's reading end.
            dup2(second[0], descriptor)
            close(second[0])
            let payload = Array("next stream\n".utf8)
            _ = Foundation.write(second[1], payload, payload.count)
            close(second[1])
            usleep(2000)
            var got = [UInt8](repeating: 0, count: 64)
            let n = read(descriptor, &got, got.count)
            if n != payload.count { lost += 1 }
            close(descriptor)
        }
        #expect(lost == 0, "\(lost) of 200 next streams lost bytes to a reader of the stream before")
    }
}
