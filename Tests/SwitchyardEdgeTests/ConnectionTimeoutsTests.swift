import NIOCore
import Testing

@testable import SwitchyardEdge

/// The connection clock's decisions, tick by tick, without sockets.
@Suite struct ConnectionTimeoutsTests {
    /// Ticks of 1 s (a quarter of the shortest timeout): idle after 16, a head within 4, body
    /// windows of 8 asking for 100 bytes.
    static let configuration = ConnectionTimeouts.Configuration(
        idleTimeout: .seconds(16), requestHeadTimeout: .seconds(4), requestBodyTimeout: .seconds(8),
        minimumRequestBodyBytes: 100)

    /// Feeds `ticks` (phase and running byte count, no answers) and returns each tick's action.
    static func run(_ ticks: [(ConnectionTimeouts.Phase, UInt64)], answers: [UInt64]? = nil) -> [ConnectionTimeouts.Action] {
        var timeouts = ConnectionTimeouts(configuration: configuration)
        return ticks.enumerated().map { index, tick in
            timeouts.tick(tick.0, bytesReceived: tick.1, answers: answers?[index] ?? 0)
        }
    }

    @Test func theDefaultsTickEveryFiveSeconds() {
        let defaults = ConnectionTimeouts.Configuration(
            idleTimeout: .seconds(60), requestHeadTimeout: .seconds(20), requestBodyTimeout: .seconds(60),
            minimumRequestBodyBytes: 32 * 1024)
        #expect(defaults.tick == .seconds(5))
        #expect(defaults.idleTicks == 12)
        #expect(defaults.headTicks == 4)
        #expect(defaults.bodyWindowTicks == 12)
        #expect(Self.configuration.tick == .seconds(1))
        #expect(Self.configuration.bodyWindowTicks == 8)
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() {
        let actions = Self.run(Array(repeating: (.waiting, 0), count: 16))
        #expect(actions.dropLast().allSatisfy { $0 == .none })
        #expect(actions.last == .closeIdle)
    }

    @Test func eachAnswerStartsTheIdleTimeAgain() {
        // Fifteen quiet ticks, an answer, fifteen more: never sixteen in a row.
        let ticks = Array(repeating: (ConnectionTimeouts.Phase.waiting, UInt64(0)), count: 31)
        let answers: [UInt64] = Array(repeating: 0, count: 15) + Array(repeating: 1, count: 16)
        #expect(Self.run(ticks, answers: answers).allSatisfy { $0 == .none })
    }

    @Test func aHeadThatKeepsTricklingTimesOut() {
        // A byte a tick: never idle, but the head is not done four ticks after it began.
        let actions = Self.run((1...5).map { (.waiting, UInt64($0)) })
        #expect(actions == [.none, .none, .none, .none, .headTimedOut])
    }

    @Test func aHeadThatArrivesInTimeIsNotTimedOut() {
        // Bytes for three ticks, then the head is complete and a worker answers.
        let ticks: [(ConnectionTimeouts.Phase, UInt64)] = [(.waiting, 1), (.waiting, 2), (.waiting, 3)]
            + Array(repeating: (.busy, 3), count: 10) + [(.waiting, 3)]
        #expect(Self.run(ticks, answers: Array(repeating: 0, count: 13) + [1]).allSatisfy { $0 == .none })
    }

    @Test func bytesThatCameWithAnAnswerAreNotAHeadInProgress() {
        // An answer and new bytes in the same tick (a pipelined request): the head clock starts
        // with the bytes after it.
        let ticks = Array(repeating: (ConnectionTimeouts.Phase.waiting, UInt64(10)), count: 5)
        #expect(Self.run(ticks, answers: [1, 1, 1, 1, 1]).allSatisfy { $0 == .none })
    }

    @Test func aBodyUnderTheFloorIsRefused() {
        // The first window starts at the first tick of the body; 80 bytes in its eight ticks.
        let actions = Self.run((0...8).map { (.receivingBody(remaining: 10_000 - $0 * 10), UInt64($0 * 10)) })
        #expect(actions == Array(repeating: .none, count: 8) + [.bodyTooSlow])
    }

    @Test func aBodyAboveTheFloorGoesOnForManyWindows() {
        let ticks = (0..<40).map { (ConnectionTimeouts.Phase.receivingBody(remaining: nil), UInt64($0 * 15)) }
        #expect(Self.run(ticks).allSatisfy { $0 == .none })
    }

    @Test func theLastWindowOnlyNeedsTheRestOfTheBody() {
        // 30 bytes to go, and they come: under the floor, but the body is whole.
        let ticks = (0...8).map { tick in
            let received = min(30, tick * 5)
            return (ConnectionTimeouts.Phase.receivingBody(remaining: 30 - received), UInt64(received))
        }
        #expect(Self.run(ticks).allSatisfy { $0 == .none })
    }

    @Test func aStalledBodyWithNoFloorIsClosedWhenIdle() {
        var configuration = Self.configuration
        configuration.minimumBodyBytesPerWindow = 0
        var timeouts = ConnectionTimeouts(configuration: configuration)
        let actions = (0..<16).map { _ in timeouts.tick(.receivingBody(remaining: nil), bytesReceived: 0, answers: 0) }
        #expect(actions.last == .closeIdle)
        #expect(actions.dropLast().allSatisfy { $0 == .none })
    }

    @Test func aWorkerAnsweringIsNeverTimedOut() {
        #expect(Self.run(Array(repeating: (.busy, 0), count: 50)).allSatisfy { $0 == .none })
    }
}
