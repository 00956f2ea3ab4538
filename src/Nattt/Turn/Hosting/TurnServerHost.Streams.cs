using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Wire;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>TCP and TLS client connections (RFC 8656 section 3.1): STUN and ChannelData frames back to back.</summary>
public sealed partial class TurnServerHost
{
    /// <summary>Connections that have not finished the TLS handshake or sent a first frame within this are closed.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private void StartStreamListener(IPEndPoint endPoint, bool tls)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(endPoint);
        socket.Listen(512);
        _listeners.Add(socket);
        Endpoints.Add($"{(tls ? "tls" : "tcp")} {socket.LocalEndPoint}");
        _loops.Add(Task.Run(() => AcceptLoopAsync(socket, tls)));
    }

    private async Task AcceptLoopAsync(Socket listener, bool tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset) { continue; }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ServeConnectionAsync(socket, tls));
        }
    }

    private async Task ServeConnectionAsync(Socket socket, bool tls)
    {
        socket.NoDelay = true;
        var key = new TurnClientKey(tls ? TurnTransport.Tls : TurnTransport.Tcp, Normalize((IPEndPoint)socket.RemoteEndPoint!), (IPEndPoint)socket.LocalEndPoint!);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        StreamClientConnection? connection = null;
        try
        {
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                limit.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, limit.Token).ConfigureAwait(false);
            }
            connection = new StreamClientConnection(key, stream);
            lock (_engineLock) _streams[key] = connection;
            var writer = connection.WriteLoopAsync(_stop.Token);
            await ReadFramesAsync(stream, key).ConfigureAwait(false);
            connection.Complete();
            await writer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
                                       or System.Security.Authentication.AuthenticationException)
        {
            _logger.LogDebug("connection {Client} ended: {Error}", key, e.Message);
        }
        finally
        {
            lock (_engineLock)
            {
                _streams.Remove(key);
                _engine.OnClientClosed(key);
            }
            connection?.Complete();
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadFramesAsync(Stream stream, TurnClientKey key)
    {
        var buffer = new byte[4096];
        int filled = 0;
        while (true)
        {
            // Cut every complete frame out of what is buffered.
            int start = 0;
            while (true)
            {
                if (!TryGetFrameLength(buffer.AsSpan(start, filled - start), out int frameLength))
                {
                    _engine.Counters.Drop(TurnDropReason.Malformed);
                    return; // a stream cannot be resynchronised: close it
                }
                if (frameLength == 0 || filled - start < frameLength) break;
                lock (_engineLock) _engine.OnClientPacket(key, buffer.AsSpan(start, frameLength));
                start += frameLength;
            }
            if (start > 0)
            {
                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }
            if (filled == buffer.Length) Array.Resize(ref buffer, Math.Min(buffer.Length * 2, StunConstants.MaxMessageLength + 8));
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            // A connection must make progress: no allocation within the handshake limit, or silence past the
            // allocation's own lifetime, ends it (so idle sockets cannot pile up).
            bool hasAllocation;
            lock (_engineLock) hasAllocation = _engine.Find(key) is not null;
            limit.CancelAfter(hasAllocation ? TimeSpan.FromSeconds(_options.MaxAllocateLifetimeSeconds) : HandshakeTimeout * 3);
            int n = await stream.ReadAsync(buffer.AsMemory(filled), limit.Token).ConfigureAwait(false);
            if (n == 0) return;
            filled += n;
        }
    }

    /// <summary>Stream framing (RFC 8656 section 12.5) with the engine's channel range; false if the stream is not
    /// STUN or ChannelData (it cannot be resynchronised). Length 0 means "need more bytes".</summary>
    private bool TryGetFrameLength(ReadOnlySpan<byte> buffered, out int frameLength)
    {
        frameLength = 0;
        if (buffered.IsEmpty) return true;
        if (buffered[0] <= 3) return StunFraming.TryGetFrameLength(buffered, out frameLength) == StunError.None;
        if (!_engine.IsChannelDataLead(buffered[0])) return false;
        if (buffered.Length >= 4) frameLength = ChannelDataMessage.MessageLength(System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(buffered[2..]), padForStream: true);
        return true;
    }

    private static IPEndPoint Normalize(IPEndPoint e) =>
        e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;
}
