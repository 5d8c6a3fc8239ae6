import CZlib
import Foundation

/// The bytes of a price file, decompressed when it is gzip-compressed (recognised by the gzip
/// magic bytes `1f 8b`, whatever the file is called).
enum PriceFile {
    /// Calls `body` with the file's bytes. Throws `TariffError.unreadable` when the file cannot
    /// be read and `TariffError.inFile` naming it when its gzip data is corrupt.
    static func withContents<R>(of url: URL, displayPath: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TariffError.unreadable(path: displayPath, reason: FileManager.default.fileExists(atPath: url.path) ? "permission denied" : "no such file")
        }
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard isGzip(bytes) else { return try body(bytes) }
            let plain: [UInt8]
            do {
                plain = try gunzip(bytes)
            } catch let problem as GzipProblem {
                throw TariffError.inFile(path: displayPath, .syntax(format: "gzip", detail: problem.detail))
            }
            return try plain.withUnsafeBufferPointer(body)
        }
    }

    /// Whether `bytes` start with the gzip magic bytes.
    static func isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Why gzip data could not be inflated, in words for the error message.
    struct GzipProblem: Error {
        var detail: String
    }

    /// The decompressed content of gzip data (several concatenated members are read as one,
    /// as `gzip -d` does).
    static func gunzip(_ input: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        var stream = z_stream()
        guard chargebridge_inflate_init_gzip(&stream) == Z_OK else {
            throw GzipProblem(detail: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        // The trailer's ISIZE is the last member's size modulo 2^32: a good first guess.
        let tail = input.count >= 4 ? input[(input.count - 4)...].reversed().reduce(0) { $0 << 8 | Int($1) } : 0
        var output = [UInt8](repeating: 0, count: max(4096, min(tail, 1 << 30)))
        var produced = 0
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        while true {
            if produced == output.count {
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_out = buffer.baseAddress! + produced
                stream.avail_out = UInt32(min(buffer.count - produced, Int(UInt32.max)))
                let before = stream.avail_out
                let status = inflate(&stream, Z_NO_FLUSH)
                produced += Int(before - stream.avail_out)
                return status
            }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // Another member may follow; anything else after the end is not gzip.
                guard stream.avail_in > 0 else {
                    output.removeSubrange(produced...)
                    return output
                }
                guard stream.avail_in >= 2, stream.next_in[0] == 0x1F, stream.next_in[1] == 0x8B else {
                    throw GzipProblem(detail: "unexpected bytes after the compressed data")
                }
                guard inflateReset(&stream) == Z_OK else { throw GzipProblem(detail: "zlib could not start the next member") }
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw GzipProblem(detail: "the file ends inside the compressed data (truncated)")
            case Z_BUF_ERROR:
                continue  // the output was full: grown above
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw GzipProblem(detail: "the compressed data is corrupt (\(message))")
            }
        }
    }
}
