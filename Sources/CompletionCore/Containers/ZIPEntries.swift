import CZstd
import Foundation
import ZIPFoundation

/// The entries of a ZIP archive (an Inspect AI `.eval` log), read whole one at a time and never past a bound.
///
/// ZIPFoundation lists the entries and inflates stored and deflate ones (method 0 and 8, Inspect's before
/// 0.3.206). Entries compressed with zstd (method 93, Inspect's since 0.3.206) are decompressed with libzstd.
/// ZIPFoundation 0.9.20 cannot hand those over: `Archive.extract` throws `invalidCompressionMethod` for any
/// method but 0 and 8, and the offset of an entry's data (`Entry.dataOffset`) is internal to it. So for
/// method 93 the local header's offset is read here from the central directory of the mapped file, and the
/// data found behind that local header is decompressed from the map.
struct ZIPEntries {
    /// Why an entry could not be read; the message names no path (the caller's diagnostic does).
    struct Failure: Error {
        var message: String
    }

    let path: String
    private let archive: Archive
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Local header offsets by entry, in the central directory's order (only needed for method 93).
    private var localHeaders: [(method: UInt16, offset: UInt64, compressedSize: UInt64)?] = []
    /// Entries (by their place in the central directory) whose data overlaps another entry's.
    private var overlapping: Set<Int> = []
    /// Entries whose local header is not where the directory says, or whose data runs past the file's end.
    private var misplaced: Set<Int> = []
    /// How many entries the central directory lists.
    var listed: Int { localHeaders.count }

    /// One entry as listed by the archive.
    struct Item {
        var name: String
        var uncompressedSize: UInt64
        fileprivate var entry: Entry
        /// Its place in the central directory: names can be decoded in more than one way (UTF-8 or CP437).
        fileprivate var index: Int
    }

    /// Opens the archive read-only.
    /// - Throws: `Failure` when the file is not a ZIP archive ZIPFoundation can list.
    init(path: String, bytes: UnsafeBufferPointer<UInt8>) throws(Failure) {
        self.path = path
        self.bytes = bytes
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw Failure(message: "a ZIP archive whose entries cannot be listed (\(error)); it may be cut short")
        }
        (localHeaders, overlapping, misplaced) = Self.centralDirectory(bytes)
    }

    /// The entries, in the central directory's order.
    var items: [Item] {
        archive.enumerated().map { Item(name: $1.path, uncompressedSize: $1.uncompressedSize, entry: $1, index: $0) }
    }

    /// The entry's bytes, decompressed, at most `limit` of them.
    /// - Throws: `Failure` saying why (unknown method, corrupt data, over the limit).
    func read(_ item: Item, limit: Int) throws(Failure) -> Data {
        if item.uncompressedSize > UInt64(limit) {
            throw Failure(message: RecordLimits.tooLong("entry", limit: limit))
        }
        // A ZIP bomb lists one compressed stream under many names: 208 KB of archive, 60 entries of 200 MB each.
        if misplaced.contains(item.index) {
            throw Failure(message: "the entry's local header is not where the central directory says, or its data runs past the end of the file; it is not read")
        }
        if overlapping.contains(item.index) {
            throw Failure(message: "the entry's data overlaps another entry's, as a ZIP bomb's does; it is not read")
        }
        let header = item.index < localHeaders.count ? localHeaders[item.index] : nil
        if let header, header.method == 93 {
            return try zstd(header.offset, compressedSize: header.compressedSize, limit: limit)
        }
        var data = Data()
        do {
            _ = try archive.extract(item.entry, bufferSize: 1 << 16, skipCRC32: false) { chunk in
                // A size in the header can lie: the bound holds whatever the inflated data turns out to be.
                guard data.count + chunk.count <= limit else { throw Failure(message: RecordLimits.tooLong("entry", limit: limit)) }
                data.append(chunk)
            }
        } catch let failure as Failure {
            throw failure
        } catch Archive.ArchiveError.invalidCompressionMethod {
            let method = header.map { " \($0.method)" } ?? ""
            throw Failure(message: "the entry uses a compression method\(method) that is not read (stored, deflate and zstd are)")
        } catch Archive.ArchiveError.invalidCRC32 {
            throw Failure(message: "the entry's data does not match its checksum; it is damaged")
        } catch {
            throw Failure(message: "the entry will not decompress (\(error))")
        }
        return data
    }

    // MARK: - zstd (method 93)

    private func zstd(_ headerOffset: UInt64, compressedSize: UInt64, limit: Int) throws(Failure) -> Data {
        let n = UInt64(bytes.count)
        // Local file header: 30 fixed bytes, then the name and the extra field, then the data.
        guard headerOffset <= n, n - headerOffset >= 30, u32(Int(headerOffset)) == 0x0403_4b50 else {
            throw Failure(message: "the entry's local header is not where the central directory says")
        }
        let h = Int(headerOffset)
        let dataStart = UInt64(h) + 30 + UInt64(u16(h + 26)) + UInt64(u16(h + 28))
        guard dataStart <= n, compressedSize <= n - dataStart else {
            throw Failure(message: "the entry's data runs past the end of the file; the archive is cut short")
        }
        let input = UnsafeBufferPointer(rebasing: bytes[Int(dataStart)..<Int(dataStart + compressedSize)])
        return try Self.decompressZstd(input, limit: limit)
    }

    /// Decompresses zstd frames in pieces, so neither a frame header that lies about its size nor an endless
    /// frame can take more than `limit` bytes of memory.
    static func decompressZstd(_ input: UnsafeBufferPointer<UInt8>, limit: Int) throws(Failure) -> Data {
        guard let context = ZSTD_createDCtx() else { throw Failure(message: "zstd could not start") }
        defer { ZSTD_freeDCtx(context) }
        var out = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 17)
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var last = 0
        while true {
            let before = inBuffer.pos
            let (result, produced): (Int, Int) = chunk.withUnsafeMutableBytes { raw in
                var outBuffer = ZSTD_outBuffer(dst: raw.baseAddress, size: raw.count, pos: 0)
                let r = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                return (r, outBuffer.pos)
            }
            if ZSTD_isError(result) != 0 {
                let name = ZSTD_getErrorName(result).map { String(cString: $0) } ?? "unknown error"
                throw Failure(message: "the entry will not decompress (zstd: \(name))")
            }
            guard produced <= limit - out.count else { throw Failure(message: RecordLimits.tooLong("entry", limit: limit)) }
            out.append(contentsOf: chunk[0..<produced])
            last = result
            // Done when every input byte is used and the output buffer was not filled (nothing held back).
            if inBuffer.pos == inBuffer.size, produced < chunk.count { break }
            // zstd always moves one buffer or the other; stopping here keeps a surprise from looping forever.
            if inBuffer.pos == before, produced == 0 { break }
        }
        if last != 0 { throw Failure(message: "the entry's zstd data ends part way through a frame; it is cut short") }
        return out
    }

    // MARK: - Central directory

    /// (method, local header offset, compressed size) for each entry the central directory lists, in its
    /// order (nil where they cannot be read), with sizes and offsets from the ZIP64 extra field and the
    /// ZIP64 end record where the classic fields defer to them; and the entries whose local header and data
    /// overlap another entry's.
    private static func centralDirectory(_ b: UnsafeBufferPointer<UInt8>)
        -> ([(method: UInt16, offset: UInt64, compressedSize: UInt64)?], overlapping: Set<Int>, misplaced: Set<Int>) {
        var table: [(method: UInt16, offset: UInt64, compressedSize: UInt64)?] = []
        var spans: [(start: UInt64, end: UInt64, index: Int)] = []
        let n = b.count
        var misplaced: Set<Int> = []
        guard n >= 22 else { return (table, [], []) }
        // The end-of-central-directory record sits within the last 22 + 65535 bytes (its comment).
        var eocd: Int?
        var i = n - 22
        let lowest = max(0, n - 22 - 0xFFFF)
        while i >= lowest {
            if read32(b, i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard let e = eocd else { return (table, [], []) }
        var count = UInt64(read16(b, e + 10))
        var start = UInt64(read32(b, e + 16))
        // ZIP64: a locator just before the record points at the ZIP64 end record, which holds the real count
        // and offset when the classic ones are 0xFFFF and 0xFFFFFFFF.
        if e >= 20, read32(b, e - 20) == 0x0706_4b50, let z = Int(exactly: read64(b, e - 12)), z <= n - 56, read32(b, z) == 0x0606_4b50 {
            if count == 0xFFFF { count = read64(b, z + 32) }
            if start == 0xFFFF_FFFF { start = read64(b, z + 48) }
        }
        guard var p = Int(exactly: start) else { return (table, [], []) }
        var index = 0
        while UInt64(index) < count {
            guard p >= 0, p <= n - 46, read32(b, p) == 0x0201_4b50 else { break }
            let method = read16(b, p + 10)
            var compressed = UInt64(read32(b, p + 20))
            let nameLength = Int(read16(b, p + 28))
            let extraLength = Int(read16(b, p + 30))
            let commentLength = Int(read16(b, p + 32))
            var offset = UInt64(read32(b, p + 42))
            guard nameLength <= n - (p + 46), extraLength <= n - (p + 46 + nameLength) else { break }
            // ZIP64 (header 0x0001): the 8-byte values present are those the directory marks 0xFFFFFFFF, in order.
            var x = p + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = read16(b, x), size = Int(read16(b, x + 2))
                guard size <= extraEnd - (x + 4) else { break }
                if id == 0x0001 {
                    var v = x + 4
                    func next() -> UInt64? {
                        guard v + 8 <= x + 4 + size else { return nil }
                        defer { v += 8 }
                        return read64(b, v)
                    }
                    if read32(b, p + 24) == 0xFFFF_FFFF { _ = next() }
                    if compressed == 0xFFFF_FFFF, let c = next() { compressed = c }
                    if offset == 0xFFFF_FFFF, let o = next() { offset = o }
                }
                x += 4 + size
            }
            // The local header must be where the directory says, and the data must end within the file (an
            // entry that says 0xFFFFFFFF without a ZIP64 field, or 2^64 - 1 in one, does not): such an entry
            // is refused on its own, and overlaps nothing.
            let h = Int(exactly: offset) ?? .max
            if h <= n - 30, read32(b, h) == 0x0403_4b50,
               case let local = 30 + UInt64(read16(b, h + 26)) + UInt64(read16(b, h + 28)),
               case let (length, over1) = local.addingReportingOverflow(compressed),
               case let (end, over2) = offset.addingReportingOverflow(length), !over1, !over2, end <= UInt64(n) {
                table.append((method, offset, compressed))
                spans.append((offset, end, index))
            } else {
                table.append(nil)
                misplaced.insert(index)
            }
            index += 1
            p += 46 + nameLength + extraLength + commentLength
        }
        // Sorted by where they start, an entry overlaps the next when it ends after that one starts.
        spans.sort { $0.start < $1.start }
        var overlapping: Set<Int> = []
        var reach: (end: UInt64, index: Int)?
        for span in spans {
            if let r = reach, span.start < r.end {
                overlapping.insert(span.index)
                overlapping.insert(r.index)
            }
            if let r = reach, r.end >= span.end { continue }
            reach = (span.end, span.index)
        }
        return (table, overlapping, misplaced)
    }

    private static func read64(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(read32(b, i)) | UInt64(read32(b, i + 4)) << 32
    }

    private func u16(_ i: Int) -> UInt16 { Self.read16(bytes, i) }
    private func u32(_ i: Int) -> UInt32 { Self.read32(bytes, i) }

    private static func read16(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt16 {
        guard i >= 0, i <= b.count - 2 else { return 0 }
        return UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    private static func read32(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        guard i >= 0, i <= b.count - 4 else { return 0 }
        return UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
