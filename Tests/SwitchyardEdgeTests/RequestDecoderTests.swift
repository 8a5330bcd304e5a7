import NIOCore
import Testing

@testable import SwitchyardEdge

/// How a head that ran out of NIO's budget is classified, from the bytes NIO held back.
@Suite struct RequestDecoderTests {
    static let budget = 64

    static func isTarget(_ held: String) -> Bool {
        RequestDecoder.isTargetOverBudget(ByteBuffer(string: held).readableBytesView, budget: budget)
    }

    @Test func aTargetThatRunsOnIsTheURL() {
        #expect(Self.isTarget("/" + String(repeating: "u", count: Self.budget)))
        // With its method, when it all came in one read.
        #expect(Self.isTarget("GET /" + String(repeating: "u", count: Self.budget)))
        #expect(Self.isTarget("M-SEARCH /" + String(repeating: "u", count: Self.budget) + " HTTP/1.1\r\n"))
    }

    @Test func headersAndShortTargetsAreNot() {
        // A header value or name NIO was reading.
        #expect(!Self.isTarget(String(repeating: "h", count: 2 * Self.budget)))
        #expect(!Self.isTarget("Bearer /" + String(repeating: "t", count: 2 * Self.budget)))
        // A target that ended before the budget did: the headers ran it out.
        #expect(!Self.isTarget("/short HTTP/1.1\r\nX-Fill: " + String(repeating: "h", count: 2 * Self.budget)))
        #expect(!Self.isTarget("/" + String(repeating: "u", count: Self.budget - 1)))
    }
}
