import SwitchyardEdge
import SwitchyardRuntime

/// Where `switchyard dev` prints its lines: worker output, reloads, and one access line per
/// request. Lines are appended as UTF-8 bytes so the access log builds no `String` per request.
public protocol DevOutput: Sendable {
    /// Appends one line (without its newline) through `appendLine`.
    func write(_ appendLine: (inout [UInt8]) -> Void)
}

extension DevOutput {
    func print(_ line: String) {
        write { $0.append(contentsOf: line.utf8) }
    }
}

/// The access line of one request: `GET /path 200 (0.012 ms CPU)`, plus the outcome when it is
/// not `ok` (`GET / 503 exceededCpu (50.000 ms CPU)`) and why the listener answered itself, when
/// it did (`POST /upload 413 (0.000 ms CPU): request body over 104857600 bytes`).
enum AccessLine {
    static func append(_ record: EdgeServer.AccessRecord, to line: inout [UInt8]) {
        line.append(contentsOf: record.method.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: record.path.utf8)
        line.append(UInt8(ascii: " "))
        appendDecimal(UInt64(max(0, record.status)), to: &line)
        if let outcome = record.outcome, outcome != .ok {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: outcome.rawValue.utf8)
        }
        // Microsecond precision: a hello world takes a few microseconds of CPU.
        let micros = (record.cpuNanoseconds + 500) / 1_000
        line.append(contentsOf: " (".utf8)
        appendDecimal(micros / 1_000, to: &line)
        line.append(UInt8(ascii: "."))
        let fraction = micros % 1_000
        line.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        line.append(contentsOf: " ms CPU)".utf8)
        if let reason = record.reason {
            line.append(contentsOf: ": ".utf8)
            line.append(contentsOf: reason.utf8)
        }
    }

    private static func appendDecimal(_ value: UInt64, to line: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &line) }
        line.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
