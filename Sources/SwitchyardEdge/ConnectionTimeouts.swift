import NIOCore

/// The clock of one connection: decides, at each tick of the connection's timer, whether it has
/// been idle for too long, or whether the request it is receiving trickles in too slowly
/// (nginx's `client_header_timeout` and `client_body_timeout`, with a floor on the body's rate).
///
/// It reads counters the handler bumps on the hot path (bytes received, answers written) instead
/// of timestamps, so no request reads the clock; the price is a tick of granularity: a timeout
/// fires between its length and a tick later. Pure, so it is tested without sockets.
struct ConnectionTimeouts {
    struct Configuration: Equatable {
        /// How often the connection's timer checks it: a quarter of the shortest timeout.
        var tick: TimeAmount
        var idleTicks: Int
        var headTicks: Int
        var bodyWindowTicks: Int
        var minimumBodyBytesPerWindow: Int

        init(
            idleTimeout: TimeAmount, requestHeadTimeout: TimeAmount, requestBodyTimeout: TimeAmount,
            minimumRequestBodyBytes: Int
        ) {
            let shortest = min(idleTimeout, requestHeadTimeout, requestBodyTimeout).nanoseconds
            let tick = max(shortest / 4, 1_000_000)
            func ticks(_ timeout: TimeAmount) -> Int { max(1, Int((timeout.nanoseconds + tick - 1) / tick)) }
            self.tick = .nanoseconds(tick)
            idleTicks = ticks(idleTimeout)
            headTicks = ticks(requestHeadTimeout)
            bodyWindowTicks = ticks(requestBodyTimeout)
            minimumBodyBytesPerWindow = max(0, minimumRequestBodyBytes)
        }
    }

    /// What the connection is doing, as its handler sees it at a tick.
    enum Phase {
        /// No request is in progress as far as the parser has told: the connection is idle, or
        /// the head of the next request is arriving.
        case waiting
        /// The head of a request has arrived and its body is arriving; `remaining` is what its
        /// `content-length` still announces (nil for a chunked body).
        case receivingBody(remaining: Int?)
        /// A worker is answering, or the connection is closing: the worker's limits bound it.
        case busy
    }

    enum Action: Equatable {
        case none
        /// Nothing arrived for the idle timeout: close without an answer.
        case closeIdle
        /// Bytes of a request head arrived, but not the whole head within the head timeout.
        case headTimedOut
        /// A window of the body timeout brought fewer bytes than the floor.
        case bodyTooSlow
    }

    let configuration: Configuration
    private var lastBytes: UInt64 = 0
    private var lastAnswers: UInt64 = 0
    private var quietTicks = 0
    /// Ticks since the first bytes of a head were seen; nil while none is arriving.
    private var headTicks: Int?
    /// The body window under way: its ticks so far, the byte count at its start, and the bytes
    /// it must bring.
    private var window: (ticks: Int, startBytes: UInt64, required: Int)?

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// One tick: `bytesReceived` and `answers` are the connection's running counts.
    mutating func tick(_ phase: Phase, bytesReceived: UInt64, answers: UInt64) -> Action {
        let moved = bytesReceived != lastBytes
        let answered = answers != lastAnswers
        lastBytes = bytesReceived
        lastAnswers = answers
        quietTicks = moved || answered ? 0 : quietTicks + 1
        switch phase {
        case .busy:
            quietTicks = 0
            headTicks = nil
            window = nil
            return .none
        case .waiting:
            window = nil
            if answered {
                // A response went out since the last tick: the idle time starts again, and bytes
                // that came with it are not counted as a head in progress.
                headTicks = nil
                return .none
            }
            if quietTicks >= configuration.idleTicks { return .closeIdle }
            if let ticks = headTicks {
                headTicks = ticks + 1
                if ticks + 1 >= configuration.headTicks { return .headTimedOut }
            } else if moved {
                headTicks = 0
            }
            return .none
        case .receivingBody(let remaining):
            headTicks = nil
            if quietTicks >= configuration.idleTicks { return .closeIdle }
            let required = min(configuration.minimumBodyBytesPerWindow, max(0, remaining ?? .max))
            guard var current = window else {
                // The body began during the last tick: its first window starts now.
                window = (0, bytesReceived, required)
                return .none
            }
            current.ticks += 1
            if current.ticks >= configuration.bodyWindowTicks {
                if bytesReceived &- current.startBytes < UInt64(current.required) { return .bodyTooSlow }
                current = (0, bytesReceived, required)
            }
            window = current
            return .none
        }
    }
}

extension ConnectionTimeouts.Configuration {
    /// Calls `tick` on the channel's event loop at every tick of this configuration, until the
    /// returned task is cancelled (the handler does, when it goes); the task holds the handler
    /// `tick` captures until then.
    func startTicking(
        _ context: ChannelHandlerContext, _ tick: @escaping (ChannelHandlerContext) -> Void
    ) -> RepeatedTask {
        let bound = NIOLoopBound((tick: tick, context: context), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleRepeatedTask(initialDelay: self.tick, delay: self.tick) { _ in
            bound.value.tick(bound.value.context)
        }
    }
}
