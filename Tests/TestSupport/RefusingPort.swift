import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback port where every connection is refused, for as long as this lives: a TCP socket bound to it
/// that never listens. A port merely freed (bind, read the port, close) can be taken by a server of another
/// test running at the same time, which then answers instead of refusing.
public final class RefusingPort: @unchecked Sendable {
    private let fd: Int32
    public let port: Int

    public init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `http://127.0.0.1:PORT/v1`, as `ReplayServer.baseURL` is written.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    deinit { close(fd) }
}
