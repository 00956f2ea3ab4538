using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Server;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Hosting;

/// <summary>Limits of the TCP/TLS host. Defaults bound memory to about MaxConnections x 4 KB.</summary>
public sealed class StunStreamHostOptions
{
    /// <summary>Connections served at once; more are closed on accept. Defaults to 1024.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>A connection with no complete message for this long is closed. Defaults to 30 s.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for a TLS handshake. Defaults to 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Runs a <see cref="StunServerEngine"/> over TCP, or TLS when given a certificate (RFC 8489 section 6.2.2/6.2.3):
/// frames are cut from the stream with <see cref="StunFraming"/>, answered on the same connection. A stream that
/// is not STUN cannot be resynchronised and is closed. Listens on the primary endpoint and, with an alternate
/// address, on the other three (a TCP client can read OTHER-ADDRESS; CHANGE-REQUEST gets 420 over TCP).
/// </summary>
public sealed class StunStreamServerHost : IDisposable
{
    private const int BufferSize = 4096;

    private readonly StunServerEngine _engine;
    private readonly ILogger _logger;
    private readonly X509Certificate2? _certificate;
    private readonly int _port;
    private readonly int _alternatePort;
    private readonly StunStreamHostOptions _options;
    private readonly StunDropLogLimiter _limiter;
    private readonly List<Socket> _listeners = [];
    private int _connections; // Interlocked: connections currently served

    /// <param name="port">TCP port of the primary endpoint (3478 for TCP, 5349 for TLS by convention).</param>
    /// <param name="certificate">Server certificate with private key for TLS; null for plain TCP.</param>
    public StunStreamServerHost(StunServerEngine engine, ILogger logger, TimeProvider time, int port, int alternatePort,
        X509Certificate2? certificate, StunStreamHostOptions? options = null)
    {
        _engine = engine;
        _logger = logger;
        _port = port;
        _alternatePort = alternatePort;
        _certificate = certificate;
        _options = options ?? new StunStreamHostOptions();
        _limiter = new StunDropLogLimiter(time);
    }

    private StunTransport Transport => _certificate is null ? StunTransport.Tcp : StunTransport.Tls;

    public Task RunAsync(CancellationToken cancellationToken)
    {
        var loops = new List<Task>();
        foreach (var id in _engine.Addresses.Endpoints)
        {
            var udp = _engine.Addresses[id];
            var endPoint = new IPEndPoint(udp.Address, id.AlternatePort ? _alternatePort : _port);
            var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endPoint);
            listener.Listen(512);
            _listeners.Add(listener);
            StunHostLog.Listening(_logger, Transport == StunTransport.Tls ? "tls" : "tcp", endPoint, id.ToString());
            loops.Add(Task.Run(() => AcceptLoop(listener, id, cancellationToken), CancellationToken.None));
        }
        return Task.WhenAll(loops);
    }

    private async Task AcceptLoop(Socket listener, StunServerEndpointId id, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e) { StunHostLog.ReceiveError(_logger, (IPEndPoint)listener.LocalEndPoint!, e.SocketErrorCode.ToString()); continue; }
            if (Interlocked.Increment(ref _connections) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                StunHostLog.ConnectionRefused(_logger, (IPEndPoint)client.RemoteEndPoint!, "too many connections");
                client.Dispose();
                continue;
            }
            _ = Task.Run(() => ServeAsync(client, id, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, StunServerEndpointId id, CancellationToken cancellationToken)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        string reason = "closed by peer";
        Stream? stream = null;
        try
        {
            client.NoDelay = true;
            stream = new NetworkStream(client, ownsSocket: true);
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                handshake.CancelAfter(_options.HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token).ConfigureAwait(false);
            }
            reason = await ReadFramesAsync(stream, remote, id, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { reason = cancellationToken.IsCancellationRequested ? "server stopping" : "timed out"; }
        catch (IOException e) { reason = e.Message; }
        catch (System.Security.Authentication.AuthenticationException e) { reason = "TLS handshake failed: " + e.Message; }
        catch (SocketException e) { reason = e.SocketErrorCode.ToString(); }
        finally
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            else client.Dispose();
            Interlocked.Decrement(ref _connections);
            StunHostLog.ConnectionClosed(_logger, remote, reason);
        }
    }

    private async Task<string> ReadFramesAsync(Stream stream, IPEndPoint remote, StunServerEndpointId id, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        var response = new byte[2048];
        int buffered = 0;
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(_options.IdleTimeout);
            int read = await stream.ReadAsync(buffer.AsMemory(buffered), idle.Token).ConfigureAwait(false);
            if (read == 0) return "closed by peer";
            buffered += read;
            int consumed = 0;
            while (true)
            {
                var pending = buffer.AsSpan(consumed, buffered - consumed);
                var error = StunFraming.TryGetFrameLength(pending, out int frameLength);
                if (error != StunError.None) return LogAndClose(remote, StunServerDropReason.Malformed, error);
                if (frameLength > buffer.Length) return LogAndClose(remote, StunServerDropReason.Malformed, StunError.HeaderLengthBeyondBuffer);
                if (frameLength == 0 || pending.Length < frameLength) break;
                var frame = buffer.AsMemory(consumed, frameLength);
                consumed += frameLength;
                if (StunFraming.Classify(frame.Span) != StunPacketKind.Stun) continue; // ChannelData: not a TURN server
                int length = Answer(frame.Span, remote, id, response);
                if (length > 0) await stream.WriteAsync(response.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            buffer.AsSpan(consumed, buffered - consumed).CopyTo(buffer);
            buffered -= consumed;
        }
    }

    private int Answer(ReadOnlySpan<byte> frame, IPEndPoint remote, StunServerEndpointId id, Span<byte> response)
    {
        var reply = _engine.Handle(frame, remote, id, Transport, response);
        if (reply.IsDrop && reply.Drop is StunServerDropReason.Malformed or StunServerDropReason.FingerprintMismatch && _limiter.TryAcquire(out long suppressed))
            StunHostLog.Dropped(_logger, remote, reply.Drop, reply.Error, suppressed);
        return reply.Length;
    }

    private string LogAndClose(IPEndPoint remote, StunServerDropReason reason, StunError error)
    {
        _engine.Counters.CountDrop(reason, error);
        if (_limiter.TryAcquire(out long suppressed)) StunHostLog.Dropped(_logger, remote, reason, error, suppressed);
        return "not a STUN stream: " + error;
    }

    public void Dispose()
    {
        foreach (var listener in _listeners) listener.Dispose();
    }
}
