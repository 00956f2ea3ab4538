using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>UDP: client listeners and per-allocation relay sockets.</summary>
public sealed partial class TurnServerHost
{
    /// <summary>The receiving thread's buffer (the UDP loop's), with the engine's headroom and tailroom for peer data.</summary>
    [ThreadStatic] private static byte[]? t_peerBuffer;
    private const int MaxDatagram = 65535;

    private void StartUdpListener(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 4 << 20;
        socket.SendBufferSize = 4 << 20;
        socket.Bind(endPoint);
        var local = (IPEndPoint)socket.LocalEndPoint!;
        lock (_engineLock) _udpSockets[local] = socket;
        Endpoints.Add($"udp {local}");
        var cache = new EndPointCache();
        _udpLoops[0].Add(socket, () => DrainClientSocket(socket, local, cache));
    }

    /// <summary>Takes every queued client datagram to the engine (on the UDP loop thread).</summary>
    private void DrainClientSocket(Socket socket, IPEndPoint local, EndPointCache cache)
    {
        var buffer = t_peerBuffer ??= GC.AllocateUninitializedArray<byte>(TurnServerEngine.PeerHeadroom + MaxDatagram + TurnServerEngine.PeerTailroom, pinned: true);
        var from = new SocketAddress(socket.AddressFamily, RawUdp.AddressCapacity);
        for (int i = 0; i < 256; i++)
        {
            int n;
            int addressLength, errno;
            try { n = RawUdp.TryReceive(socket, buffer, from.Buffer.Span, out addressLength, out errno); }
            catch (ObjectDisposedException) { return; }
            if (n == RawUdp.WouldBlock) return;
            if (n == RawUdp.Failed)
            {
                if (IsTransientErrno(errno)) continue;
                return;
            }
            from.Size = addressLength;
            var key = new TurnClientKey(TurnTransport.Udp, cache.Get(from), local);
            lock (_engineLock) _engine.OnClientPacket(key, buffer.AsSpan(0, n));
            from.Size = RawUdp.AddressCapacity;
        }
    }

    /// <summary>ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EMSGSIZE: per-datagram events (ICMP reflections of an
    /// earlier send, truncation); the socket goes on.</summary>
    private static bool IsTransientErrno(int errno) => errno is 111 or 113 or 101 or 90;

    /// <summary>ICMP errors reflected onto a UDP socket (port unreachable from an earlier send) and truncation are
    /// per-datagram events: the loop goes on.</summary>
    private static bool IsTransient(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize
            or SocketError.HostUnreachable or SocketError.NetworkUnreachable;

    void ITurnServerIo.SendToClient(in TurnClientKey client, ReadOnlySpan<byte> message)
    {
        if (client.Transport == TurnTransport.Udp)
        {
            if (!_udpSockets.TryGetValue(client.Server, out var socket)) { _engine.Counters.Drop(TurnDropReason.SendFailed); return; }
            try { socket.SendTo(message, SocketFlags.None, AddressOf(client.Client)); }
            catch (SocketException) { _engine.Counters.Drop(TurnDropReason.SendFailed); }
            catch (ObjectDisposedException) { _engine.Counters.Drop(TurnDropReason.SendFailed); }
            return;
        }
        if (!_streams.TryGetValue(client, out var connection) || !connection.TryEnqueue(message))
            _engine.Counters.Drop(TurnDropReason.SendFailed);
    }

    /// <summary>Serialized client addresses (guarded by _engineLock), so a send does not serialize the endpoint again.</summary>
    private readonly Dictionary<IPEndPoint, SocketAddress> _clientAddresses = [];

    private SocketAddress AddressOf(IPEndPoint endPoint)
    {
        if (_clientAddresses.TryGetValue(endPoint, out var address)) return address;
        if (_clientAddresses.Count >= 100_000) _clientAddresses.Clear();
        return _clientAddresses[endPoint] = endPoint.Serialize();
    }

    void ITurnServerIo.SendToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> data)
    {
        var relay = (RelaySocket)allocation.RelayHandle!;
        if (!ReferenceEquals(peer, relay.LastSentPeer))
        {
            relay.LastSentPeerAddress = peer.Serialize();
            relay.LastSentPeer = peer;
        }
        try { relay.Socket.SendTo(data, SocketFlags.None, relay.LastSentPeerAddress!); }
        catch (SocketException) { _engine.Counters.Drop(TurnDropReason.SendFailed); }
        catch (ObjectDisposedException) { _engine.Counters.Drop(TurnDropReason.SendFailed); }
    }

    bool ITurnServerIo.TryOpenRelay(AddressFamily family, bool evenPort, out IPEndPoint? relayed, out object? handle, out bool familyUnsupported)
    {
        relayed = null;
        handle = null;
        var address = RelayAddress(family);
        familyUnsupported = address is null;
        if (address is null) return false;
        int span = _options.MaxPort - _options.MinPort + 1;
        for (int attempt = 0; attempt < 64; attempt++)
        {
            int port = _options.MinPort + Random.Shared.Next(span);
            if (evenPort && (port & 1) == 1) port = port == _options.MaxPort ? port - 1 : port + 1;
            var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                socket.Dispose();
                continue;
            }
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            relayed = new IPEndPoint(Advertised(address), bound.Port);
            handle = new RelaySocket(socket, bound);
            return true;
        }
        _logger.LogWarning("no free relay port in {Min}-{Max} after 64 tries", _options.MinPort, _options.MaxPort);
        return false;
    }

    void ITurnServerIo.StartRelay(TurnAllocation allocation)
    {
        var relay = (RelaySocket)allocation.RelayHandle!;
        relay.Allocation = allocation;
        relay.LoopId = _udpLoops[^1].Add(relay.Socket, () => DrainRelay(relay));
    }

    void ITurnServerIo.CloseRelay(TurnAllocation allocation) => CloseRelay(allocation);

    private void CloseRelay(TurnAllocation allocation)
    {
        if (allocation.RelayHandle is not RelaySocket relay) return;
        relay.Closed = true;
        if (relay.LoopId != 0) _udpLoops[^1].Remove(relay.LoopId);
        relay.Socket.Dispose();
    }

    /// <summary>Takes every queued datagram of a relay to the engine; false once the socket is gone.</summary>
    private bool DrainRelay(RelaySocket relay)
    {
        var buffer = t_peerBuffer ??= GC.AllocateUninitializedArray<byte>(TurnServerEngine.PeerHeadroom + MaxDatagram + TurnServerEngine.PeerTailroom, pinned: true);
        Span<byte> address = stackalloc byte[RawUdp.AddressCapacity];
        for (int i = 0; i < 256 && !relay.Closed; i++) // bounded so one busy relay cannot starve the others' threads
        {
            int n;
            int addressLength, errno;
            try { n = RawUdp.TryReceive(relay.Socket, buffer.AsSpan(TurnServerEngine.PeerHeadroom, MaxDatagram - TurnServerEngine.PeerHeadroom), address, out addressLength, out errno); }
            catch (ObjectDisposedException) { return false; }
            if (n == RawUdp.WouldBlock) return true; // drained
            if (n == RawUdp.Failed)
            {
                if (IsTransientErrno(errno)) continue;
                return !relay.Closed;
            }
            var peer = PeerFrom(relay, address[..addressLength]);
            if (peer is null) continue;
            lock (_engineLock) _engine.OnPeerPacket(relay.Allocation!, peer, buffer, TurnServerEngine.PeerHeadroom, n);
        }
        return true;
    }

    /// <summary>The sender of a datagram as an IPEndPoint, reusing the last one when the bytes match.</summary>
    private static IPEndPoint? PeerFrom(RelaySocket relay, ReadOnlySpan<byte> sockaddr)
    {
        if (relay.LastPeer is not null && relay.LastPeerAddress is not null &&
            relay.LastPeerAddress.Buffer.Span[..relay.LastPeerAddress.Size].SequenceEqual(sockaddr))
            return relay.LastPeer;
        if (sockaddr.Length < 16) return null;
        var family = (AddressFamily)(sockaddr[0] | sockaddr[1] << 8) == (AddressFamily)10 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var socketAddress = new SocketAddress(family, sockaddr.Length);
        sockaddr.CopyTo(socketAddress.Buffer.Span);
        IPEndPoint peer;
        try { peer = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(socketAddress); }
        catch (ArgumentException) { return null; }
        relay.LastPeerAddress = socketAddress;
        relay.LastPeer = peer;
        return peer;
    }
}
