import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on loopback that answers every request by replaying a scripted response: status,
/// headers, then body pieces with delays, optionally cutting the connection mid-way.
public final class ReplayServer: @unchecked Sendable {
    public enum Step: Sendable {
        /// Wait before the next step.
        case wait(milliseconds: Int64)
        /// Send bytes of the body.
        case send([UInt8])
        /// Close the connection without finishing the body.
        case cut
    }

    public struct Script: Sendable {
        public var status: HTTPResponseStatus
        public var headers: [(String, String)]
        /// Wait before sending the response head (a slow first byte).
        public var headDelay: Int64
        public var steps: [Step]

        public init(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [("Content-Type", "text/event-stream")], headDelay: Int64 = 0, steps: [Step] = []) {
            self.status = status
            self.headers = headers
            self.headDelay = headDelay
            self.steps = steps
        }

        /// A script answering with a status given as a number.
        public init(statusCode: Int, headers: [(String, String)], steps: [Step]) {
            self.init(status: HTTPResponseStatus(statusCode: statusCode), headers: headers, steps: steps)
        }
    }

    /// What the server received.
    public struct Received: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: String
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    public private(set) var port = 0
    private var channel: Channel?
    private let lock = NSLock()
    private var _received: [Received] = []

    public var received: [Received] {
        lock.lock(); defer { lock.unlock() }
        return _received
    }

    public init(script: Script) throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(script: script, server: self))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    func record(_ r: Received) {
        lock.lock(); _received.append(r); lock.unlock()
    }

    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// The data events of a saved SSE sample, each as its own piece (with the blank line after it).
    public static func events(ofSample name: String) throws -> [[UInt8]] {
        let url = URL(fileURLWithPath: samplePath(name))
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        return text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { Array(($0 + "\n\n").utf8) }
    }

    /// A sample file's bytes.
    public static func sample(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: samplePath(name))
        return Array(try Data(contentsOf: url))
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let script: Script
        weak var server: ReplayServer?
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(script: Script, server: ReplayServer) {
            self.script = script
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                if let head {
                    server?.record(Received(method: "\(head.method)", uri: head.uri,
                                            headers: head.headers.map { ($0.name, $0.value) },
                                            body: String(decoding: body, as: UTF8.self)))
                }
                respond(context: context)
            }
        }

        private func respond(context: ChannelHandlerContext) {
            let loop = context.eventLoop
            let ctx = NIOLoopBound(context, eventLoop: loop)
            let script = self.script
            loop.scheduleTask(in: .milliseconds(script.headDelay)) {
                let context = ctx.value
                var headers = HTTPHeaders(script.headers)
                headers.add(name: "Transfer-Encoding", value: "chunked")
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: script.status, headers: headers))), promise: nil)
                Self.run(script.steps[...], context: ctx, loop: loop)
            }
        }

        private static func run(_ steps: ArraySlice<Step>, context ctx: NIOLoopBound<ChannelHandlerContext>, loop: EventLoop) {
            let context = ctx.value
            guard let step = steps.first else {
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
                return
            }
            let rest = steps.dropFirst()
            switch step {
            case .wait(let ms):
                loop.scheduleTask(in: .milliseconds(ms)) { run(rest, context: ctx, loop: loop) }
            case .send(let bytes):
                let buffer = context.channel.allocator.buffer(bytes: bytes)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                run(rest, context: ctx, loop: loop)
            case .cut:
                context.close(promise: nil)
            }
        }
    }
}
