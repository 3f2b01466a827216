import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Guards the server's connections, in each connection's pipeline after HTTP decoding:
/// a connection that has not sent a complete request head within `headTimeout` of
/// opening, or of its previous response, is closed (a slow-loris client trickles one
/// forever; a quiet keep-alive connection goes too), and a client address past
/// `maxPerAddress` open connections gets a 503 for its request and is closed.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let registry: ConnectionRegistry
    private var timer: Scheduled<Void>?
    private var address: String?
    private var counted = false
    private var refused = false

    init(headTimeout: TimeAmount, registry: ConnectionRegistry) {
        self.headTimeout = headTimeout
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard address == nil else { return }
        address = context.channel.remoteAddress?.ipAddress ?? "?"
        counted = registry.open(address ?? "?")
        refused = !counted
        armTimer(context)
    }

    /// Closes the connection unless a request head arrives within `headTimeout`.
    private func armTimer(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: headTimeout) { channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A response ended: the next request head is due within the timeout too.
        if case .end = unwrapOutboundIn(data), !refused, context.channel.isActive { armTimer(context) }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if counted, let address { registry.close(address) }
        counted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head = part {
            timer?.cancel()
            timer = nil
            if refused {
                refuse(context)
                return
            }
        }
        if refused { return } // the rest of a refused request
        context.fireChannelRead(data)
    }

    /// 503 with the API's JSON error shape, then close.
    private func refuse(_ context: ChannelHandlerContext) {
        let body = ByteBuffer(string: #"{"message":"Too many open connections from this address (the limit is \#(registry.maxPerAddress)); close some and retry."}"#)
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .serviceUnavailable, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Open connections per client address, shared by every connection's guard.
final class ConnectionRegistry: Sendable {
    let maxPerAddress: Int
    private let counts = Mutex<[String: Int]>([:])

    init(maxPerAddress: Int) { self.maxPerAddress = maxPerAddress }

    /// Counts a new connection; false (and not counted) past the cap.
    func open(_ address: String) -> Bool {
        counts.withLock { counts in
            guard counts[address, default: 0] < maxPerAddress else { return false }
            counts[address, default: 0] += 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLock { counts in
            let left = counts[address, default: 1] - 1
            counts[address] = left > 0 ? left : nil
        }
    }
}
