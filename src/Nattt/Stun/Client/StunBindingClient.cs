using System.Net;
using System.Security.Cryptography;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Stun.Client;

/// <summary>Optional parts of a Binding request (RFC 5780 section 7).</summary>
public sealed record StunBindingRequestOptions(
    StunChangeRequest ChangeRequest = StunChangeRequest.None,
    ushort? ResponsePort = null,
    bool Fingerprint = true);

/// <summary>What a Binding response said (null fields: attribute absent).</summary>
public sealed record StunBindingResponse(
    IPEndPoint ReceivedFrom,
    IPEndPoint? Mapped,
    IPEndPoint? OtherAddress,
    IPEndPoint? ResponseOrigin,
    int? ErrorCode,
    string? ErrorReason,
    string? Software,
    int RequestsSent,
    TimeSpan RoundTrip)
{
    public bool IsSuccess => ErrorCode is null && Mapped is not null;
}

/// <summary>
/// Runs Binding transactions over an <see cref="IStunDatagramTransport"/>, timing them with a
/// <see cref="StunClientTransaction"/> on an injected <see cref="TimeProvider"/>. Reads XOR-MAPPED-ADDRESS (or
/// MAPPED-ADDRESS from classic servers), OTHER-ADDRESS (or CHANGED-ADDRESS) and RESPONSE-ORIGIN.
/// Thread-safe: each call has its own transaction; one transport must not be read by two calls at once.
/// </summary>
public sealed class StunBindingClient(TimeProvider time, StunRetransmissionPolicy policy)
{
    public StunRetransmissionPolicy Policy => policy;

    /// <summary>
    /// Sends a Binding request to <paramref name="server"/> from <paramref name="sender"/> and waits for the response
    /// on <paramref name="receiver"/> (the same socket unless a RESPONSE-PORT test sends from another). Null when the
    /// transaction timed out.
    /// </summary>
    public Task<StunBindingResponse?> RequestAsync(IStunDatagramTransport sender, IPEndPoint server,
        StunBindingRequestOptions? options = null, IStunDatagramTransport? receiver = null, CancellationToken cancellationToken = default) =>
        RunAsync(sender, server, options ?? new(), receiver ?? sender, expectOwnRequest: false, cancellationToken);

    /// <summary>
    /// Hairpinning probe (RFC 5780 section 4.5): sends Binding requests from <paramref name="sender"/> to
    /// <paramref name="target"/> (another socket's mapped address) and reports whether that other socket,
    /// <paramref name="receiver"/>, got one of them.
    /// </summary>
    public async Task<bool> ProbeDeliveryAsync(IStunDatagramTransport sender, IPEndPoint target, IStunDatagramTransport receiver,
        CancellationToken cancellationToken = default) =>
        await RunAsync(sender, target, new(), receiver, expectOwnRequest: true, cancellationToken).ConfigureAwait(false) is not null;

    private async Task<StunBindingResponse?> RunAsync(IStunDatagramTransport sender, IPEndPoint server, StunBindingRequestOptions options,
        IStunDatagramTransport receiver, bool expectOwnRequest, CancellationToken cancellationToken)
    {
        var transactionId = new byte[StunConstants.TransactionIdLength];
        RandomNumberGenerator.Fill(transactionId);
        var request = BuildRequest(transactionId, options);
        var transaction = new StunClientTransaction(policy);
        var buffer = new byte[2048];
        long started = time.GetTimestamp();
        var action = transaction.Start(time.GetUtcNow());
        while (true)
        {
            if (action == StunTransactionAction.TimedOut) return null;
            if (action == StunTransactionAction.Send) await sender.SendAsync(request, server, cancellationToken).ConfigureAwait(false);
            var wait = transaction.NextDeadline - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var timeout = new CancellationTokenSource(wait, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    while (true)
                    {
                        var (length, remote) = await receiver.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
                        var response = TryMatch(buffer.AsSpan(0, length), transactionId, remote, expectOwnRequest, transaction.RequestsSent,
                            time.GetElapsedTime(started));
                        if (response is not null)
                        {
                            transaction.OnResponse();
                            return response;
                        }
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The deadline passed: let the transaction decide (retransmit or give up).
                }
            }
            action = transaction.OnTimer(time.GetUtcNow());
        }
    }

    private static byte[] BuildRequest(byte[] transactionId, StunBindingRequestOptions options)
    {
        var buffer = new byte[128];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, transactionId);
        if (options.ChangeRequest != StunChangeRequest.None) ChangeRequestAttribute.TryWrite(ref w, options.ChangeRequest);
        if (options.ResponsePort is { } port) ResponsePortAttribute.TryWrite(ref w, port);
        SoftwareAttribute.TryWrite(ref w, "nattt");
        if (options.Fingerprint) w.TryWriteFingerprint();
        return w.Written.ToArray();
    }

    private static StunBindingResponse? TryMatch(ReadOnlySpan<byte> datagram, byte[] transactionId, IPEndPoint remote,
        bool expectOwnRequest, int requestsSent, TimeSpan roundTrip)
    {
        if (StunMessageReader.TryParse(datagram, out var m) != StunError.None) return null;
        if (!m.TransactionId.SequenceEqual(transactionId)) return null;
        if (expectOwnRequest)
            return m.Class == StunClass.Request ? new StunBindingResponse(remote, null, null, null, null, null, null, requestsSent, roundTrip) : null;
        if (m.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse)) return null;
        if (m.HasFingerprint && !m.IsFingerprintValid()) return null;
        if (XorMappedAddressAttribute.Read(m, out var mapped) != StunError.None) MappedAddressAttribute.Read(m, out mapped);
        if (OtherAddressAttribute.Read(m, out var other) != StunError.None) ChangedAddressAttribute.Read(m, out other);
        ResponseOriginAttribute.Read(m, out var origin);
        int? code = null;
        string? reason = null;
        if (m.Class == StunClass.ErrorResponse)
        {
            code = ErrorCodeAttribute.Read(m, out int c, out var phrase) == StunError.None ? c : 0;
            reason = Encoding.UTF8.GetString(phrase);
        }
        string? software = SoftwareAttribute.Read(m, out var sw) == StunError.None ? Encoding.UTF8.GetString(sw) : null;
        return new StunBindingResponse(remote, mapped, other, origin, code, reason, software, requestsSent, roundTrip);
    }
}
