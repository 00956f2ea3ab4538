using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>UDP: client listeners and per-allocation relay sockets.</summary>
public sealed partial class TurnServerHost
{
    /// <summary>Each receiving thread's buffer for peer datagrams (with the engine's headroom and tailroom).</summary>
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
        _loops.Add(Task.Run(() => UdpClientLoopAsync(socket, local)));
    }

    private async Task UdpClientLoopAsync(Socket socket, IPEndPoint local)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        var cache = new EndPointCache();
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try { n = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token).ConfigureAwait(false); }
            catch (SocketException e) when (IsTransient(e)) { continue; }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { return; }
            var key = new TurnClientKey(TurnTransport.Udp, cache.Get(from), local);
            lock (_engineLock) _engine.OnClientPacket(key, buffer.AsSpan(0, n));
        }
    }

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
            try { socket.SendTo(message, SocketFlags.None, client.Client); }
            catch (SocketException) { _engine.Counters.Drop(TurnDropReason.SendFailed); }
            catch (ObjectDisposedException) { _engine.Counters.Drop(TurnDropReason.SendFailed); }
            return;
        }
        if (!_streams.TryGetValue(client, out var connection) || !connection.TryEnqueue(message))
            _engine.Counters.Drop(TurnDropReason.SendFailed);
    }

    void ITurnServerIo.SendToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> data)
    {
        var relay = (RelaySocket)allocation.RelayHandle!;
        try { relay.Socket.SendTo(data, SocketFlags.None, peer); }
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
        _ = Task.Run(() => RelayLoopAsync(relay)); // not inline: the engine is mid-Allocate under the lock
    }

    void ITurnServerIo.CloseRelay(TurnAllocation allocation) => CloseRelay(allocation);

    private static void CloseRelay(TurnAllocation allocation)
    {
        if (allocation.RelayHandle is not RelaySocket relay) return;
        relay.Closed = true;
        relay.Socket.Dispose();
    }

    /// <summary>Waits for a datagram with a zero-byte peek (no buffer held while idle), then takes it into this
    /// thread's buffer behind the engine's headroom.</summary>
    private async Task RelayLoopAsync(RelaySocket relay)
    {
        var from = new SocketAddress(relay.Socket.AddressFamily);
        while (!relay.Closed)
        {
            try { await relay.Socket.ReceiveFromAsync(Memory<byte>.Empty, SocketFlags.Peek, from).ConfigureAwait(false); }
            catch (SocketException e) when (IsTransient(e)) { continue; }
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            var buffer = t_peerBuffer ??= GC.AllocateUninitializedArray<byte>(TurnServerEngine.PeerHeadroom + MaxDatagram + TurnServerEngine.PeerTailroom, pinned: true);
            int n;
            try { n = relay.Socket.ReceiveFrom(buffer.AsSpan(TurnServerEngine.PeerHeadroom, MaxDatagram - TurnServerEngine.PeerHeadroom), SocketFlags.None, from); }
            catch (SocketException e) when (IsTransient(e)) { continue; }
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            IPEndPoint peer;
            if (relay.LastPeer is not null && from.Equals(relay.LastPeerAddress)) peer = relay.LastPeer;
            else
            {
                peer = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from);
                relay.LastPeerAddress = new SocketAddress(from.Family, from.Size);
                from.Buffer.Span[..from.Size].CopyTo(relay.LastPeerAddress.Buffer.Span);
                relay.LastPeer = peer;
            }
            lock (_engineLock) _engine.OnPeerPacket(relay.Allocation!, peer, buffer, TurnServerEngine.PeerHeadroom, n);
        }
    }
}
