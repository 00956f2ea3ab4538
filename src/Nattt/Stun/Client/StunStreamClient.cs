using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Client;

/// <summary>
/// One Binding request over TCP or TLS (RFC 8489 sections 6.2.2 and 6.2.3): connect, send, read one frame, close.
/// No retransmissions (the stream is reliable); one time-out bounds the whole exchange. Used by `nattt stun --tcp`
/// and `--tls` to check that a server is reachable over those transports and what address it sees.
/// </summary>
public static class StunStreamClient
{
    /// <param name="tlsServerName">Null for plain TCP; the name to check the certificate against for TLS.</param>
    /// <param name="skipCertificateCheck">Accept any certificate (testing a server with a self-signed one).</param>
    public static async Task<StunBindingResponse> RequestAsync(IPEndPoint server, string? tlsServerName, bool skipCertificateCheck,
        TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        await using var _ = stream.ConfigureAwait(false);
        if (tlsServerName is not null)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = ssl;
            var options = new SslClientAuthenticationOptions { TargetHost = tlsServerName };
            if (skipCertificateCheck) options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            await ssl.AuthenticateAsClientAsync(options, deadline.Token).ConfigureAwait(false);
        }

        var transactionId = RandomNumberGenerator.GetBytes(StunConstants.TransactionIdLength);
        var request = new byte[64];
        var w = new StunMessageWriter(request, StunMessageType.BindingRequest, transactionId);
        SoftwareAttribute.TryWrite(ref w, "nattt");
        w.TryWriteFingerprint();
        await stream.WriteAsync(request.AsMemory(0, w.BytesWritten), deadline.Token).ConfigureAwait(false);

        var buffer = new byte[4096];
        int buffered = 0;
        while (true)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(buffered), deadline.Token).ConfigureAwait(false);
            if (read == 0) throw new IOException("the server closed the connection without answering");
            buffered += read;
            if (StunFraming.TryGetFrameLength(buffer.AsSpan(0, buffered), out int frame) != StunError.None || frame > buffer.Length)
                throw new InvalidDataException("the server's answer is not STUN");
            if (frame == 0 || buffered < frame) continue;
            return Decode(buffer.AsSpan(0, frame), transactionId, server, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private static StunBindingResponse Decode(ReadOnlySpan<byte> frame, byte[] transactionId, IPEndPoint server, TimeSpan roundTrip)
    {
        var error = StunMessageReader.TryParse(frame, out var m);
        if (error != StunError.None) throw new InvalidDataException($"malformed answer: {error}");
        if (!m.TransactionId.SequenceEqual(transactionId)) throw new InvalidDataException("the answer is for another transaction");
        if (XorMappedAddressAttribute.Read(m, out var mapped) != StunError.None) MappedAddressAttribute.Read(m, out mapped);
        OtherAddressAttribute.Read(m, out var other);
        ResponseOriginAttribute.Read(m, out var origin);
        int? code = null;
        string? reason = null;
        if (m.Class == StunClass.ErrorResponse)
        {
            code = ErrorCodeAttribute.Read(m, out int c, out var phrase) == StunError.None ? c : 0;
            reason = Encoding.UTF8.GetString(phrase);
        }
        string? software = SoftwareAttribute.Read(m, out var sw) == StunError.None ? Encoding.UTF8.GetString(sw) : null;
        return new StunBindingResponse(server, mapped, other, origin, code, reason, software, 1, roundTrip);
    }
}
