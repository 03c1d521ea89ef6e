import CSafeMap
import Foundation

/// The bytes of an input, read-only: a memory map of a regular file, or a copy for standard input and FIFOs.
///
/// The index keeps byte ranges into these bytes instead of decoded records, so a gigabyte log costs page
/// cache, not private memory. The map is never writable (`PROT_READ`, `MAP_PRIVATE`): the tool must never
/// change a user's file. A growing file (follow mode) gets a new, longer map; the old one stays valid for
/// as long as a snapshot refers to it.
///
/// A file cut while it is mapped (logrotate's `copytruncate`) would make reading the pages past its new end
/// raise SIGBUS. The map is registered with `CSafeMap`, whose handler puts zero pages there instead; readers
/// finish their pass and then ask `intactCount()` how much is still the file's, dropping what lies beyond and
/// reporting `shrinkDiagnostic`. Guarding the map keeps every fast path over the bytes as it is: the handler
/// costs nothing until a fault. Reading with `pread` into reused buffers was the other way; over the
/// 1 GB log of 1.4 million lines (page cache warm) counting lines took 0.11 s through the map and 0.15 s with
/// 1 MB `pread`s, and every consumer (index, parallel `--json`, records opened on demand) would have had to
/// own a buffer instead of slicing the map.
public final class MappedFile: @unchecked Sendable {
    /// The path as given (`-` for standard input).
    public let path: String
    /// The bytes; valid for the life of this object.
    public let bytes: UnsafeBufferPointer<UInt8>
    private let mapped: UnsafeMutableRawPointer?
    private let mappedLength: Int
    private let owned: UnsafeMutableRawBufferPointer?
    /// The file's device and inode when mapped, to notice a replaced file.
    public let identity: (device: UInt64, inode: UInt64)?
    /// The open file behind a map (for its current size), or -1.
    private let descriptor: Int32
    /// The `CSafeMap` slot guarding the map, or -1.
    private let guardSlot: Int32

    /// The number of bytes.
    public var count: Int { bytes.count }

    private init(path: String, mapped: UnsafeMutableRawPointer?, length: Int, owned: UnsafeMutableRawBufferPointer?, identity: (UInt64, UInt64)?,
                 descriptor: Int32 = -1) {
        self.path = path
        self.descriptor = descriptor
        self.guardSlot = mapped.map { csafemap_register($0, length) } ?? -1
        self.mapped = mapped
        self.mappedLength = length
        self.owned = owned
        self.identity = identity
        if let mapped {
            bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: length)
        } else if let owned, let base = owned.baseAddress {
            bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: owned.count)
        } else {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
        }
    }

    /// A view of bytes that stay the caller's: nothing is copied or freed.
    private init(path: String, borrowing view: UnsafeBufferPointer<UInt8>) {
        self.path = path
        descriptor = -1
        guardSlot = -1
        mapped = nil
        mappedLength = 0
        owned = nil
        identity = nil
        bytes = view
    }

    /// Bytes the caller owns, seen as a file without copying them. The caller keeps them unchanged and
    /// allocated for as long as the view or anything made from it (entries, a snapshot) is read.
    static func borrowing(_ view: UnsafeBufferPointer<UInt8>, path: String) -> MappedFile {
        MappedFile(path: path, borrowing: view)
    }

    deinit {
        if guardSlot >= 0 { csafemap_unregister(guardSlot) }
        if let mapped { munmap(mapped, mappedLength) }
        if descriptor >= 0 { close(descriptor) }
        owned?.deallocate()
    }

    /// Opens a file read-only and maps it; standard input (`-`), FIFOs and devices are read into memory.
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - limit: map at most this many bytes (follow mode maps what has been written so far).
    /// - Returns: the bytes.
    /// - Throws: a `Diagnostic` naming the file when it cannot be opened or read, worded as `RecordLoader` words it.
    public static func open(path: String, limit: Int? = nil) throws(Diagnostic) -> MappedFile {
        if path == "-" {
            return try readWhole(descriptor: STDIN_FILENO, path: path)
        }
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw Diagnostic(path: path, line: nil, column: nil, message: "cannot open: no such file")
            }
            if isDirectory.boolValue {
                throw Diagnostic(path: path, line: nil, column: nil, message: "cannot open: it is a directory")
            }
            throw Diagnostic(path: path, line: nil, column: nil, message: code == EACCES ? "cannot open: permission denied" : "cannot open: \(String(cString: strerror(code)))")
        }
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw Diagnostic(path: path, line: nil, column: nil, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw Diagnostic(path: path, line: nil, column: nil, message: "cannot open: it is a directory")
        }
        guard type == S_IFREG else {
            // FIFOs and devices (process substitution, /dev/stdin) cannot be mapped. (The command line reads
            // them with `RecordLoader.loadStream` instead, in bounded memory; this is for callers that want
            // the bytes.)
            return try readWhole(descriptor: fd, path: path)
        }
        let length = min(Int(info.st_size), limit ?? Int.max)
        let identity = (UInt64(info.st_dev), UInt64(info.st_ino))
        guard length > 0 else {
            return MappedFile(path: path, mapped: nil, length: 0, owned: nil, identity: identity)
        }
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw Diagnostic(path: path, line: nil, column: nil, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        // The index reads the file front to back once, then jumps to single records.
        _ = madvise(base, length, MADV_SEQUENTIAL)
        keepOpen = true
        return MappedFile(path: path, mapped: base, length: length, owned: nil, identity: identity, descriptor: fd)
    }

    /// Reads a descriptor to its end with `read(2)`: a read error is a diagnostic, not a trap.
    private static func readWhole(descriptor: Int32, path: String) throws(Diagnostic) -> MappedFile {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Diagnostic(path: path, line: nil, column: nil, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return copy(of: data, path: path)
    }

    /// Bytes already in memory (tests, standard input).
    public static func copy(of data: Data, path: String) -> MappedFile {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        data.withUnsafeBytes { raw in
            if let base = raw.baseAddress, let target = buffer.baseAddress { target.copyMemory(from: base, byteCount: raw.count) }
        }
        let exact = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<data.count])
        let file = MappedFile(path: path, mapped: nil, length: 0, owned: exact, identity: nil)
        // Keep the full allocation for deallocation: the rebased view has the same base address.
        _ = buffer
        return file
    }

    /// Puts the guard of maps in front again after other code installed a SIGBUS handler (the terminal's crash
    /// restore does, and resets it to the default when it closes): reading a cut file must not end the program.
    public static func restoreTruncationGuard() {
        _ = csafemap_reinstall()
    }

    /// True for inputs read as they arrive rather than mapped: standard input (`-`), FIFOs, sockets,
    /// character devices (`/dev/zero`, `/dev/stdin` on a pipe), and files under /proc and /sys.
    public static func isStream(path: String) -> Bool {
        if path == "-" { return true }
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        if type == S_IFREG, isSizelessFileSystem(path) { return true }
        return type != S_IFREG && type != S_IFDIR
    }

    /// Files under /proc and /sys give a size that is not their contents' (0, or 4096 for a sysfs
    /// attribute, which cannot be mapped): they are read as streams.
    private static func isSizelessFileSystem(_ path: String) -> Bool {
        csafemap_sizeless_fs(path) != 0
    }

    /// The current size and identity of the file at `path` (for follow mode), or nil when it cannot be read.
    public static func currentSize(path: String) -> (size: Int, device: UInt64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (Int(info.st_size), UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// How many leading bytes are still the file's: `count`, unless the file shrank (or was cut) since it
    /// was mapped. Bytes past it read as zeros (or as whatever was written after a cut) and must be dropped.
    public func intactCount() -> Int {
        guard mapped != nil else { return count }
        var intact = count
        var info = stat()
        if descriptor >= 0, fstat(descriptor, &info) == 0 { intact = min(intact, max(0, Int(info.st_size))) }
        let cut = csafemap_cut_offset(guardSlot)
        if cut >= 0 { intact = min(intact, Int(cut)) }
        return intact
    }

    /// The problem to report when the file shrank while being read, or nil when every byte is still the file's.
    /// - Parameter intact: `intactCount()`, when the caller already has it.
    public func shrinkDiagnostic(intact: Int? = nil) -> Diagnostic? {
        let now = intact ?? intactCount()
        guard now < count else { return nil }
        var info = stat()
        let size = descriptor >= 0 && fstat(descriptor, &info) == 0 ? Int(info.st_size) : now
        if size >= count {
            // Faulted without being shorter now: cut and written again, or a read error of the disk.
            return Diagnostic(path: path, line: nil, column: nil,
                              message: "the file could not be read past byte \(now) (it changed while being read); records after byte \(now) were not read")
        }
        return Diagnostic(path: path, line: nil, column: nil,
                          message: "the file shrank from \(count) to \(now) bytes while being read; records after byte \(now) were not read")
    }

    /// Where reading stops in a file that was cut at `intact`: after the last line feed before it. The line
    /// the cut went through is not the file's any more; the shrink diagnostic covers it.
    public func wholeLinesEnd(upTo intact: Int) -> Int {
        var k = min(max(0, intact), count)
        while k > 0, bytes[k - 1] != 0x0A { k -= 1 }
        return k
    }

    /// Lets the kernel drop a scanned range's pages from this process (they stay in the page cache and come
    /// back on the next read), so resident memory shows what the index holds, not the whole file.
    public func release(_ range: Range<Int>) {
        guard let mapped else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard end > start, end <= mappedLength else { return }
        _ = madvise(mapped + start, end - start, MADV_DONTNEED)
    }

    /// The bytes of a range, as a buffer.
    @inline(__always)
    public func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[range])
    }
}
